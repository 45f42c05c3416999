// berth run's flag families, each observed from inside a real container or on
// the host: cgroup files under /berth/<id>, capabilities and seccomp in
// /proc/self/status, rlimits, sysctls, /dev/shm, device nodes and their
// cgroup rules, a read-only root, the user, workdir and name files. Bad
// values: exit 125 naming the flag, nothing left behind.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROFILE_ARCHES, type ProfileArch } from '../../src/engine/seccomp/default-profile.ts';
import { symlink } from '../image/helpers/layers.ts';
import { type EngineImages, leftovers, startImages, type TestEngine, testEngine } from '../helpers/engine.ts';

const ESCAPE = `/tmp/berth-workdir-escape-${process.pid}`;
const status = (out: string, field: string) => new RegExp(`^${field}:\\s*(\\S+)$`, 'm').exec(out)?.[1];
const hostStatus = (field: string) => status(readFileSync('/proc/self/status', 'utf8'), field);
const capBit = (n: number) => 1n << BigInt(n);

describe('berth run flags', () => {
  let images: EngineImages;
  let e: TestEngine;
  let img: string;
  let linkImg: string;
  let files: string;

  before(async () => {
    images = await startImages([{ repo: 'test/wdlink', layers: [[symlink('escape', ESCAPE)]], config: { Cmd: ['sh'] } }]);
    e = testEngine(images.registry.host);
    img = images.busybox;
    linkImg = `${images.registry.host}/test/wdlink:latest`;
    files = mkdtempSync(join(tmpdir(), 'berth-flags-'));
    for (const i of [img, linkImg]) assert.equal(e.berth(['pull', '-q', i]).code, 0);
  });

  after(async () => {
    e?.cleanup();
    rmSync(files, { recursive: true, force: true });
    rmSync(ESCAPE, { recursive: true, force: true });
    await images?.stop();
  });

  /** A foreground run to its end: its output, or a failure with berth's stderr. */
  const run = (flags: string[], script: string, image = img): string => {
    const r = e.berth(['run', '--rm', ...flags, image, 'sh', '-c', script]);
    assert.equal(r.code, 0, `run ${flags.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  it('resources land in the container\'s cgroups under /berth/<id>, and go with it', () => {
    const r = e.berth(['run', '-d', '--memory', '64m', '--memory-swap', '96m', '--cpus', '0.5', '--cpu-shares', '512', '--cpuset-cpus', '0',
      '--pids-limit', '50', img, 'sleep', '600']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const cg = (ctrl: string, file: string) => readFileSync(`/sys/fs/cgroup/${ctrl}/berth/${id}/${file}`, 'utf8').trim();
    const v1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
    try {
      if (v1) {
        assert.equal(cg('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
        assert.equal(cg('memory', 'memory.memsw.limit_in_bytes'), String(96 * 1024 * 1024));
        assert.equal(cg('cpu', 'cpu.cfs_period_us'), '100000');
        assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000');
        assert.equal(cg('cpu', 'cpu.shares'), '512');
        assert.equal(cg('cpuset', 'cpuset.cpus'), '0');
        assert.equal(cg('pids', 'pids.max'), '50');
        // The container sees the same limits in its own cgroup namespace.
        const inside = e.berth(['run', '--rm', '-m', '32m', img, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes']);
        assert.deepEqual(inside.stdout.trim().split('\n'), [String(32 << 20), String(64 << 20)], 'swap defaults to twice the memory, as Docker');
      } else {
        assert.equal(cg('', 'memory.max'), String(64 * 1024 * 1024));
        assert.equal(cg('', 'cpu.max'), '50000 100000');
        assert.equal(cg('', 'pids.max'), '50');
      }
    } finally {
      assert.equal(e.berth(['rm', '-f', id]).code, 0);
    }
    assert.equal(existsSync(v1 ? `/sys/fs/cgroup/memory/berth/${id}` : `/sys/fs/cgroup/berth/${id}`), false);
  });

  it('capabilities: Docker\'s default set, ALL and names with or without CAP_, and seccomp follows them', () => {
    const dflt = BigInt(`0x${status(run([], 'cat /proc/self/status'), 'CapEff')}`);
    assert.equal(dflt, 0xa80425fbn);
    const out = run(['--cap-drop', 'ALL', '--cap-add', 'net_admin', '--cap-add', 'CAP_SYS_ADMIN'], 'cat /proc/self/status; mkdir /tmp/m && mount -t tmpfs t /tmp/m && echo mounted');
    assert.equal(BigInt(`0x${status(out, 'CapEff')}`), capBit(12) | capBit(21));
    assert.equal(status(out, 'Seccomp'), '2');
    // mount(2) is open in the default profile only for a container keeping CAP_SYS_ADMIN.
    assert.match(out, /^mounted$/m);
    const drop = run(['--cap-drop', 'chown'], 'chown 1000 /tmp && echo chowned; true');
    assert.doesNotMatch(drop, /chowned/);
  });

  it('--privileged: every capability berth holds, host devices, no masks, unconfined, /sys writable', () => {
    const out = run(['--privileged'], 'cat /proc/self/status; ls /dev; grep -E " /sys (sysfs|none) " /proc/mounts; grep -c . /proc/timer_list');
    assert.equal(status(out, 'CapEff'), hostStatus('CapBnd'));
    assert.equal(status(out, 'Seccomp'), '0');
    if (existsSync('/dev/loop0')) assert.match(out, /^loop0$/m);
    assert.match(out, / \/sys sysfs rw,/);
    assert.match(out, /^[1-9]\d*$/m, '/proc/timer_list is not masked');
    const plain = run([], 'ls /dev; grep -E " /sys (sysfs|none) " /proc/mounts');
    assert.doesNotMatch(plain, /^loop0$/m);
    assert.match(plain, / \/sys sysfs ro,/);
  });

  it('--device HOST:CONTAINER:PERMS makes the node and allows only those accesses', { skip: !existsSync('/dev/loop0') && 'no /dev/loop0 here' }, () => {
    const out = run(['--device', '/dev/loop0:/dev/xloop:r'],
      'ls -l /dev/xloop; dd if=/dev/xloop of=/dev/null count=0 2>/dev/null && echo read-ok; (echo > /dev/xloop) 2>&1; true');
    assert.match(out, /^b\S+\s+\d+\s+\S+\s+\S+\s+7,\s+0 .*\/dev\/xloop$/m);
    assert.match(out, /^read-ok$/m);
    assert.match(out, /Operation not permitted/);
    const rw = run(['--device', '/dev/loop0'], 'ls -l /dev/loop0 && (exec 3<>/dev/loop0) && echo rw-ok');
    assert.match(rw, /^rw-ok$/m);
  });

  it('--read-only: the root refuses writes, /dev/shm and the name files follow', () => {
    const out = run(['--read-only'], 'touch /x 2>&1; touch /dev/shm/ok && echo shm-ok; (echo >> /etc/hosts) 2>&1; true');
    assert.match(out, /touch: \/x: Read-only file system/);
    assert.match(out, /^shm-ok$/m);
    assert.match(out, /Read-only file system/);
  });

  it('--security-opt seccomp=unconfined|PROFILE (Docker\'s format), no-new-privileges', () => {
    assert.equal(status(run(['--security-opt', 'seccomp=unconfined'], 'cat /proc/self/status'), 'Seccomp'), '0');
    const arch = PROFILE_ARCHES[process.arch as ProfileArch];
    const profile = join(files, 'profile.json');
    writeFileSync(profile, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      archMap: [{ architecture: arch[0], subArchitectures: arch.slice(1) }],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        // Left out: the container keeps no CAP_SYS_MODULE.
        { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_MODULE'] } },
      ],
    }));
    const out = run(['--security-opt', `seccomp=${profile}`], 'mkdir /tmp/a 2>&1; mkdir -p /tmp/b; rmdir /tmp/b 2>&1 && echo rmdir-ok; true');
    assert.match(out, /mkdir: can't create directory '\/tmp\/a': Operation not permitted/);
    assert.doesNotMatch(out, /^rmdir-ok$/m, 'mkdir -p /tmp/b was refused too');
    assert.equal(status(run([], 'cat /proc/self/status'), 'NoNewPrivs'), '0');
    assert.equal(status(run(['--security-opt', 'no-new-privileges'], 'cat /proc/self/status'), 'NoNewPrivs'), '1');
    assert.equal(status(run(['--security-opt', 'no-new-privileges=false'], 'cat /proc/self/status'), 'NoNewPrivs'), '0');
    assert.equal(run(['--security-opt', 'label=disable', '--security-opt', 'apparmor=unconfined'], 'echo ok').trim(), 'ok');
  });

  it('--ulimit, --sysctl, --shm-size', () => {
    const out = run(['--ulimit', 'nofile=1234:5678', '--ulimit', 'nproc=300', '--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=123456789',
      '--shm-size', '32m'], 'cat /proc/self/limits; ulimit -n; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax; grep " /dev/shm " /proc/mounts');
    assert.match(out, /^Max open files\s+1234\s+5678\s+files/m);
    assert.match(out, /^Max processes\s+300\s+300\s+processes/m);
    assert.match(out, /^1234$/m);
    assert.match(out, /^1\n123456789$/m);
    assert.match(out, / \/dev\/shm tmpfs \S*size=32768k/);
    assert.match(run([], 'grep " /dev/shm " /proc/mounts'), /size=65536k/);
  });

  it('-u, -w (made when missing, never through a link out of the root), --hostname and the name files', () => {
    const out = run(['-u', 'app:staff', '-w', '/new/work/dir', '--hostname', 'myhost'],
      'id; pwd; hostname; cat /etc/hostname; grep myhost /etc/hosts; grep localhost /etc/hosts; cat /etc/resolv.conf; grep -E " /etc/(hosts|hostname|resolv.conf) " /proc/mounts; ls -ld /new/work/dir');
    assert.match(out, /^uid=1000\(app\) gid=50\(staff\)/m);
    assert.match(out, /^\/new\/work\/dir$/m);
    assert.match(out, /^myhost\nmyhost\n127\.0\.0\.1\tmyhost\n127\.0\.0\.1\tlocalhost/m);
    assert.doesNotMatch(out, /nameserver/);
    assert.equal(out.match(/ \/etc\/(hosts|hostname|resolv\.conf) /g)?.length, 3, 'all three are binds over the image\'s');
    assert.match(out, /^drwxr-xr-x\s+\d+\s+root\s+root\s.*\/new\/work\/dir$/m);
    assert.match(run(['-u', '4321:50'], 'id'), /^uid=4321 gid=50\(staff\)/m);
    const link = run(['-w', '/escape/sub'], 'pwd; ls -d /escape/sub', linkImg);
    assert.match(link, /^\/escape\/sub$/m);
    assert.equal(existsSync(ESCAPE), false, 'the image\'s link was followed inside the root, not on the host');
    const host = run(['--network', 'host'], 'hostname; cat /etc/resolv.conf');
    assert.equal(host, `${hostname()}\n${readFileSync('/etc/resolv.conf', 'utf8')}`);
  });

  it('bad values: exit 125 naming the flag, and nothing left behind', () => {
    const noSysResource = (BigInt(`0x${hostStatus('CapEff')}`) & capBit(24)) === 0n;
    const cases: [string[], RegExp][] = [
      [['--memory', '1k'], /--memory\b.*6 MiB/],
      [['--memory', 'lots'], /--memory: invalid size/],
      [['--memory-swap', '100m'], /--memory-swap\b.*--memory/],
      [['-m', '100m', '--memory-swap', '50m'], /--memory-swap\b.*below the memory limit/],
      [['--cpus', String(availableParallelism() + 1)], /--cpus\b.*out of range/],
      [['--cpus', 'half'], /--cpus: "half"/],
      [['--cpuset-cpus', '4096'], /--cpuset-cpus\b.*4096.*not available/],
      [['--pids-limit', 'many'], /--pids-limit: "many"/],
      [['--device', '/dev/berth-no-such-device'], /--device\b.*\/dev\/berth-no-such-device/],
      [['--device', '/dev/null:/dev/n:rwx'], /--device: .*rwx/],
      [['--cap-add', 'CAP_NOPE'], /--cap-add\b.*CAP_NOPE/],
      [['--security-opt', `seccomp=${join(files, 'missing.json')}`], /--security-opt seccomp\b.*missing\.json/],
      [['--security-opt', 'bogus=1'], /--security-opt: "bogus=1"/],
      [['--ulimit', 'nofile=10:5'], /--ulimit: .*soft limit is above the hard/],
      [['--ulimit', 'bogus=1'], /--ulimit: .*unknown limit "bogus"/],
      [['--sysctl', 'kernel.panic=1'], /--sysctl\b.*kernel\.panic/],
      [['--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1'], /--sysctl\b.*network namespace/],
      [['--shm-size', '0'], /--shm-size: "0" must be above 0/],
      [['-w', '/etc/passwd'], /--workdir\b.*\/etc\/passwd is not a directory/],
      [['-u', 'nosuchuser'], /--user\b.*nosuchuser/],
    ];
    if (noSysResource) cases.push([['--ulimit', 'nofile=1024:2000000'], /--ulimit\b.*CAP_SYS_RESOURCE/]);
    if (!existsSync('/sys/kernel/security/apparmor')) cases.push([['--security-opt', 'apparmor=berth-test'], /--security-opt apparmor\b.*not enabled/]);
    if (!existsSync('/sys/fs/selinux/enforce')) cases.push([['--security-opt', 'label=type:container_t'], /--security-opt label\b.*not enabled/]);
    for (const [flags, message] of cases) {
      const r = e.berth(['run', '--rm', ...flags, img, 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, flags.join(' '));
    }
    assert.deepEqual(leftovers(e), []);
    assert.equal(e.berth(['ps', '-aq']).stdout, '');
  });
});
