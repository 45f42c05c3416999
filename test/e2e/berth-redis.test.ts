// A real server under berth: Debian's redis-server in an image of its own
// (test/helpers/engine.ts), run detached on the host's network with a named
// volume at /data, driven from the host with Node's net module speaking
// RESP; SAVE writes dump.rdb into the volume, and a new container on the
// same volume finds the key.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { freePort } from '../image/helpers/registry.ts';
import { type EngineImages, leftovers, redisImage, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

let images: EngineImages;
let e: TestEngine;
let redis: string;

before(async () => {
  images = await startImages([redisImage()]);
  redis = `${images.registry.host}/test/redis:latest`;
  e = testEngine(images.registry.host);
});

after(async () => {
  e.cleanup();
  await images.stop();
});

/** One command, its reply as text (bulk strings' contents, simple strings and errors with their sign, nil as null). */
function command(port: number, args: string[]): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy(new Error(`no reply to ${args[0]} within 10 s`)));
    sock.on('error', reject);
    sock.on('connect', () => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const head = buf.subarray(0, eol).toString();
      let reply: string | null | undefined;
      if (head[0] === '$') {
        const n = Number(head.slice(1));
        if (n < 0) reply = null;
        else if (buf.length >= eol + 2 + n + 2) reply = buf.subarray(eol + 2, eol + 2 + n).toString();
      } else reply = head;
      if (reply === undefined) return;
      sock.end();
      resolve(reply);
    });
  });
}

/** PING until PONG: the server is up (bounded; a container that died is reported with its log). */
async function waitUp(port: number, name: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await command(port, ['PING'])) === '+PONG') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`redis in ${name} did not answer on ${port}: ${e.berth(['logs', name]).stdout}`);
    await sleep(50);
  }
}

function runRedis(name: string, port: number) {
  return e.berth(['run', '-d', '--name', name, '--network', 'host', '-v', 'redisdata:/data', redis,
    'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
}

test('redis-server in a container: SET/GET from the host, SAVE into a named volume, the key survives the container', async () => {
  const port = await freePort();
  let r = runRedis('redis1', port);
  assert.equal(r.code, 0, r.stderr);
  await waitUp(port, 'redis1');
  assert.equal(await command(port, ['SET', 'greeting', 'hello from berth']), '+OK');
  // Traffic for a bounded number of rounds, each read back.
  for (let i = 0; i < 200; i++) {
    assert.equal(await command(port, ['SET', `k${i}`, `v${i}`]), '+OK');
    assert.equal(await command(port, ['GET', `k${i}`]), `v${i}`);
  }
  assert.equal(await command(port, ['GET', 'missing']), null);
  assert.equal(await command(port, ['SAVE']), '+OK');
  const dump = join(e.root, 'volumes', 'redisdata', '_data', 'dump.rdb');
  assert.ok(existsSync(dump), 'dump.rdb is in the volume');
  r = e.berth(['rm', '-f', 'redis1']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(dump), 'the volume outlives the container');

  const port2 = await freePort();
  r = runRedis('redis2', port2);
  assert.equal(r.code, 0, r.stderr);
  await waitUp(port2, 'redis2');
  assert.equal(await command(port2, ['GET', 'greeting']), 'hello from berth');
  assert.equal(await command(port2, ['DBSIZE']), ':201');
  // The image's own client, from another container on the host's network (judged inside, by exit status).
  r = e.berth(['run', '--rm', '--network', 'host', redis, 'sh', '-c', `test "$(redis-cli -p ${port2} GET k7)" = v7`]);
  assert.equal(r.code, 0, r.stderr);
  r = e.berth(['stop', 'redis2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(e.berth(['rm', 'redis2']).code, 0);
  assert.equal(e.berth(['volume', 'rm', 'redisdata']).code, 0);
  assert.deepEqual(leftovers(e), []);
});
