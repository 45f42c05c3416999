// runc's command-line conventions that clients depend on: spec, json logs,
// signal forwarding in the foreground, features, concurrent use of one id.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { validateSpec } from '../../src/oci/validate.ts';
import { makeBundle, uniqueId } from '../helpers/bundle.ts';
import { RUNTS, Runts, waitFor } from '../helpers/runts.ts';

const runts = new Runts();
const work = mkdtempSync(join(tmpdir(), 'runts-cli-'));
after(() => {
  runts.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('runts CLI', () => {
  it('spec writes a valid default config, a rootless one, and never overwrites', () => {
    const dir = mkdtempSync(join(work, 'spec-'));
    runts.ok(['spec', '--bundle', dir]);
    const spec = validateSpec(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
    assert.deepEqual(spec.process!.args, ['sh']);
    assert.equal(spec.root!.path, 'rootfs');
    assert.match(runts.run(['spec', '--bundle', dir]).stderr, /exists/);
    const rl = mkdtempSync(join(work, 'rootless-'));
    runts.ok(['spec', '--rootless', '--bundle', rl]);
    const rootless = validateSpec(JSON.parse(readFileSync(join(rl, 'config.json'), 'utf8')));
    assert.ok(rootless.linux!.namespaces!.some((n) => n.type === 'user'));
    assert.deepEqual(rootless.linux!.uidMappings, [{ containerID: 0, hostID: 0, size: 1 }]);
    assert.ok(!rootless.mounts!.some((m) => m.type === 'cgroup' || m.type === 'sysfs'));
    const missing = runts.run(['spec', '--bundle', join(work, 'no-such-dir')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), `runts: ENOENT: no such file or directory, open '${join(work, 'no-such-dir', 'config.json')}'`);
  });

  it('logs errors as json lines to --log with --log-format json, and to stderr', () => {
    const log = join(work, 'log.json');
    const r = runts.run(['--log', log, '--log-format', 'json', 'state', 'missing-container']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /container "missing-container" does not exist/);
    const entry = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!);
    assert.equal(entry.level, 'error');
    assert.match(entry.msg, /does not exist/);
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
  });

  it('forwards signals to a foreground container and returns its exit status', async () => {
    const b = makeBundle(undefined, ['sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo ready; while true; do sleep 0.1; done']);
    const id = uniqueId();
    const child = spawn(RUNTS, runts.args(['run', '--bundle', b.dir, id]), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const done = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    await waitFor(() => out.includes('ready'), 10_000);
    child.kill('SIGTERM');
    assert.equal(await done, 7);
    assert.match(out, /got TERM/);
    assert.ok(!existsSync(join(runts.root, id)), 'a foreground run deletes its container');
    b.cleanup();
  });

  it('one of two concurrent creates of the same id wins, the other fails cleanly', async () => {
    const b = makeBundle(undefined, ['sleep', '30']);
    const id = uniqueId();
    const results = await Promise.all([0, 1].map(() => runts.runAsync(['create', '--bundle', b.dir, id])));
    assert.deepEqual(results.map((r) => r.code).sort(), [0, 1]);
    assert.match(results.find((r) => r.code === 1)!.stderr, /already exists/);
    assert.equal(runts.state(id).status, 'created');
    runts.ok(['delete', '--force', id]);
    b.cleanup();
  });

  it('features lists namespaces, hooks and mount options', () => {
    const f = JSON.parse(runts.ok(['features']));
    assert.ok(f.linux.namespaces.includes('time'));
    assert.ok(f.hooks.includes('createContainer'));
    assert.ok(f.mountOptions.includes('rro'));
    assert.ok(f.mountOptions.includes('ridmap'));
    // What runts refuses is not claimed.
    for (const name of ['apparmor', 'selinux', 'netDevices']) assert.equal(f.linux[name].enabled, true, name);
    // Intel RDT is applied where resctrl is mounted (refused, naming linux.intelRdt, where it is not).
    assert.deepEqual(f.linux.intelRdt, { enabled: true, schemata: true, monitoring: true });
    // Seccomp as runc lists it: what the filter compiler takes.
    assert.equal(f.linux.seccomp.enabled, true);
    assert.ok(f.linux.seccomp.actions.includes('SCMP_ACT_NOTIFY') && f.linux.seccomp.operators.includes('SCMP_CMP_MASKED_EQ'));
    assert.deepEqual(f.linux.seccomp.archs, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
    assert.ok(f.linux.seccomp.supportedFlags.includes('SECCOMP_FILTER_FLAG_LOG'));
    assert.equal(f.linux.mountExtensions.idmap.enabled, true);
  });
});
