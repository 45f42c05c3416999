// The container spec from a config and the host's facts (given here, not
// read): each flag family's fields, Docker's defaults and rules, and the
// refusals naming both the config field and the flag.

import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseDevice, parseRunArgs, parseSecurityOpts, parseUlimit } from '../../src/cli/berth/run-flags.ts';
import type { ContainerConfig } from '../../src/engine/config.ts';
import { InvalidArgumentError } from '../../src/engine/errors.ts';
import { buildSpec, type BuildInput } from '../../src/engine/spec/build.ts';
import { etcContents, etcMounts } from '../../src/engine/spec/etc-files.ts';
import { deviceNumbers, type HostFacts } from '../../src/engine/spec/host.ts';
import { convertProfile } from '../../src/engine/spec/seccomp-file.ts';
import { makeWorkdir } from '../../src/engine/spec/workdir.ts';
import { CAPABILITIES } from '../../src/oci/linux.ts';
import type { Device, Spec } from '../../src/oci/spec.ts';
import { validateSpec } from '../../src/oci/validate.ts';

const scratch = mkdtempSync(join(tmpdir(), 'berth-spec-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const rootfs = join(scratch, 'rootfs');
mkdirSync(join(rootfs, 'etc'), { recursive: true });
writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nstaff:x:50:app\napp:x:1001:\n');

const LOOP0: Device = { path: '/dev/loop0', type: 'b', major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 };
const SND: Device[] = [
  { path: '/dev/snd/pcm0', type: 'c', major: 116, minor: 2, fileMode: 0o660, uid: 0, gid: 29 },
  { path: '/dev/snd/timer', type: 'c', major: 116, minor: 33, fileMode: 0o660, uid: 0, gid: 29 },
];

function fakeHost(over: Partial<HostFacts> = {}): HostFacts {
  return {
    onlineCpus: () => '0-3',
    swapAccounting: () => true,
    allCapabilities: () => CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'),
    hardLimit: (t) => (t === 'RLIMIT_NOFILE' ? 20000n : undefined),
    canRaiseLimits: () => false,
    apparmor: () => false,
    selinux: () => false,
    devices: (under = '/dev') => [LOOP0, ...SND].filter((d) => d.path.startsWith(`${under}/`)),
    device: (p) => [LOOP0, ...SND].find((d) => d.path === p),
    hostname: () => 'the-host',
    etcFile: (n) => (n === 'hosts' ? '127.0.0.1 localhost the-host\n' : 'nameserver 192.0.2.53\n'),
    ...over,
  };
}

const ID = 'abcdef0123456789'.repeat(4);

function build(config: Partial<ContainerConfig> = {}, over: Partial<BuildInput> = {}, warnings: string[] = []): Spec {
  const spec = buildSpec({
    id: ID, config: { image: 'busybox', ...config }, image: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Cmd: ['sh'] } },
    imageName: 'busybox', imageDigest: 'sha256:00', rootfs, containerDir: '/c', mounts: [], host: fakeHost(), warn: (m) => warnings.push(m), ...over,
  });
  // What the engine writes must pass the runtime's own validation.
  validateSpec(JSON.parse(JSON.stringify(spec)));
  return spec;
}

/** Asserts the build is refused naming the field and the flag. */
function refused(config: Partial<ContainerConfig>, field: RegExp, host?: HostFacts): void {
  assert.throws(() => build(config, host ? { host } : {}), (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, String(e));
    assert.match(e.message, field);
    return true;
  });
}

const mountAt = (s: Spec, dest: string) => s.mounts!.find((m) => m.destination === dest);

describe('spec defaults', () => {
  it('Docker\'s: default caps, the default seccomp profile, no no-new-privileges, a cgroup under /berth', () => {
    const s = build();
    assert.equal(s.linux!.cgroupsPath, `/berth/${ID}`);
    assert.equal(s.process!.capabilities!.bounding!.length, 14);
    assert.equal(s.process!.noNewPrivileges, false);
    assert.equal(s.linux!.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
    assert.deepEqual(s.process!.rlimits, []);
    assert.equal(s.hostname, ID.slice(0, 12));
    assert.ok(s.linux!.maskedPaths!.length > 0 && s.linux!.readonlyPaths!.length > 0);
    assert.ok(mountAt(s, '/dev/shm')!.options!.includes(`size=${64 << 20}`));
  });

  it('the name files are binds from the container\'s directory, read-only with the root', () => {
    const s = build({ readOnly: true });
    assert.equal(s.root!.readonly, true);
    for (const n of ['hostname', 'hosts', 'resolv.conf']) assert.deepEqual(mountAt(s, `/etc/${n}`), { destination: `/etc/${n}`, type: 'bind', source: `/c/${n}`, options: ['rbind', 'rprivate', 'ro'] });
    const userHosts = build({}, { mounts: [{ destination: '/etc/hosts', type: 'bind', source: '/x', options: ['rbind'] }] });
    assert.equal(userHosts.mounts!.filter((m) => m.destination === '/etc/hosts').length, 1);
    assert.deepEqual(etcMounts('/c', new Set(['/etc/resolv.conf']), false).map((m) => m.destination), ['/etc/hostname', '/etc/hosts']);
  });

  it('name files: localhost and the hostname; the host\'s with --network host', () => {
    const own = etcContents({ hostname: 'box', network: 'none' }, fakeHost());
    assert.equal(own.hostname, 'box\n');
    assert.match(own.hosts, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(own.hosts, /^127\.0\.0\.1\tbox$/m);
    assert.doesNotMatch(own['resolv.conf'], /nameserver/);
    const host = etcContents({ hostname: 'the-host', network: 'host' }, fakeHost());
    assert.equal(host['resolv.conf'], 'nameserver 192.0.2.53\n');
    assert.equal(host.hosts, '127.0.0.1 localhost the-host\n');
    assert.equal(build({ network: 'host' }).hostname, 'the-host');
    assert.equal(build({ network: 'host', hostname: 'mine' }).hostname, 'mine');
  });
});

describe('resources', () => {
  it('memory with Docker\'s swap default, cpus as quota per 100 ms, shares, cpuset, pids', () => {
    const r = build({ resources: { memory: 64 << 20, nanoCpus: 1.5e9, cpuShares: 512, cpusetCpus: '0,2-3', pidsLimit: 50 } }).linux!.resources!;
    assert.deepEqual(r.memory, { limit: 64 << 20, swap: 128 << 20 });
    assert.deepEqual(r.cpu, { period: 100000, quota: 150000, shares: 512, cpus: '0,2-3' });
    assert.deepEqual(r.pids, { limit: 50 });
    assert.deepEqual(r.devices, [{ allow: false, access: 'rwm' }]);
  });

  it('swap -1 is unlimited; a host without swap accounting limits memory alone, with a warning', () => {
    assert.deepEqual(build({ resources: { memory: 64 << 20, memorySwap: -1 } }).linux!.resources!.memory, { limit: 64 << 20, swap: -1 });
    const warnings: string[] = [];
    const r = build({ resources: { memory: 64 << 20, memorySwap: 96 << 20 } }, { host: fakeHost({ swapAccounting: () => false }) }, warnings).linux!.resources!;
    assert.deepEqual(r.memory, { limit: 64 << 20 });
    assert.match(warnings.join(), /--memory-swap ignored/);
  });

  it('shares are clamped as the kernel takes them; a pids limit of 0 or -1 is none', () => {
    const warnings: string[] = [];
    assert.equal(build({ resources: { cpuShares: 1 } }, {}, warnings).linux!.resources!.cpu!.shares, 2);
    assert.match(warnings[0], /--cpu-shares 1 changed to 2/);
    assert.equal(build({ resources: { pidsLimit: -1 } }).linux!.resources!.pids, undefined);
  });

  it('refusals name the field and the flag', () => {
    refused({ resources: { memory: 1024 } }, /^resources\.memory \(--memory\): .*6 MiB/);
    refused({ resources: { memorySwap: 1 << 30 } }, /resources\.memorySwap \(--memory-swap\): needs a memory limit/);
    refused({ resources: { memory: 64 << 20, memorySwap: 32 << 20 } }, /--memory-swap.*below the memory limit/);
    refused({ resources: { nanoCpus: 5e9 } }, /resources\.nanoCpus \(--cpus\): 5 is out of range: from 0\.01 to 4/);
    refused({ resources: { nanoCpus: 1e6 } }, /--cpus/);
    refused({ resources: { cpusetCpus: '4' } }, /--cpuset-cpus.*CPUs 4 are not available \(this host has 0-3\)/);
    refused({ resources: { cpusetCpus: '3-1' } }, /--cpuset-cpus.*not a list/);
  });
});

describe('capabilities and confinement', () => {
  it('Docker\'s rules: names in any case, with or without CAP_, ALL on either side', () => {
    const caps = (c: Partial<ContainerConfig>) => build(c).process!.capabilities!.bounding!;
    assert.deepEqual(caps({ capDrop: ['ALL'], capAdd: ['net_admin', 'CAP_SYS_TIME'] }), ['CAP_NET_ADMIN', 'CAP_SYS_TIME']);
    assert.ok(!caps({ capDrop: ['chown', 'Cap_Kill'] }).some((c) => c === 'CAP_CHOWN' || c === 'CAP_KILL'));
    const all = caps({ capAdd: ['ALL'], capDrop: ['sys_admin'] });
    assert.ok(all.includes('CAP_SYS_MODULE') && !all.includes('CAP_SYS_ADMIN'));
    assert.ok(!all.includes('CAP_SYS_RESOURCE'), 'only what the engine holds');
    refused({ capAdd: ['CAP_NOPE'] }, /capAdd \(--cap-add\): unknown capability "CAP_NOPE"/);
    refused({ capAdd: ['SYS_RESOURCE'] }, /--cap-add.*CAP_SYS_RESOURCE.*berth holds/);
  });

  it('the default seccomp profile follows the final capabilities', () => {
    const opens = (s: Spec, name: string) => s.linux!.seccomp!.syscalls!.some((r) => r.names.includes(name) && r.action === 'SCMP_ACT_ALLOW' && !r.args);
    assert.equal(opens(build(), 'mount'), false);
    assert.equal(opens(build({ capAdd: ['SYS_ADMIN'] }), 'mount'), true);
  });

  it('--privileged: every capability held, every host device, no masks, /sys and cgroups writable, unconfined', () => {
    const s = build({ privileged: true, capDrop: ['ALL'], security: { seccomp: '/nonexistent.json', apparmor: 'x' } });
    assert.equal(s.process!.capabilities!.bounding!.length, CAPABILITIES.length - 1);
    assert.deepEqual(s.linux!.devices!.map((d) => d.path), ['/dev/loop0', '/dev/snd/pcm0', '/dev/snd/timer']);
    assert.deepEqual(s.linux!.resources!.devices, [{ allow: false, access: 'rwm' }, { allow: true, access: 'rwm' }]);
    assert.deepEqual(s.linux!.maskedPaths, []);
    assert.deepEqual(s.linux!.readonlyPaths, []);
    assert.ok(mountAt(s, '/sys')!.options!.includes('rw'));
    assert.ok(mountAt(s, '/sys/fs/cgroup')!.options!.includes('rw'));
    assert.equal(s.linux!.seccomp, undefined);
    assert.equal(s.process!.apparmorProfile, undefined);
  });

  it('--security-opt: unconfined, no-new-privileges, AppArmor and SELinux only where the host has them', () => {
    assert.equal(build({ security: { seccomp: 'unconfined' } }).linux!.seccomp, undefined);
    assert.equal(build({ security: { noNewPrivileges: true } }).process!.noNewPrivileges, true);
    assert.equal(build({ security: { apparmor: 'unconfined', label: ['disable'] } }).process!.apparmorProfile, undefined);
    refused({ security: { apparmor: 'docker-default' } }, /security\.apparmor \(--security-opt apparmor\): AppArmor is not enabled/);
    assert.equal(build({ security: { apparmor: 'docker-default' } }, { host: fakeHost({ apparmor: () => true }) }).process!.apparmorProfile, 'docker-default');
    refused({ security: { label: ['type:container_t'] } }, /--security-opt label\): SELinux is not enabled/);
    const selinux = fakeHost({ selinux: () => true });
    refused({ security: { label: ['type:container_t'] } }, /give user, role, level too/, selinux);
    refused({ security: { label: ['bogus:x'] } }, /"bogus:x" is not one of/, selinux);
    const full = build({ security: { label: ['user:system_u', 'role:system_r', 'type:container_t', 'level:s0:c1,c2'] } }, { host: selinux });
    assert.equal(full.process!.selinuxLabel, 'system_u:system_r:container_t:s0:c1,c2');
  });

  it('a seccomp file in Docker\'s format: archMap, includes and excludes, name; read and checked at build', () => {
    const docker = {
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }, { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: [] }],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { name: 'mount', action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_PTRACE'] } },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
        { names: ['open_tree'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.2' } },
        { names: ['old'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '4.0' } },
      ],
    };
    const p = convertProfile(docker, { capabilities: ['CAP_CHOWN'], arch: 'x64', kernel: '6.1.0-13-amd64' });
    assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    assert.deepEqual(p.syscalls!.map((s) => s.names[0]), ['read', 'ptrace', 'arch_prctl', 'open_tree']);
    const arm = convertProfile(docker, { capabilities: ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'], arch: 'arm64', kernel: '5.1' });
    assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64']);
    assert.deepEqual(arm.syscalls!.map((s) => s.names[0]), ['read', 'mount']);
    assert.throws(() => convertProfile({ defaultAction: 'SCMP_ACT_NOPE' }, { capabilities: [] }), /security\.seccomp \(--security-opt seccomp\): .*unknown action/);
    const file = join(scratch, 'profile.json');
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }));
    assert.deepEqual(build({ security: { seccomp: file } }).linux!.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
    refused({ security: { seccomp: join(scratch, 'none.json') } }, /--security-opt seccomp\): cannot read .*none\.json: ENOENT/);
    writeFileSync(file, '{not json');
    refused({ security: { seccomp: file } }, /--security-opt seccomp\): .*not valid JSON/);
  });
});

describe('devices', () => {
  it('a node at its own path or another, a directory of them, each with a rule of its numbers', () => {
    const s = build({ devices: [{ hostPath: '/dev/loop0', containerPath: '/dev/xloop', permissions: 'r' }, { hostPath: '/dev/snd' }] });
    assert.deepEqual(s.linux!.devices, [{ ...LOOP0, path: '/dev/xloop' }, ...SND]);
    assert.deepEqual(s.linux!.resources!.devices!.slice(1), [
      { allow: true, type: 'b', major: 7, minor: 0, access: 'r' },
      { allow: true, type: 'c', major: 116, minor: 2, access: 'rwm' },
      { allow: true, type: 'c', major: 116, minor: 33, access: 'rwm' },
    ]);
    refused({ devices: [{ hostPath: '/dev/nope' }] }, /devices\[0\]\.hostPath \(--device\): \/dev\/nope is not a device node/);
    refused({ devices: [{ hostPath: '/dev/loop0', containerPath: '/etc/x' }] }, /devices\[0\]\.containerPath \(--device\): \/etc\/x is not a path under \/dev/);
    refused({ devices: [{ hostPath: '/dev/loop0', permissions: 'rr' }] }, /--device.*"rr"/);
  });

  it('device numbers from st_rdev, large ones too', () => {
    assert.deepEqual(deviceNumbers(0x0700n), { major: 7, minor: 0 });
    assert.deepEqual(deviceNumbers((0x103n << 8n) | 0x45n | (0x1n << 32n << 12n) | (0x2n << 12n << 8n)), { major: 0x1103, minor: 0x245 });
  });
});

describe('ulimits, sysctls, shm, user, workdir', () => {
  it('--ulimit: rlimits by Docker\'s names, -1 unlimited, the last of a name wins', () => {
    const r = build({ ulimits: [{ name: 'nofile', soft: 100, hard: 200 }, { name: 'core', soft: -1, hard: -1 }, { name: 'nofile', soft: 1234, hard: 5678 }] }).process!.rlimits;
    assert.deepEqual(r, [{ type: 'RLIMIT_NOFILE', soft: 1234, hard: 5678 }, { type: 'RLIMIT_CORE', soft: '18446744073709551615', hard: '18446744073709551615' }]);
    refused({ ulimits: [{ name: 'nofile', soft: 10, hard: 5 }] }, /ulimits\[0\]\.soft \(--ulimit\): nofile: the soft limit 10 is above the hard limit 5/);
    refused({ ulimits: [{ name: 'nofile', soft: 100, hard: 30000 }] }, /ulimits\[0\]\.hard \(--ulimit\): nofile: the hard limit 30000 is above berth's own \(20000\).*CAP_SYS_RESOURCE/);
    assert.equal(build({ ulimits: [{ name: 'nofile', soft: 100, hard: 30000 }] }, { host: fakeHost({ canRaiseLimits: () => true }) }).process!.rlimits!.length, 1);
    refused({ ulimits: [{ name: 'files', soft: 1, hard: 1 }] }, /ulimits\[0\]\.name \(--ulimit\): unknown limit "files"/);
  });

  it('--sysctl: only those of the container\'s own namespaces', () => {
    assert.deepEqual(build({ sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000' } }).linux!.sysctl, { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000' });
    refused({ sysctls: { 'kernel.panic': '1' } }, /sysctls \(--sysctl\): linux\.sysctl\.kernel\.panic: is not in a namespace/);
    refused({ network: 'host', sysctls: { 'net.ipv4.ip_forward': '1' } }, /--sysctl.*needs a network namespace/);
    refused({ sysctls: { 'kernel.hostname': 'x' } }, /--sysctl.*conflicts with hostname/);
  });

  it('--shm-size sizes /dev/shm; a user\'s own /dev/shm replaces it', () => {
    assert.ok(mountAt(build({ shmSize: 1 << 20 }), '/dev/shm')!.options!.includes(`size=${1 << 20}`));
    refused({ shmSize: 0 }, /shmSize \(--shm-size\)/);
    const s = build({}, { mounts: [{ destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['size=1k'] }] });
    assert.deepEqual(s.mounts!.filter((m) => m.destination === '/dev/shm').map((m) => m.options), [['size=1k']]);
  });

  it('-u by name or id, with a group; unknown names refused naming --user', () => {
    assert.deepEqual(build({ user: 'app:staff' }).process!.user, { uid: 1000, gid: 50, username: 'app' });
    assert.deepEqual(build({ user: '4321:50' }).process!.user, { uid: 4321, gid: 50 });
    refused({ user: 'nobody-here' }, /^user \(--user\): .*"nobody-here" not found/);
    refused({ workdir: 'relative' }, /workdir \(--workdir\): "relative" is not an absolute path/);
  });

  it('the workdir is made inside the root, through the image\'s links as the container sees them', () => {
    const root = join(scratch, 'wd');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), '');
    const outside = join(scratch, 'outside');
    symlinkSync(outside, join(root, 'abs'));
    symlinkSync('../../../../..', join(root, 'up'));
    makeWorkdir(root, '/abs/a/b');
    assert.equal(existsSync(outside), false);
    assert.ok(lstatSync(join(root, outside, 'a/b')).isDirectory());
    makeWorkdir(root, '/up/c');
    assert.ok(lstatSync(join(root, 'c')).isDirectory());
    makeWorkdir(root, '/c');
    assert.throws(() => makeWorkdir(root, '/etc/passwd/x'), /workdir \(--workdir\): \/etc\/passwd\/x: \/etc\/passwd is not a directory/);
    symlinkSync('loop', join(root, 'loop'));
    assert.throws(() => makeWorkdir(root, '/loop/x'), /too many levels of symbolic links/);
  });
});

describe('run flags', () => {
  const config = (...flags: string[]) => parseRunArgs([...flags, 'busybox']).config;

  it('each family into the config', () => {
    assert.deepEqual(config('-m', '64m', '--memory-swap', '-1', '--cpus', '1.5', '-c', '512', '--cpuset-cpus', '0-1', '--pids-limit', '-1').resources,
      { memory: 64 << 20, memorySwap: -1, nanoCpus: 1.5e9, cpuShares: 512, cpusetCpus: '0-1', pidsLimit: -1 });
    const c = config('--device', '/dev/a', '--cap-add', 'x', '--cap-drop', 'y', '--privileged', '--read-only', '--sysctl', 'net.a=b=c', '--shm-size', '1m', '--ulimit', 'nofile=5');
    assert.deepEqual(c.devices, [{ hostPath: '/dev/a' }]);
    assert.deepEqual([c.capAdd, c.capDrop, c.privileged, c.readOnly, c.sysctls, c.shmSize, c.ulimits],
      [['x'], ['y'], true, true, { 'net.a': 'b=c' }, 1 << 20, [{ name: 'nofile', soft: 5, hard: 5 }]]);
  });

  it('--device as Docker reads it', () => {
    assert.deepEqual(parseDevice('/dev/a:r'), { hostPath: '/dev/a', permissions: 'r' });
    assert.deepEqual(parseDevice('/dev/a:/dev/b'), { hostPath: '/dev/a', containerPath: '/dev/b' });
    assert.deepEqual(parseDevice('/dev/a:/dev/b:rw'), { hostPath: '/dev/a', containerPath: '/dev/b', permissions: 'rw' });
    assert.throws(() => parseDevice('/dev/a:/dev/b:x'), /--device: .*"x" is not a combination/);
    assert.throws(() => parseDevice('a'), /--device: .*"a" is not an absolute path/);
    assert.throws(() => parseDevice('/a:/b:r:w'), /--device: invalid device specification/);
  });

  it('--security-opt and --ulimit', () => {
    assert.deepEqual(parseSecurityOpts(['seccomp=unconfined', 'no-new-privileges', 'apparmor:p', 'label=type:t', 'label=level:s0']),
      { seccomp: 'unconfined', noNewPrivileges: true, apparmor: 'p', label: ['type:t', 'level:s0'] });
    assert.equal(parseSecurityOpts(['no-new-privileges:false']).noNewPrivileges, false);
    assert.throws(() => parseSecurityOpts(['no-new-privileges=maybe']), /--security-opt: "no-new-privileges=maybe"/);
    assert.throws(() => parseSecurityOpts(['systempaths=unconfined']), /--security-opt: "systempaths=unconfined" is not one of/);
    assert.deepEqual(parseUlimit('nofile=10:unlimited'), { name: 'nofile', soft: 10, hard: -1 });
    assert.throws(() => parseUlimit('nofile=unlimited:10'), /soft limit is above the hard/);
    assert.throws(() => parseUlimit('nofile'), /--ulimit: invalid ulimit "nofile"/);
  });

  it('bad values name the flag', () => {
    for (const [flags, re] of [
      [['--memory', 'x'], /^--memory: invalid size/], [['--cpus', '1,5'], /^--cpus: "1,5"/], [['--cpuset-cpus', 'a'], /^--cpuset-cpus:/],
      [['--pids-limit', '1.5'], /^--pids-limit:/], [['--sysctl', 'net.x'], /^--sysctl: "net.x" is not KEY=VALUE/], [['--shm-size', '0'], /^--shm-size:/],
    ] as [string[], RegExp][]) assert.throws(() => config(...flags), (e: Error) => e instanceof InvalidArgumentError && re.test(e.message));
  });
});
