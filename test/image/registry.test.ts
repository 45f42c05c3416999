// Push and pull against real registries: HTTPS with a private CA, htpasswd
// basic auth, token auth; credentials given or read from a docker
// config.json; chunked uploads and cross-repository mounts. Registries on
// 127.0.0.1 and localhost speak plain HTTP without being named (Docker's
// default insecure range); a host given a CA, or plainHttp: false, HTTPS.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryError } from '../../src/image/errors.ts';
import { pull } from '../../src/image/pull.ts';
import { push } from '../../src/image/push.ts';
import { plainByDefault, RegistryClient, type ClientOptions, type HostOptions } from '../../src/image/registry/client.ts';
import { closeAgents } from '../../src/image/registry/http.ts';
import { ImageService } from '../../src/image/service.ts';
import { buildImage, pushImage, type BuiltImage } from './helpers/images.ts';
import { busyboxRootfs, file } from './helpers/layers.ts';
import { PASSWORD, startRegistry, USER, type TestRegistry } from './helpers/registry.ts';

let plain: TestRegistry;
let tls: TestRegistry;
let basic: TestRegistry;
let token: TestRegistry;
let img: BuiltImage;
const roots: string[] = [];

function service(registry: ClientOptions): ImageService {
  const root = mkdtempSync(join(tmpdir(), 'berth-reg-'));
  roots.push(root);
  return new ImageService(root, { registry: { backoffMs: 5, retries: 1, ...registry } });
}

before(async () => {
  [plain, tls, basic, token] = await Promise.all([startRegistry(), startRegistry({ tls: true }), startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' })]);
  img = await buildImage([busyboxRootfs(), [file('hello', 'world')]], { docker: true });
  await pushImage(plain.url, 'src/app', 'v1', img);
});

after(async () => {
  closeAgents();
  await Promise.all([plain, tls, basic, token].map((r) => r?.stop()));
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const creds = { username: USER, password: PASSWORD };

describe('registries', () => {
  const cases: [string, () => TestRegistry, () => HostOptions][] = [
    ['HTTPS with a private CA', () => tls, () => ({ tls: { ca: tls.ca } })],
    ['basic auth', () => basic, () => ({ credentials: creds })],
    ['token auth', () => token, () => ({ credentials: creds })],
  ];
  for (const [what, reg, host] of cases) {
    it(`pushes and pulls with ${what}`, async () => {
      const src = service({ hosts: { [reg().host]: host() } });
      await pull(src, `${plain.host}/src/app:v1`);
      const pushed = await push(src, `${plain.host}/src/app:v1`, `${reg().host}/dst/app:v2`);
      assert.equal(pushed.digest, img.digest);
      const dst = service({ hosts: { [reg().host]: host() } });
      const r = await pull(dst, `${reg().host}/dst/app:v2`);
      assert.equal(r.manifest.digest, img.digest);
    });
  }

  it('refuses an unknown CA, missing credentials and a wrong password, saying which', async () => {
    await assert.rejects(pull(service({ hosts: { [tls.host]: { plainHttp: false } } }), `${tls.host}/dst/app:v2`), (e: Error) => e instanceof RegistryError && /certificate/.test(e.message));
    await assert.rejects(pull(service({ authFile: '/nonexistent' }), `${basic.host}/dst/app:v2`),
      (e: Error) => e instanceof RegistryError && e.code === 'EAUTH' && /authentication required/.test(e.message));
    await assert.rejects(pull(service({ hosts: { [token.host]: { credentials: { username: USER, password: 'wrong' } } } }), `${token.host}/dst/app:v2`),
      (e: Error) => e instanceof RegistryError && /token request refused/.test(e.message) && e.message.includes('/token'));
  });

  it('reads credentials from a docker config.json', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'berth-auth-')), 'config.json');
    roots.push(join(file, '..'));
    writeFileSync(file, JSON.stringify({ auths: { [token.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const r = await pull(service({ authFile: file }), `${token.host}/dst/app:v2`);
    assert.equal(r.manifest.digest, img.digest);
  });

  it('uploads in chunks, and mounts blobs across repositories instead of uploading them again', async () => {
    const svc = service({});
    await pull(svc, `${plain.host}/src/app:v1`);
    await push(svc, `${plain.host}/src/app:v1`, `${plain.host}/chunked/app:v1`, { chunkSize: 64 << 10 });
    const phases: string[] = [];
    await push(svc, `${plain.host}/chunked/app:v1`, `${plain.host}/mounted/app:v1`, { progress: (e) => phases.push(e.phase) });
    assert.deepEqual(phases, ['exists', 'exists', 'exists']);
    const r = await pull(service({}), `${plain.host}/mounted/app:v1`);
    assert.equal(r.manifest.digest, img.digest);
  });

  it('speaks plain HTTP to 127.0.0.0/8 and localhost without a flag, HTTPS to any other host', async () => {
    const svc = service({});
    const r = await pull(svc, `${plain.host.replace('127.0.0.1', 'localhost')}/src/app:v1`);
    assert.equal(r.manifest.digest, img.digest);
    for (const h of ['127.0.0.1:5000', '127.9.8.7', 'localhost', 'localhost:5000']) assert.ok(plainByDefault(h), h);
    for (const h of ['10.0.0.1:5000', 'registry.example:5000', 'localhost.example.com', '128.0.0.1', '[::1]:5000', 'docker.io', '127.0.0.1.nip.io']) assert.ok(!plainByDefault(h), h);
    const client = new RegistryClient({ hosts: { 'registry.example:5000': { plainHttp: true }, '127.0.0.1:6000': { tls: { ca: 'x' } }, '127.0.0.1:7000': { plainHttp: false } } });
    assert.equal(client.base('127.0.0.1:5000'), 'http://127.0.0.1:5000');
    assert.equal(client.base('10.1.2.3:5000'), 'https://10.1.2.3:5000');
    assert.equal(client.base('registry.example:5000'), 'http://registry.example:5000');
    assert.equal(client.base('127.0.0.1:6000'), 'https://127.0.0.1:6000');
    assert.equal(client.base('127.0.0.1:7000'), 'https://127.0.0.1:7000');
  });
});
