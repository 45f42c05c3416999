import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import { ConfigError } from '../../src/oci/errors.ts';
import { parseSignal } from '../../src/oci/linux.ts';
import type { Mount, Spec } from '../../src/oci/spec.ts';
import { parseProcess, parseSpec, validateProcess, validateSpec } from '../../src/oci/validate.ts';

function fieldOf(edit: (s: Spec & Record<string, any>) => void): string {
  const spec = defaultSpec() as Spec & Record<string, any>;
  edit(spec);
  try {
    validateSpec(JSON.parse(JSON.stringify(spec)));
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.field;
  }
  assert.fail('expected validation to fail');
}

describe('config validation', () => {
  it('accepts the default spec', () => {
    assert.doesNotThrow(() => validateSpec(defaultSpec()));
  });

  it('rejects malformed JSON naming the document', () => {
    assert.throws(() => parseSpec('{"ociVersion": '), (e: ConfigError) => e.field === '(document)' && /not valid JSON/.test(e.message));
  });

  it('names the field of each semantic error', () => {
    assert.equal(fieldOf((s) => (s.linux!.namespaces![0].type = 'bogus' as never)), 'linux.namespaces[0].type');
    assert.equal(fieldOf((s) => s.linux!.namespaces!.push({ type: 'pid' })), 'linux.namespaces[6].type');
    assert.equal(fieldOf((s) => (s.process!.cwd = 'relative')), 'process.cwd');
    assert.equal(fieldOf((s) => (s.mounts![0].destination = 'proc')), 'mounts[0].destination');
    assert.equal(fieldOf((s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), 'linux.uidMappings');
    assert.equal(fieldOf((s) => (s.process!.capabilities!.bounding = [7 as never])), 'process.capabilities.bounding[0]');
    assert.equal(fieldOf((s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }])), 'process.rlimits[0].type');
    assert.equal(fieldOf((s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }])), 'process.rlimits[0].soft');
    assert.equal(fieldOf((s) => delete (s as Record<string, unknown>).ociVersion), 'ociVersion');
    assert.equal(fieldOf((s) => (s.ociVersion = '2.0.0')), 'ociVersion');
    assert.equal(fieldOf((s) => (s.hooks = { prestart: [{ path: 'hook' }] })), 'hooks.prestart[0].path');
    assert.equal(fieldOf((s) => (s.hooks = { later: [] } as never)), 'hooks.later');
    assert.equal(fieldOf((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts'))), 'hostname');
    assert.equal(fieldOf((s) => (s.process!.env = ['NOEQUALS'])), 'process.env[0]');
    assert.equal(fieldOf((s) => (s.process!.user.uid = -1)), 'process.user.uid');
    assert.equal(fieldOf((s) => (s.linux!.devices = [{ type: 'x' as never, path: '/dev/x' }])), 'linux.devices[0].type');
    assert.equal(fieldOf((s) => (s.linux!.timeOffsets = { monotonic: { secs: 1 } })), 'linux.timeOffsets');
    assert.equal(fieldOf((s) => (s.linux!.rootfsPropagation = 'sideways')), 'linux.rootfsPropagation');
    assert.equal(fieldOf((s) => (s.linux!.cgroupsPath = 'system.slice:runts:c1')), 'linux.cgroupsPath');
  });

  it('takes capability names it or the kernel does not know (the runtime warns of them and skips them)', () => {
    const spec = defaultSpec();
    spec.process!.capabilities!.bounding!.push('CAP_FLY', 'CAP_NEWER_THAN_THE_KERNEL');
    assert.doesNotThrow(() => validateSpec(spec));
  });

  it('checks scheduler, ioPriority, execCPUAffinity and personality, naming the field', () => {
    const sched = (v: unknown) => (s: Spec & Record<string, any>) => (s.process!.scheduler = v as never);
    assert.equal(fieldOf(sched({ policy: 'SCHED_WHATEVER' })), 'process.scheduler.policy');
    assert.equal(fieldOf(sched({ policy: 'SCHED_ISO' })), 'process.scheduler.policy');
    assert.equal(fieldOf(sched({ policy: 'SCHED_FIFO' })), 'process.scheduler.priority');
    assert.equal(fieldOf(sched({ policy: 'SCHED_RR', priority: 100 })), 'process.scheduler.priority');
    assert.equal(fieldOf(sched({ policy: 'SCHED_BATCH', priority: 1 })), 'process.scheduler.priority');
    assert.equal(fieldOf(sched({ policy: 'SCHED_OTHER', nice: 20 })), 'process.scheduler.nice');
    assert.equal(fieldOf(sched({ policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_FAST'] })), 'process.scheduler.flags[1]');
    assert.equal(fieldOf(sched({ policy: 'SCHED_DEADLINE', runtime: 100, deadline: 1000 })), 'process.scheduler.runtime');
    assert.equal(fieldOf(sched({ policy: 'SCHED_DEADLINE', runtime: 20000, deadline: 10000 })), 'process.scheduler.deadline');
    assert.equal(fieldOf(sched({ policy: 'SCHED_DEADLINE', runtime: 20000, deadline: 30000, period: 25000 })), 'process.scheduler.period');
    assert.equal(fieldOf(sched({ policy: 'SCHED_OTHER', runtime: -1 })), 'process.scheduler.runtime');
    const io = (v: unknown) => (s: Spec & Record<string, any>) => (s.process!.ioPriority = v as never);
    assert.equal(fieldOf(io({ class: 'IOPRIO_CLASS_NONE', priority: 0 })), 'process.ioPriority.class');
    assert.equal(fieldOf(io({ class: 'IOPRIO_CLASS_BE', priority: 8 })), 'process.ioPriority.priority');
    assert.equal(fieldOf(io({ class: 'IOPRIO_CLASS_BE' })), 'process.ioPriority.priority');
    const aff = (v: unknown) => (s: Spec & Record<string, any>) => (s.process!.execCPUAffinity = v as never);
    assert.equal(fieldOf(aff({ initial: '0-' })), 'process.execCPUAffinity.initial');
    assert.equal(fieldOf(aff({ final: '3-1' })), 'process.execCPUAffinity.final');
    assert.equal(fieldOf(aff({ final: '0,9000' })), 'process.execCPUAffinity.final');
    const per = (v: unknown) => (s: Spec & Record<string, any>) => (s.linux!.personality = v as never);
    assert.equal(fieldOf(per({ domain: 'LINUX64' })), 'linux.personality.domain');
    assert.equal(fieldOf(per({})), 'linux.personality.domain');
    assert.equal(fieldOf(per({ domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] })), 'linux.personality.flags[0]');
    const ok = (edit: (s: Spec & Record<string, any>) => void) => {
      const spec = defaultSpec() as Spec & Record<string, any>;
      edit(spec);
      assert.doesNotThrow(() => validateSpec(JSON.parse(JSON.stringify(spec))));
    };
    ok(sched({ policy: 'SCHED_FIFO', priority: 1, flags: ['SCHED_FLAG_RESET_ON_FORK'] }));
    ok(sched({ policy: 'SCHED_DEADLINE', runtime: 10000, deadline: 20000, period: 30000 }));
    ok(io({ class: 'IOPRIO_CLASS_IDLE', priority: 7 }));
    ok(aff({ initial: '0-3,7', final: '' }));
    ok(per({ domain: 'LINUX32', flags: [] }));
    assert.throws(() => validateProcess({ ...defaultSpec().process!, scheduler: { policy: 'SCHED_NOPE' } } as never), (e: ConfigError) => e.field === 'process.scheduler.policy');
  });

  it('checks linux.netDevices names and needs a network namespace', () => {
    const net = (v: unknown) => (s: Spec & Record<string, any>) => (s.linux!.netDevices = v as never);
    assert.equal(fieldOf(net({ 'a/b': {} })), 'linux.netDevices.a/b');
    assert.equal(fieldOf(net({ eth1: { name: 'x'.repeat(16) } })), 'linux.netDevices.eth1.name');
    assert.equal(fieldOf(net({ eth1: { name: '-n' } })), 'linux.netDevices.eth1.name');
    assert.equal(fieldOf(net({ eth1: { name: 'a b' } })), 'linux.netDevices.eth1.name');
    assert.equal(fieldOf(net({ eth1: { name: '..' } })), 'linux.netDevices.eth1.name');
    assert.equal(fieldOf(net({ eth1: 'eth0' })), 'linux.netDevices.eth1');
    assert.equal(fieldOf(net({ eth1: { name: 'eth0' }, eth0: {} })), 'linux.netDevices.eth0.name');
    assert.equal(fieldOf((s) => {
      s.linux!.netDevices = { eth1: {} };
      s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'network');
    }), 'linux.netDevices');
    const spec = defaultSpec();
    spec.linux!.netDevices = { eth1: { name: 'eth0' }, eth2: { name: 'net%d' }, eth3: { name: 'net%d' }, 'enp0s3.100': {} };
    assert.doesNotThrow(() => validateSpec(spec));
  });

  it('checks each device cgroup rule, naming the field', () => {
    const rule = (r: Record<string, unknown>) => (s: Spec & Record<string, any>) => (s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, r as never] });
    const f = 'linux.resources.devices[1]';
    assert.equal(fieldOf(rule({ type: 'c', major: 1 })), `${f}.allow`);
    assert.equal(fieldOf(rule({ allow: 'yes' })), `${f}.allow`);
    assert.equal(fieldOf(rule({ allow: true, type: 'x' })), `${f}.type`);
    assert.equal(fieldOf(rule({ allow: true, type: 'u', major: 1 })), `${f}.type`);
    assert.equal(fieldOf(rule({ allow: true, type: 'c', major: -2 })), `${f}.major`);
    assert.equal(fieldOf(rule({ allow: true, type: 'c', major: 1.5 })), `${f}.major`);
    assert.equal(fieldOf(rule({ allow: true, type: 'b', major: 8, minor: 1 << 20 })), `${f}.minor`);
    for (const access of ['', 'rwx', 'rr', 'RW', 7]) assert.equal(fieldOf(rule({ allow: true, type: 'c', access })), `${f}.access`, String(access));
    // "a" switches every device: narrower "a" rules would mean different things to v1 and v2.
    assert.equal(fieldOf(rule({ allow: true, major: 1 })), `${f}.major`);
    assert.equal(fieldOf(rule({ allow: true, type: 'a', minor: 3 })), `${f}.minor`);
    assert.equal(fieldOf(rule({ allow: false, access: 'r' })), `${f}.access`);
    assert.equal(fieldOf((s) => (s.linux!.resources = { devices: {} as never })), 'linux.resources.devices');
    assert.equal(fieldOf((s) => (s.linux!.resources = [] as never)), 'linux.resources');
    const ok = defaultSpec();
    ok.linux!.resources = {
      devices: [
        { allow: false },
        { allow: true, type: 'a', access: 'mwr', major: -1, minor: -1 },
        { allow: true, type: 'b', major: 7 },
        { allow: true, type: 'c', major: 189, minor: -1, access: 'rm' },
        { allow: true, type: 'c', major: 1, minor: 11, access: 'w' },
      ],
    };
    assert.doesNotThrow(() => validateSpec(ok));
  });

  it('keeps rlimits exact up to 2^64-1 (unlimited) and refuses more, naming the field', () => {
    const withLimits = (soft: string, hard: string) => {
      const text = JSON.stringify(defaultSpec()).replace(/"rlimits":\[[^\]]*\]/, `"rlimits":[{"type":"RLIMIT_CORE","soft":${soft},"hard":${hard}}]`);
      assert.match(text, /RLIMIT_CORE/);
      return text;
    };
    const max = '18446744073709551615';
    const spec = parseSpec(withLimits(max, max));
    assert.deepEqual(spec.process!.rlimits, [{ type: 'RLIMIT_CORE', soft: max, hard: max }]);
    assert.deepEqual(parseSpec(withLimits('1024', max)).process!.rlimits![0].soft, '1024');
    const refused = (soft: string, hard: string) => {
      try {
        parseSpec(withLimits(soft, hard));
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return `${e.field}: ${e.message}`;
      }
      assert.fail(`soft ${soft} hard ${hard} accepted`);
    };
    assert.match(refused('1', '18446744073709551616'), /^process\.rlimits\[0\]\.hard: .*at most 18446744073709551615/);
    assert.match(refused(max, '1'), /^process\.rlimits\[0\]\.soft: .*exceeds/);
    assert.match(refused('-1', '1'), /^process\.rlimits\[0\]\.soft: .*unsigned 64-bit/);
    assert.match(refused('1.5', '2'), /^process\.rlimits\[0\]\.soft: .*unsigned 64-bit/);
    const proc = JSON.stringify({ ...defaultSpec().process, rlimits: [] }).replace('"rlimits":[]', `"rlimits":[{"type":"RLIMIT_AS","soft":${max},"hard":${max}}]`);
    assert.deepEqual(parseProcess(proc).rlimits, [{ type: 'RLIMIT_AS', soft: max, hard: max }]);
    // A library caller's number past 2^53 has already lost its digits.
    assert.equal(fieldOf((s) => (s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 1, hard: 2 ** 64 }])), 'process.rlimits[0].hard');
  });

  it('requires mappings for a new user namespace, and forbids them when joining one', () => {
    assert.equal(fieldOf((s) => s.linux!.namespaces!.push({ type: 'user' })), 'linux.uidMappings');
    assert.equal(
      fieldOf((s) => {
        s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
      }),
      'linux.uidMappings',
    );
  });

  it('refuses by name every field runts does not enforce yet, instead of dropping it', () => {
    const refused: [string, (s: Spec & Record<string, any>) => void][] = [
      ['process.commandLine', (s) => (s.process!.commandLine = 'sh -c true')],
      ['linux.memoryPolicy', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' })],
      ['vm', (s) => (s.vm = { kernel: { path: '/vmlinuz' } })],
      ['linux.resources.future', (s) => (s.linux!.resources = { future: { knob: true } } as never)],
    ];
    for (const [field, edit] of refused) assert.equal(fieldOf(edit), field);
    const spec = defaultSpec() as Spec & Record<string, any>;
    spec.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
    assert.throws(() => validateSpec(spec), /linux\.memoryPolicy: NUMA memory policies are not applied by runts yet: refused rather than ignored/);
  });

  it('accepts what asks for nothing: empty resources, empty objects, empty labels', () => {
    const ok = (edit: (s: Spec & Record<string, any>) => void) => {
      const spec = defaultSpec() as Spec & Record<string, any>;
      edit(spec);
      assert.doesNotThrow(() => validateSpec(JSON.parse(JSON.stringify(spec))));
    };
    ok((s) => (s.linux!.resources = {}));
    ok((s) => (s.linux!.resources = { memory: {}, cpu: { cpus: '' }, hugepageLimits: [], unified: {}, pids: null as never }));
    ok((s) => (s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }], memory: { disableOOMKiller: false } }));
    ok((s) => {
      s.process!.apparmorProfile = '';
      s.process!.selinuxLabel = '';
      s.linux!.mountLabel = '';
      s.linux!.netDevices = {};
      s.mounts![0].uidMappings = [];
    });
  });

  it('refuses an exec process (process.json) that asks for what runts does not enforce', () => {
    const proc = { ...defaultSpec().process!, commandLine: 'sh -c true' };
    assert.throws(() => validateProcess(proc), (e: ConfigError) => e.field === 'process.commandLine');
    // LSM labels pass validation: whether the host can apply them is the planner's question.
    assert.doesNotThrow(() => validateProcess({ ...defaultSpec().process!, apparmorProfile: 'p', selinuxLabel: 'x' }));
  });

  it('checks idmapped mounts: both mappings, bind mounts only, mappings the kernel would take', () => {
    const map = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });
    const bind = (s: Spec, extra: Partial<Mount> = {}) =>
      s.mounts!.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind'], ...extra });
    const last = defaultSpec().mounts!.length;
    const cases: [string, (s: Spec & Record<string, any>) => void][] = [
      [`mounts[${last}].gidMappings`, (s) => bind(s, { uidMappings: [map(0, 1000, 1)] })],
      [`mounts[${last}].uidMappings`, (s) => bind(s, { gidMappings: [map(0, 1000, 1)] })],
      ['mounts[0].uidMappings', (s) => Object.assign(s.mounts![0], { uidMappings: [map(0, 1000, 1)], gidMappings: [map(0, 1000, 1)] })],
      ['mounts[1].options[1]', (s) => s.mounts![1].options!.splice(1, 0, 'idmap')],
      [`mounts[${last}].uidMappings[1]`, (s) => bind(s, { uidMappings: [map(0, 1000, 10), map(20, 1005, 1)], gidMappings: [map(0, 1000, 1)] })],
      [`mounts[${last}].gidMappings[1]`, (s) => bind(s, { uidMappings: [map(0, 1000, 1)], gidMappings: [map(0, 1000, 10), map(9, 2000, 1)] })],
      [`mounts[${last}].uidMappings[0].size`, (s) => bind(s, { uidMappings: [map(0, 1000, 0)], gidMappings: [map(0, 1000, 1)] })],
      [`mounts[${last}].uidMappings[0]`, (s) => bind(s, { uidMappings: [map(0, 4294967290, 10)], gidMappings: [map(0, 1000, 1)] })],
      ['linux.uidMappings[1]', (s) => {
        s.linux!.namespaces!.push({ type: 'user' });
        s.linux!.uidMappings = [map(0, 100000, 65536), map(1000, 300000, 1)];
        s.linux!.gidMappings = [map(0, 100000, 65536)];
      }],
    ];
    for (const [field, edit] of cases) assert.equal(fieldOf(edit), field);
    const ok = defaultSpec();
    bind(ok, { options: ['rbind', 'ridmap'], uidMappings: [map(0, 1000, 10), map(10, 5000, 1)], gidMappings: [map(0, 1000, 1)] });
    bind(ok, { options: ['bind', 'idmap'] });
    assert.doesNotThrow(() => validateSpec(JSON.parse(JSON.stringify(ok))));
  });
});

describe('sysctl', () => {
  const without = (s: Spec, type: string) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== type));
  const set = (s: Spec, key: string) => (s.linux!.sysctl = { [key]: '1' });

  it('allows only the sysctls of a namespace the container has (new or joined)', () => {
    const ok = (edit: (s: Spec) => void) => {
      const spec = defaultSpec();
      edit(spec);
      assert.doesNotThrow(() => validateSpec(spec));
    };
    ok((s) => set(s, 'net.ipv4.ip_forward'));
    ok((s) => set(s, 'kernel.shmmax'));
    ok((s) => set(s, 'fs.mqueue.msg_max'));
    ok((s) => set(s, 'kernel.domainname'));
    ok((s) => {
      without(s, 'network');
      s.linux!.namespaces!.push({ type: 'network', path: '/var/run/netns/other' });
      set(s, 'net.core.somaxconn');
    });
  });

  it('refuses the others, naming the sysctl', () => {
    const refused: [string, (s: Spec) => void][] = [
      ['linux.sysctl.kernel.core_pattern', (s) => set(s, 'kernel.core_pattern')],
      ['linux.sysctl.vm.swappiness', (s) => set(s, 'vm.swappiness')],
      ['linux.sysctl.kernel.shmmax', (s) => (without(s, 'ipc'), set(s, 'kernel.shmmax'))],
      ['linux.sysctl.kernel.msgmnb', (s) => (without(s, 'ipc'), set(s, 'kernel.msgmnb'))],
      ['linux.sysctl.kernel.sem', (s) => (without(s, 'ipc'), set(s, 'kernel.sem'))],
      ['linux.sysctl.fs.mqueue.msg_max', (s) => (without(s, 'ipc'), set(s, 'fs.mqueue.msg_max'))],
      ['linux.sysctl.net.ipv4.ip_forward', (s) => (without(s, 'network'), set(s, 'net.ipv4.ip_forward'))],
      ['linux.sysctl.kernel.domainname', (s) => (without(s, 'uts'), delete s.hostname, set(s, 'kernel.domainname'))],
      ['linux.sysctl.kernel.hostname', (s) => set(s, 'kernel.hostname')],
      ['linux.sysctl.net/ipv4/ip_forward', (s) => set(s, 'net/ipv4/ip_forward')],
      ['linux.sysctl.net..ip_forward', (s) => set(s, 'net..ip_forward')],
      ['linux.sysctl.net', (s) => set(s, 'net')],
    ];
    for (const [field, edit] of refused) assert.equal(fieldOf(edit), field);
    assert.throws(() => validateSpec({ ...defaultSpec(), linux: { ...defaultSpec().linux, sysctl: { 'kernel.core_pattern': '|/tmp/x' } } }),
      /linux\.sysctl\.kernel\.core_pattern: is not in a namespace of the container's own: setting it would change the host's/);
  });
});

describe('signals', () => {
  it('parses names, numbers and real-time signals', () => {
    assert.equal(parseSignal('KILL'), 9);
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal('sigusr1'), 10);
    assert.equal(parseSignal('SIGRTMIN+2'), 36);
    assert.equal(parseSignal('NOPE'), undefined);
    assert.equal(parseSignal('0'), undefined);
    assert.equal(parseSignal('65'), undefined);
  });
});
