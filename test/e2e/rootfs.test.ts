// Root filesystem, mounts, /dev and path safety, observed in mountinfo and
// the files the container sees.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Spec } from '../../src/oci/spec.ts';
import { type Bundle, makeBundle, uniqueId } from '../helpers/bundle.ts';
import { runInside } from '../helpers/inside.ts';
import { Runts } from '../helpers/runts.ts';

const runts = new Runts();
after(() => runts.cleanup());

const inside = (script: string, edit?: (s: Spec, b: Bundle) => void, flags?: string[]) => runInside(runts, script, edit, flags);

/** mountinfo line for a mount point, as "fs-type options super-options". */
function mountOf(mountinfo: string, point: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f[4] === point) return line;
  }
  return undefined;
}

describe('root filesystem', () => {
  it('pivots into the rootfs and makes it read-only when root.readonly', () => {
    const out = inside('cat /proc/self/mountinfo; touch /x 2>&1; echo rc=$?');
    assert.match(mountOf(out, '/')!, /\sro[,\s]/);
    assert.match(out, /Read-only file system/);
    const points = out.split('\n').filter((l) => l.includes(' - ')).map((l) => l.split(' ')[4]);
    assert.ok(points.every((p) => !p.startsWith('/tmp')), `host mounts still visible: ${points}`);
  });

  it('is writable when root.readonly is false', () => {
    const out = inside('touch /x && echo written', (s) => (s.root!.readonly = false));
    assert.equal(out, 'written\n');
  });

  it('--no-pivot chroots instead', () => {
    const out = inside('ls /; echo $$', undefined, ['--no-pivot']);
    assert.match(out, /^bin$/m);
    assert.match(out, /^1$/m);
  });

  it('applies mount options and per-mount propagation', () => {
    const out = inside('cat /proc/self/mountinfo', (s) => {
      s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'size=1m', 'mode=700', 'shared'] });
    });
    const line = mountOf(out, '/scratch')!;
    assert.match(line, /nosuid,nodev,noexec/);
    assert.match(line, /shared:\d+/);
    assert.match(line, /tmpfs tmpfs rw,size=1024k,mode=700/);
  });

  it('bind-mounts files and directories read-only and recursively read-only', () => {
    const host = mkdtempSync(join(tmpdir(), 'runts-src-'));
    writeFileSync(join(host, 'file'), 'content\n');
    mkdirSync(join(host, 'sub'));
    // A submount under the source: rro must reach it, ro must not.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(host, 'sub')]);
    try {
      const out = inside('cat /data/file /one; touch /data/new /data/sub/new /top/sub/new 2>&1; sh -c "echo >> /one" 2>&1; cat /proc/self/mountinfo', (s) => {
        s.mounts!.push({ destination: '/data', type: 'bind', source: host, options: ['rbind', 'rro'] });
        s.mounts!.push({ destination: '/top', type: 'bind', source: host, options: ['rbind', 'ro'] });
        s.mounts!.push({ destination: '/one', type: 'bind', source: join(host, 'file'), options: ['bind', 'ro'] });
      });
      assert.match(out, /^content\ncontent\n/);
      assert.match(out, /touch: \/data\/new: Read-only file system/);
      assert.match(out, /touch: \/data\/sub\/new: Read-only file system/);
      assert.doesNotMatch(out, /\/top\/sub\/new/);
      assert.equal((out.match(/Read-only file system/g) ?? []).length, 3);
      assert.match(mountOf(out, '/data')!, /\sro[,\s]/);
      assert.match(mountOf(out, '/data/sub')!, /\sro[,\s]/);
      assert.match(mountOf(out, '/top')!, /\sro[,\s]/);
      assert.match(mountOf(out, '/top/sub')!, /\srw[,\s]/);
      assert.match(mountOf(out, '/one')!, /\sro[,\s]/);
    } finally {
      execFileSync('umount', [join(host, 'sub')]);
      rmSync(host, { recursive: true });
    }
  });

  it('keeps a bind source\'s nosuid and nodev unless an option clears them', () => {
    const host = mkdtempSync(join(tmpdir(), 'runts-src-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,nosuid,nodev', 'tmpfs', host]);
    try {
      const out = inside('cat /proc/self/mountinfo', (s) => {
        s.mounts!.push({ destination: '/kept', type: 'bind', source: host, options: ['bind', 'ro'] });
        s.mounts!.push({ destination: '/cleared', type: 'bind', source: host, options: ['bind', 'ro', 'dev'] });
      });
      assert.match(mountOf(out, '/kept')!, /\sro,nosuid,nodev[,\s]/);
      assert.match(mountOf(out, '/cleared')!, /\sro,nosuid[,\s]/);
    } finally {
      execFileSync('umount', [host]);
      rmSync(host, { recursive: true });
    }
  });

  it('resolves a relative bind source against the bundle, whatever runts\'s cwd', () => {
    const b = makeBundle(undefined, ['cat', '/data/file', '/one']);
    mkdirSync(join(b.dir, 'data'));
    writeFileSync(join(b.dir, 'data', 'file'), 'from the bundle\n');
    writeFileSync(join(b.dir, 'one'), 'one from the bundle\n');
    b.spec.mounts!.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind', 'ro'] });
    b.spec.mounts!.push({ destination: '/one', type: 'bind', source: './one', options: ['bind', 'ro'] });
    b.write();
    // runts runs from a directory holding the same relative names: they must not be the ones bound.
    const cwd = mkdtempSync(join(tmpdir(), 'runts-cwd-'));
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data', 'file'), 'from the cwd\n');
    writeFileSync(join(cwd, 'one'), 'one from the cwd\n');
    try {
      const r = runts.run(['run', '--bundle', b.dir, uniqueId()], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'from the bundle\none from the bundle\n');
    } finally {
      rmSync(cwd, { recursive: true });
      b.cleanup();
    }
  });

  it('resolves a mount destination through a symlink inside the rootfs, never outside it', () => {
    const escape = mkdtempSync(join(tmpdir(), 'runts-escape-'));
    try {
      const out = inside('cat /proc/self/mountinfo', (s, b) => {
        // /evil -> /../../../<escape> must land inside the rootfs.
        symlinkSync(`/../../../../..${escape}`, join(b.rootfs, 'evil'));
        s.mounts!.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      });
      assert.ok(mountOf(out, escape), `mount should be at ${escape} inside the container`);
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(escape), 'mount escaped to the host');
    } finally {
      rmSync(escape, { recursive: true });
    }
  });

  it('resolves a bind destination through a symlink inside the rootfs, with its options applied there', () => {
    const escape = mkdtempSync(join(tmpdir(), 'runts-escape-'));
    const src = mkdtempSync(join(tmpdir(), 'runts-src-'));
    writeFileSync(join(src, 'file'), 'bound\n');
    try {
      const out = inside(`cat ${escape}/file; touch ${escape}/new 2>&1; cat /proc/self/mountinfo`, (s, b) => {
        symlinkSync(`/../../../../..${escape}`, join(b.rootfs, 'evil'));
        s.mounts!.push({ destination: '/evil', type: 'bind', source: src, options: ['rbind', 'ro', 'nosuid', 'rprivate'] });
      });
      assert.match(out, /^bound\n/);
      assert.match(out, /Read-only file system/);
      assert.match(mountOf(out, escape)!, /\sro,nosuid[,\s]/);
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(escape), 'mount escaped to the host');
    } finally {
      rmSync(escape, { recursive: true });
      rmSync(src, { recursive: true });
    }
  });

  it('masks and makes read-only the configured paths', () => {
    const out = inside('cat /proc/keys 2>&1 | wc -c; ls /sys/firmware | wc -l; sh -c "echo 1 > /proc/sys/kernel/domainname" 2>&1; cat /proc/self/mountinfo', (s) => {
      s.linux!.readonlyPaths = ['/proc/sys'];
    });
    const [kcore, firmware] = out.split('\n');
    assert.equal(kcore.trim(), '0');
    assert.equal(firmware.trim(), '0');
    assert.match(out, /Read-only file system/);
    assert.match(mountOf(out, '/proc/sys')!, /\sro[,\s]/);
  });

  it('sets rootfsPropagation on the container root', () => {
    const out = inside('cat /proc/self/mountinfo', (s) => (s.linux!.rootfsPropagation = 'shared'));
    assert.match(mountOf(out, '/')!, /shared:\d+/);
  });

  it('mounts cgroups read-only, showing the container cgroup', () => {
    const out = inside('ls /sys/fs/cgroup; cat /proc/self/mountinfo');
    assert.match(out, /^(memory|unified)$/m);
    assert.match(mountOf(out, '/sys/fs/cgroup')!, /\sro[,\s]/);
  });
});

describe('/dev', () => {
  it('has the default devices, links, /dev/pts, /dev/shm and /dev/mqueue', () => {
    const out = inside('stat -c "%n %F %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; cat /proc/self/mountinfo');
    for (const [name, maj, min] of [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]])
      assert.match(out, new RegExp(`/dev/${name} character special file ${maj.toString(16)}:${min.toString(16)} 666`));
    assert.match(out, /\/proc\/self\/fd\n\/proc\/self\/fd\/0\n\/proc\/self\/fd\/1\n\/proc\/self\/fd\/2\npts\/ptmx/);
    assert.match(mountOf(out, '/dev/pts')!, /devpts/);
    assert.match(mountOf(out, '/dev/shm')!, /tmpfs/);
    assert.match(mountOf(out, '/dev/mqueue')!, /mqueue/);
  });

  it('creates configured devices with their mode and owner', () => {
    const out = inside('stat -c "%n %F %t:%T %a %u:%g" /dev/mydev /dev/myblk /dev/fifo', (s) => {
      s.linux!.devices = [
        { type: 'c', path: '/dev/mydev', major: 1, minor: 3, fileMode: 0o620, uid: 1000, gid: 1001 },
        { type: 'b', path: '/dev/myblk', major: 7, minor: 200, fileMode: 0o600 },
        { type: 'p', path: '/dev/fifo', fileMode: 0o644 },
      ];
    });
    assert.match(out, /\/dev\/mydev character special file 1:3 620 1000:1001/);
    assert.match(out, /\/dev\/myblk block special file 7:c8 600 0:0/);
    assert.match(out, /\/dev\/fifo fifo 0:0 644 0:0/);
  });

  it('makes devices with their exact mode under any umask, and never changes what a symlink in the way points at', () => {
    const canaryDir = mkdtempSync(join(tmpdir(), 'runts-canary-'));
    const canary = join(canaryDir, 'canary');
    writeFileSync(canary, 'x');
    chmodSync(canary, 0o600);
    const umask = process.umask(0o077);
    try {
      const out = inside('stat -c "%n %F %a" /dev/mydev', (s, b) => {
        symlinkSync(`/../../../../..${canary}`, join(b.rootfs, 'etc', 'out'));
        symlinkSync(canary, join(b.rootfs, 'etc', 'dangling'));
        s.linux!.devices = [
          { type: 'c', path: '/dev/mydev', major: 1, minor: 3, fileMode: 0o666 },
          { type: 'c', path: '/etc/out', major: 1, minor: 3, fileMode: 0o666 },
          { type: 'c', path: '/etc/dangling', major: 1, minor: 3, fileMode: 0o666 },
        ];
      });
      assert.equal(out, '/dev/mydev character special file 666\n');
      assert.equal(statSync(canary).mode & 0o7777, 0o600);
    } finally {
      process.umask(umask);
      rmSync(canaryDir, { recursive: true });
    }
  });

  it('binds devices from the host inside a user namespace', () => {
    const out = inside('echo ok > /dev/null && stat -c "%t:%T" /dev/null /dev/zero', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
    });
    assert.equal(out, '1:3\n1:5\n');
  });
});

describe('more mount types', () => {
  it('mounts an overlay whose layers are host directories', () => {
    const layers = mkdtempSync(join(tmpdir(), 'runts-ovl-'));
    for (const d of ['lower', 'upper', 'work']) mkdirSync(join(layers, d));
    writeFileSync(join(layers, 'lower', 'from-lower'), 'lower\n');
    try {
      const out = inside('cat /merged/from-lower; echo new > /merged/created; cat /proc/self/mountinfo', (s) => {
        s.mounts!.push({
          destination: '/merged', type: 'overlay', source: 'overlay',
          options: [`lowerdir=${layers}/lower`, `upperdir=${layers}/upper`, `workdir=${layers}/work`],
        });
      });
      assert.match(out, /^lower\n/);
      assert.match(mountOf(out, '/merged')!, / - overlay overlay /);
      assert.equal(readFileSync(join(layers, 'upper', 'created'), 'utf8'), 'new\n');
    } finally {
      rmSync(layers, { recursive: true });
    }
  });

  it('binds /sys when a user namespace has no network namespace of its own', () => {
    const out = inside('ls /sys/kernel >/dev/null && echo sys-ok; cat /proc/self/mountinfo', (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
    });
    assert.match(out, /^sys-ok$/m);
    assert.match(mountOf(out, '/sys')!, / - sysfs sysfs /);
  });
});
