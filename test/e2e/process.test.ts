// The process: user, groups, umask, cwd, env, capabilities, rlimits,
// no_new_privs and oom_score_adj, each observed from inside the container.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { capMask } from '../../src/runtime/capabilities.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { runInside } from '../helpers/inside.ts';
import { Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const inside = (script: string, edit?: (s: Spec, b: Bundle) => void, flags?: string[]) => runInside(runts, script, edit, flags);

const status = (out: string, key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(out)?.[1];

describe('process', () => {
  it('runs as the configured uid, gid, additional gids and umask, in cwd with env', () => {
    const out = inside('id -u; id -g; id -G; umask; pwd; echo $FOO', (s) => {
      s.process!.user = { uid: 1000, gid: 1001, additionalGids: [2000, 2001], umask: 0o027 };
      s.process!.cwd = '/work/dir';
      s.process!.env!.push('FOO=bar baz');
    });
    assert.deepEqual(out.split('\n').slice(0, 6), ['1000', '1001', '1001 2000 2001', '0027', '/work/dir', 'bar baz']);
  });

  // Five distinct sets, so that each read below tells which set it came from.
  const caps = {
    bounding: ['CAP_NET_BIND_SERVICE', 'CAP_KILL', 'CAP_CHOWN', 'CAP_SYS_ADMIN'],
    permitted: ['CAP_NET_BIND_SERVICE', 'CAP_KILL', 'CAP_CHOWN'],
    inheritable: ['CAP_NET_BIND_SERVICE', 'CAP_KILL'],
    effective: ['CAP_KILL'],
    ambient: ['CAP_NET_BIND_SERVICE'],
  };
  const hex = (names: string[]) => capMask(names).toString(16).padStart(16, '0');

  it('sets all five capability sets as configured, root or not (the created init, before exec recomputes them)', () => {
    for (const uid of [0, 1000]) {
      const b = makeBundle((s) => {
        s.process!.user = { uid, gid: uid };
        s.process!.capabilities = caps;
      }, ['true']);
      const id = uniqueId();
      try {
        runts.ok(['create', '--bundle', b.dir, id]);
        const out = readFileSync(`/proc/${runts.state(id).pid}/status`, 'utf8');
        assert.equal(status(out, 'Uid')?.split(/\s+/)[0], String(uid));
        assert.equal(status(out, 'CapBnd'), hex(caps.bounding));
        assert.equal(status(out, 'CapPrm'), hex(caps.permitted));
        assert.equal(status(out, 'CapInh'), hex(caps.inheritable));
        assert.equal(status(out, 'CapEff'), hex(caps.effective));
        assert.equal(status(out, 'CapAmb'), hex(caps.ambient));
      } finally {
        runts.run(['delete', '--force', id]);
        b.cleanup();
      }
    }
  });

  it('after exec, a user other than root has its ambient set as permitted and effective', () => {
    const out = inside('cat /proc/self/status', (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = caps;
    });
    assert.equal(status(out, 'CapBnd'), hex(caps.bounding));
    assert.equal(status(out, 'CapInh'), hex(caps.inheritable));
    assert.equal(status(out, 'CapAmb'), hex(caps.ambient));
    assert.equal(status(out, 'CapPrm'), hex(caps.ambient));
    assert.equal(status(out, 'CapEff'), hex(caps.ambient));
  });

  it('after exec, root keeps its inheritable set, and with no_new_privs gains nothing past its permitted one', () => {
    const out = inside('cat /proc/self/status', (s) => {
      s.process!.capabilities = { ...caps, ambient: [] };
      s.process!.noNewPrivileges = true;
    });
    assert.equal(status(out, 'CapBnd'), hex(caps.bounding));
    assert.equal(status(out, 'CapInh'), hex(caps.inheritable));
    // Root's exec would raise permitted to the bounding set; no_new_privs holds it to what it had.
    assert.equal(status(out, 'CapPrm'), hex(caps.permitted));
    assert.equal(status(out, 'CapEff'), hex(caps.permitted));
  });

  it('applies rlimits, no_new_privs and oom_score_adj', () => {
    const out = inside('cat /proc/self/limits; cat /proc/self/status; cat /proc/self/oom_score_adj', (s) => {
      s.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 768 },
        { type: 'RLIMIT_NPROC', soft: 100, hard: 200 },
      ];
      s.process!.noNewPrivileges = true;
      s.process!.oomScoreAdj = 500;
    });
    assert.match(out, /Max open files\s+512\s+768/);
    assert.match(out, /Max processes\s+100\s+200/);
    assert.equal(status(out, 'NoNewPrivs'), '1');
    assert.match(out, /^500$/m);
  });

  it('an rlimit of 2^64-1 is unlimited inside', () => {
    // RLIMIT_CORE: its hard limit is unlimited here, so no CAP_SYS_RESOURCE is needed.
    assert.match(readFileSync('/proc/self/limits', 'utf8'), /Max core file size\s+\S+\s+unlimited/);
    const b = makeBundle(undefined, ['cat', '/proc/self/limits']);
    const text = readFileSync(join(b.dir, 'config.json'), 'utf8').replace(/"rlimits": \[[^\]]*\]/, '"rlimits": [{"type": "RLIMIT_CORE", "soft": 18446744073709551615, "hard": 18446744073709551615}]');
    writeFileSync(join(b.dir, 'config.json'), text);
    const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
    writeFileSync(join(b.dir, 'config.json'), text.replace('"hard": 18446744073709551615', '"hard": 18446744073709551616'));
    const refused = runts.run(['run', '--bundle', b.dir, uniqueId()]);
    b.cleanup();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Max core file size\s+unlimited\s+unlimited/);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /process\.rlimits\[0\]\.hard: .*18446744073709551616/);
  });

  it('an rlimit above the host hard limit is applied with CAP_SYS_RESOURCE, else fails naming the step', () => {
    const limit = 1 << 20;
    const b = makeBundle((s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: limit, hard: limit }]), ['sh', '-c', 'ulimit -n']);
    const r = runts.run(['run', '--bundle', b.dir, uniqueId()]);
    b.cleanup();
    const eff = BigInt(`0x${status(readFileSync('/proc/self/status', 'utf8'), 'CapEff')}`);
    const hostHard = Number(/Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
    if ((eff & (1n << 24n)) !== 0n || hostHard >= limit) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), String(limit));
    } else {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /setrlimit 7 .*EPERM.*\(step \d+, setrlimit\)/);
    }
  });

  it('passes extra fds with --preserve-fds', () => {
    const b = makeBundle(undefined, ['sh', '-c', 'cat <&3']);
    const id = uniqueId();
    const r = runts.run(['run', '--preserve-fds', '1', '--bundle', b.dir, id], { fd3: 'from fd 3\n' });
    b.cleanup();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from fd 3\n');
  });
});
