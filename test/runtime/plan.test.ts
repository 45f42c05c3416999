import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { defaultSpec, rootlessSpec } from '../../src/oci/default-spec.ts';
import { ConfigError } from '../../src/oci/errors.ts';
import { CLONE_FLAGS, MOUNT_ATTR, MS } from '../../src/oci/linux.ts';
import { buildCreatePlan, type CreatePlanInput } from '../../src/runtime/plan/create.ts';
import { encodePlan } from '../../src/runtime/plan/encode.ts';
import { buildExecPlan, withContainerDefaults } from '../../src/runtime/plan/exec.ts';
import { type MountContext, mountSteps, parseMountOptions } from '../../src/runtime/plan/mounts.ts';
import { Op, opName, type Plan } from '../../src/runtime/plan/ops.ts';
import { capMask, unavailableCapabilities } from '../../src/runtime/capabilities.ts';

function input(edit?: (i: CreatePlanInput) => void): CreatePlanInput {
  const spec = defaultSpec();
  spec.process!.terminal = false;
  const i: CreatePlanInput = {
    id: 'c', spec, bundle: '/b', rootfs: '/b/rootfs', mode: 'detach', cgroupProcs: ['/sys/fs/cgroup/pids/runts/c/cgroup.procs'],
    cgroupMounts: [], startSocket: 'exec.sock', host: { isDirectory: () => true, isRuntimeNamespace: () => false },
  };
  edit?.(i);
  return i;
}

const ops = (plan: Plan) => plan.map((s) => opName(s.op));
const mountCtx: MountContext = { host: { isDirectory: () => true }, cgroups: [], sysfsAsBind: false, bundle: '/b' };

describe('create plan', () => {
  it('creates namespaces, mounts before pivot_root, credentials after, and waits for start before exec', () => {
    const plan = buildCreatePlan(input());
    const names = ops(plan);
    const unshare = plan.find((s) => s.op === Op.NS_UNSHARE)!;
    const flags = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].reduce((f, t) => f | CLONE_FLAGS[t], 0);
    assert.equal(unshare.args[0], flags);
    const idx = (n: string) => names.indexOf(n);
    assert.ok(idx('mount') < idx('pivot-root'));
    assert.ok(idx('pivot-root') < idx('mask-path'));
    assert.ok(idx('cap-bounding') < idx('setuid') && idx('setuid') < idx('capset'));
    assert.ok(idx('find-exec') < idx('ready') && idx('ready') < idx('wait-start') && idx('wait-start') < idx('exec'));
    assert.equal(names.at(-1), 'exec');
  });

  it('denies setgroups in a new user namespace when the runtime runs as a user, and skips setgroups(2)', () => {
    const rootless = (edit?: (i: CreatePlanInput) => void) =>
      buildCreatePlan(
        input((i) => {
          i.spec = rootlessSpec(1000, 1000);
          i.spec.process!.terminal = false;
          i.setgroupsDeny = true;
          edit?.(i);
        }),
      );
    const plan = rootless();
    assert.deepEqual(plan.find((s) => s.op === Op.SETGROUPS)?.args, ['deny']);
    assert.ok(!plan.some((s) => s.op === Op.SETGROUPS_LIST));
    assert.throws(
      () => rootless((i) => (i.spec.process!.user.additionalGids = [5])),
      (e: Error) => e instanceof ConfigError && /process\.user\.additionalGids/.test(e.message),
    );
    // Root keeps setgroups for the container.
    const asRoot = buildCreatePlan(
      input((i) => {
        i.spec = rootlessSpec(1000, 1000);
        i.spec.process!.terminal = false;
      }),
    );
    assert.deepEqual(asRoot.find((s) => s.op === Op.SETGROUPS)?.args, ['allow']);
    assert.ok(asRoot.some((s) => s.op === Op.SETGROUPS_LIST));
  });

  it('run from a user namespace: devices bound, /sys bound, and devpts\'s gid= kept only if mapped', () => {
    const devpts = (plan: Plan) => plan.find((s) => s.op === Op.MOUNT && s.args[2] === 'devpts')!.args[4] as string;
    const inNs = buildCreatePlan(
      input((i) => {
        i.inUserNamespace = true;
        i.ownGidMap = [{ containerID: 0, hostID: 65534, size: 1 }];
      }),
    );
    assert.doesNotMatch(devpts(inNs), /gid=/);
    assert.ok(!inNs.some((s) => s.op === Op.MKNOD_IN_ROOT), 'mknod where only binds work');
    assert.ok(inNs.some((s) => s.op === Op.MOUNT && s.args[0] === '/dev/null'));
    // A new network namespace belongs to the user namespace: sysfs mounts there.
    assert.ok(inNs.some((s) => s.op === Op.MOUNT && s.args[2] === 'sysfs'));
    const mapped = buildCreatePlan(
      input((i) => {
        i.inUserNamespace = true;
        i.ownGidMap = [{ containerID: 0, hostID: 100000, size: 65536 }];
      }),
    );
    assert.match(devpts(mapped), /gid=5/);
    assert.match(devpts(buildCreatePlan(input())), /gid=5/);
  });

  it('clones the init straight into its namespaces unless something is joined or time offsets are set', () => {
    const has = (plan: Plan) => plan.some((s) => s.op === Op.CLONE_INIT);
    assert.ok(has(buildCreatePlan(input())));
    // A time namespace without offsets has nothing to write before the init enters it.
    assert.ok(has(buildCreatePlan(input((i) => i.spec.linux!.namespaces!.push({ type: 'time' })))));
    assert.ok(
      !has(
        buildCreatePlan(
          input((i) => {
            i.spec.linux!.namespaces!.push({ type: 'time' });
            i.spec.linux!.timeOffsets = { monotonic: { secs: 5 } };
          }),
        ),
      ),
    );
    assert.ok(!has(buildCreatePlan(input((i) => (i.spec.linux!.namespaces = i.spec.linux!.namespaces!.map((ns) => (ns.type === 'network' ? { ...ns, path: '/proc/1/ns/net' } : ns)))))));
    const proc = { ...defaultSpec().process!, terminal: false };
    assert.ok(!has(buildExecPlan({ id: 'c', process: proc, namespaces: [{ type: 'pid', path: '/proc/9/ns/pid' }], cgroupProcs: [], mode: 'wait' })));
  });

  it('omits the start socket and sync when create and start are one operation without hooks', () => {
    const names = ops(buildCreatePlan(input((i) => delete i.startSocket)));
    assert.ok(!names.includes('wait-start') && !names.includes('ready') && !names.includes('sync'));
  });

  it('asks the runtime for state only when hooks need it, and runs createContainer hooks before pivot_root', () => {
    const plan = buildCreatePlan(input((i) => (i.spec.hooks = { createContainer: [{ path: '/bin/true' }] })));
    const names = ops(plan);
    assert.ok(names.indexOf('sync') < names.indexOf('hook') && names.indexOf('hook') < names.indexOf('pivot-root'));
  });

  it('orders user namespace maps and joins user first, mount last', () => {
    const plan = buildCreatePlan(
      input((i) => {
        i.spec.linux!.namespaces = [
          { type: 'mount', path: '/proc/1/ns/mnt' }, { type: 'network', path: '/proc/1/ns/net' },
          { type: 'user', path: '/proc/1/ns/user' }, { type: 'pid' },
        ];
      }),
    );
    const joins = plan.filter((s) => s.op === Op.NS_JOIN).map((s) => s.args[1]);
    assert.deepEqual(joins, ['/proc/1/ns/user', '/proc/1/ns/net', '/proc/1/ns/mnt']);
  });

  it('binds devices inside a user namespace instead of mknod', () => {
    const plan = buildCreatePlan(
      input((i) => {
        i.spec.linux!.namespaces!.push({ type: 'user' });
        i.spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        i.spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      }),
    );
    assert.ok(!ops(plan).includes('mknod'));
    assert.equal(plan.find((s) => s.op === Op.UID_MAP)!.args[0], '0 100000 65536\n');
    assert.ok(plan.some((s) => s.op === Op.MOUNT && s.args[0] === '/dev/null' && s.args[3] === MS.BIND));
  });

  it('applies a bind\'s flags and propagation on its detached clone, and looks the destination up once', () => {
    const plan = buildCreatePlan(
      input((i) => i.spec.mounts!.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'ro', 'nosuid', 'rshared', 'rnodev'] })),
    );
    const first = plan.findIndex((s) => s.op === Op.OPEN_TREE);
    const steps = plan.slice(first, first + 4);
    assert.deepEqual(ops(steps), ['open-tree', 'mount-setattr', 'mount-setattr', 'move-mount']);
    assert.deepEqual(steps[0].args, ['/srv', 1]);
    // The clone's own flags, then recursively the propagation and the recursive attributes.
    assert.deepEqual(steps[1].args, [MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID, 0, 0, 0]);
    assert.deepEqual(steps[2].args, [MOUNT_ATTR.NODEV, 0, MS.SHARED, 1]);
    assert.deepEqual(steps[3].args, ['/data', '/b/rootfs']);
    // Only the directory's creation and the attach name the destination.
    assert.deepEqual(ops(plan.filter((s) => s.args.includes('/data'))), ['mkdir-in-root', 'move-mount']);
  });

  it('changes only the flags a bind\'s options name, and sets the atime setting as a whole', () => {
    const setattr = (options: string[]) => mountSteps('/r', { destination: '/d', type: 'bind', source: '/s', options }, mountCtx)
      .filter((s) => s.op === Op.MOUNT_SETATTR).map((s) => s.args);
    assert.deepEqual(setattr(['bind', 'rw', 'suid', 'nodev']), [[MOUNT_ATTR.NODEV, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID, 0, 0]]);
    assert.deepEqual(setattr(['bind', 'noatime']), [[MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME_MASK, 0, 0]]);
    assert.deepEqual(setattr(['rbind', 'rnoatime']), [[MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME_MASK, 0, 1]]);
    // A later recursive propagation overrides an earlier one of the top mount: kept in order.
    assert.deepEqual(setattr(['rbind', 'shared', 'rprivate']), [[0, 0, MS.SHARED, 0], [0, 0, MS.PRIVATE, 1]]);
    // Nothing to change: one mount(2) on the destination's fd.
    const plain = mountSteps('/r', { destination: '/d', type: 'bind', source: '/s', options: ['rbind'] }, mountCtx);
    assert.deepEqual(plain.map((s) => s.op), [Op.MKDIR_IN_ROOT, Op.MOUNT]);
  });

  it('mounts a new filesystem with its flags at once, and detached when it needs propagation', () => {
    const tmpfs = (options: string[]) => mountSteps('/r', { destination: '/t', type: 'tmpfs', source: 'tmpfs', options }, mountCtx);
    const plain = tmpfs(['nosuid', 'rro', 'size=1m', 'mode=700']);
    assert.deepEqual(plain.map((s) => s.op), [Op.MKDIR_IN_ROOT, Op.MOUNT]);
    assert.deepEqual(plain[1].args, ['tmpfs', '/t', 'tmpfs', MS.NOSUID | MS.RDONLY, 'size=1m,mode=700', '/r']);
    const shared = tmpfs(['nosuid', 'ro', 'noatime', 'size=1m', 'shared']);
    assert.deepEqual(shared.map((s) => s.op), [Op.MKDIR_IN_ROOT, Op.FSMOUNT, Op.MOUNT_SETATTR, Op.MOVE_MOUNT]);
    assert.deepEqual(shared[1].args, ['tmpfs', MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOATIME, 'source=tmpfs', 'ro', 'size=1m']);
    assert.deepEqual(shared[2].args, [0, 0, MS.SHARED, 0]);
    assert.deepEqual(shared[3].args, ['/t', '/r']);
  });

  it('resolves a relative bind source against the bundle, and asks the host about that path', () => {
    const asked: string[] = [];
    const plan = buildCreatePlan(
      input((i) => {
        i.spec.mounts!.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind'] });
        i.spec.mounts!.push({ destination: '/up', type: 'bind', source: '../shared/x', options: ['bind'] });
        i.host = { ...i.host, isDirectory: (p) => (asked.push(p), true) };
      }),
    );
    const source = (dest: string) => plan.find((s) => s.op === Op.MOUNT && s.args[1] === dest)!.args[0];
    assert.equal(source('/data'), '/b/data');
    assert.equal(source('/up'), '/shared/x');
    assert.deepEqual(asked, ['/b/data', '/shared/x']);
  });

  it('refuses a sysctl of a joined namespace that is the runtime\'s own', () => {
    const joining = (own: boolean) =>
      buildCreatePlan(
        input((i) => {
          i.spec.linux!.namespaces = i.spec.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/run/netns/x' } : n));
          i.spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
          i.host = { ...i.host, isRuntimeNamespace: (type, path) => own && type === 'network' && path === '/run/netns/x' };
        }),
      );
    assert.throws(() => joining(true), (e: ConfigError) => e.field === 'linux.sysctl.net.ipv4.ip_forward' && /runtime's own/.test(e.message));
    assert.ok(joining(false).some((s) => s.op === Op.WRITE_FILE && s.args[0] === '/proc/sys/net/ipv4/ip_forward'));
  });

  it('raises only ambient capabilities that are also inheritable and permitted', () => {
    const plan = buildCreatePlan(
      input((i) => {
        i.spec.process!.capabilities = { permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL', 'CAP_CHOWN'] };
      }),
    );
    assert.equal(plan.find((s) => s.op === Op.AMBIENT)!.args[0], 1n << 5n);
  });

  it('makes the terminal, and /dev/console, right after pivot_root while the root is writable', () => {
    const plan = buildCreatePlan(input((i) => {
      i.spec.process!.terminal = true;
      i.consoleSocket = '/run/console.sock';
    }));
    const names = ops(plan);
    assert.equal(names.indexOf('terminal'), names.indexOf('pivot-root') + 1);
    assert.ok(names.indexOf('terminal') < names.indexOf('remount-ro'));
    assert.deepEqual(plan.find((s) => s.op === Op.TERMINAL)!.args.slice(3), ['/dev', 'console']);
  });

  it('refuses a terminal without a console socket', () => {
    assert.throws(() => buildCreatePlan(input((i) => (i.spec.process!.terminal = true))), /console-socket/);
  });

  it('parses mount options into flags, data, propagation and recursive attributes', () => {
    const o = parseMountOptions(['nosuid', 'rw', 'mode=755', 'rprivate', 'rro', 'noatime']);
    assert.equal(o.flags, MS.NOSUID | MS.NOATIME);
    assert.deepEqual(o.data, ['mode=755']);
    assert.deepEqual(o.propagation, [MS.PRIVATE | MS.REC]);
    assert.equal(o.attrSet, 1);
  });
});

describe('exec plan', () => {
  it('joins the container namespaces and cgroups and execs without waiting', () => {
    const p = defaultSpec().process!;
    const plan = buildExecPlan({
      id: 'c', process: { ...p, terminal: false }, namespaces: [{ type: 'pid', path: '/proc/9/ns/pid' }, { type: 'mount', path: '/proc/9/ns/mnt' }],
      cgroupProcs: ['/x/cgroup.procs'], mode: 'wait',
    });
    assert.deepEqual(plan.filter((s) => s.op === Op.NS_JOIN).map((s) => s.args[1]), ['/proc/9/ns/pid', '/proc/9/ns/mnt']);
    assert.ok(!ops(plan).includes('wait-start'));
    assert.equal(ops(plan).at(-1), 'exec');
  });
});

describe('plan encoding', () => {
  it('writes the header, length-prefixed arguments and the end marker', () => {
    const buf = encodePlan([{ op: Op.SETHOSTNAME, args: ['box'] }, { op: Op.CAP_BOUND, args: [0x20n] }]);
    assert.equal(buf.subarray(0, 4).toString(), 'RTS1');
    assert.equal(buf.readUInt32LE(4), buf.length - 8);
    assert.equal(buf.readUInt32LE(8), Op.SETHOSTNAME);
    assert.equal(buf.readUInt32LE(12), 1);
    assert.equal(buf.readUInt32LE(16), 3);
    assert.equal(buf.subarray(20, 23).toString(), 'box');
    assert.equal(buf.subarray(35, 39).toString(), '0x20');
    assert.equal(buf.readUInt32LE(buf.length - 4), 0);
  });

  it('measures arguments in bytes: UTF-8 text, numbers and raw bytes', () => {
    const raw = Uint8Array.of(0, 255, 7);
    const buf = encodePlan([{ op: Op.EXEC, args: [2, 'é/☃', 'x'] }, { op: Op.SECCOMP, args: [raw, 0] }]);
    const args: Buffer[] = [];
    let off = 8;
    for (const want of [3, 2]) {
      off += 4;
      assert.equal(buf.readUInt32LE(off), want);
      off += 4;
      for (let k = 0; k < want; k++) {
        const len = buf.readUInt32LE(off);
        args.push(buf.subarray(off + 4, off + 4 + len));
        off += 4 + len;
      }
    }
    assert.deepEqual(args.map((a) => a.toString()).slice(0, 3), ['2', 'é/☃', 'x']);
    assert.deepEqual([...args[3]], [0, 255, 7]);
    assert.equal(args[4].toString(), '0');
    assert.equal(off + 4, buf.length);
  });
});

describe('ops shared with the executor', () => {
  const native = (file: string) => readFileSync(resolve(import.meta.dirname, '..', '..', 'native', 'executor', file), 'utf8');
  const enumOps = new Map([...native('plan.h').matchAll(/^\s*OP_(\w+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
  const table = new Map([...native('plan.c').matchAll(/\{OP_(\w+), "([\w-]+)", (\d+)\}/g)].map((m) => [m[1], { name: m[2], minArgs: Number(m[3]) }]));

  it('have the same names and numbers in ops.ts and plan.h, and each a row of plan.c\'s table', () => {
    assert.ok(enumOps.size > 40, 'plan.h parsed');
    assert.deepEqual(Object.fromEntries([...enumOps].filter(([k]) => k !== 'END')), { ...Op });
    assert.deepEqual([...table.keys()].sort(), Object.keys(Op).sort());
  });

  it('get from every plan the runtime builds at least the arguments the executor reads', () => {
    const full = input((i) => {
      i.mode = 'wait';
      i.consoleSocket = '/run/console.sock';
      const s = i.spec;
      s.process!.terminal = true;
      s.process!.oomScoreAdj = 100;
      s.process!.noNewPrivileges = true;
      s.process!.user.additionalGids = [5];
      s.process!.capabilities!.ambient = s.process!.capabilities!.bounding;
      s.process!.capabilities!.inheritable = s.process!.capabilities!.bounding;
      s.hooks = { createContainer: [{ path: '/bin/hook', args: ['hook', 'x'], env: ['A=b'] }], startContainer: [{ path: '/bin/hook' }] };
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      s.linux!.rootfsPropagation = 'rslave';
      s.linux!.namespaces!.push({ type: 'user' }, { type: 'time' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.linux!.timeOffsets = { monotonic: { secs: 1 } };
      s.linux!.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }];
      s.mounts!.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'ro', 'rprivate', 'nosymfollow'] });
      s.hostname = 'h';
      s.domainname = 'd';
    });
    const exec = buildExecPlan({
      id: 'c', process: { ...defaultSpec().process!, terminal: true }, namespaces: [{ type: 'pid', path: '/proc/9/ns/pid' }],
      cgroupProcs: ['/x/cgroup.procs'], mode: 'wait', terminalRelay: true,
    });
    const plans = [buildCreatePlan(full), buildCreatePlan(input((i) => (i.noPivot = true))), exec];
    const seen = new Set<string>();
    for (const plan of plans) {
      for (const [i, s] of plan.entries()) {
        const key = Object.keys(Op).find((k) => Op[k as keyof typeof Op] === s.op)!;
        seen.add(key);
        assert.ok(s.args.length >= table.get(key)!.minArgs, `step ${i} (${key}) has ${s.args.length} arguments, the executor reads ${table.get(key)!.minArgs}`);
      }
    }
    assert.ok(seen.size >= 40, `only ${seen.size} ops exercised`);
  });
});

describe('process fields of runtime-spec 1.2/1.3', () => {
  const proc = () => ({ ...defaultSpec().process!, terminal: false });
  const exec = (edit: (p: ReturnType<typeof proc>) => void, extra: Partial<Parameters<typeof buildExecPlan>[0]> = {}) => {
    const p = proc();
    edit(p);
    return buildExecPlan({ id: 'c', process: p, namespaces: [{ type: 'pid', path: '/proc/9/ns/pid' }], cgroupProcs: ['/x/cgroup.procs'], mode: 'wait', ...extra });
  };

  it('leaves out capabilities runts or the kernel does not know, and names them once', () => {
    assert.equal(capMask(['CAP_CHOWN', 'CAP_FLY', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE']), (1n << 0n) | (1n << 39n) | (1n << 40n));
    assert.equal(capMask(['CAP_CHOWN', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'], 38), 1n);
    assert.deepEqual(unavailableCapabilities({ bounding: ['CAP_FLY', 'CAP_BPF'], effective: ['CAP_FLY', 'CAP_CHOWN'] }, 38), ['CAP_BPF', 'CAP_FLY']);
    const plan = buildCreatePlan(input((i) => {
      i.lastCap = 38;
      i.spec.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_BPF', 'CAP_FLY'], permitted: ['CAP_BPF'] };
    }));
    assert.deepEqual(plan.find((s) => s.op === Op.CAP_BOUND)?.args, [1n]);
    assert.deepEqual(plan.find((s) => s.op === Op.CAPSET)?.args, [0n, 0n, 0n]);
  });

  it('sets scheduler, I/O priority and personality before the credentials, for create and exec', () => {
    const plan = buildCreatePlan(input((i) => {
      i.spec.process!.scheduler = { policy: 'SCHED_DEADLINE', flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM'], runtime: 10000, deadline: 20000, period: 30000 };
      i.spec.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      i.spec.linux!.personality = { domain: 'LINUX32' };
    }));
    const names = ops(plan);
    assert.deepEqual(plan.find((s) => s.op === Op.SCHED_SETATTR)?.args, [6, 3, 0, 0, 10000, 20000, 30000]);
    assert.deepEqual(plan.find((s) => s.op === Op.IOPRIO_SET)?.args, [(2 << 13) | 6]);
    assert.deepEqual(plan.find((s) => s.op === Op.PERSONALITY)?.args, [8]);
    assert.ok(names.indexOf('setsid') < names.indexOf('sched-setattr'));
    assert.ok(names.indexOf('personality') < names.indexOf('cap-bound'));
    const e = exec((p) => (p.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 }), { personality: { domain: 'LINUX32' } });
    assert.deepEqual(e.find((s) => s.op === Op.IOPRIO_SET)?.args, [3 << 13]);
    assert.deepEqual(e.find((s) => s.op === Op.PERSONALITY)?.args, [8]);
    assert.ok(ops(e).indexOf('personality') < ops(e).indexOf('setuid'));
  });

  it('gives an exec its CPU affinity (the init has none: the spec leaves it out)', () => {
    const affinity = { initial: '3,0-1', final: '0-3,7' };
    assert.ok(!buildCreatePlan(input((i) => (i.spec.process!.execCPUAffinity = affinity))).some((s) => s.op === Op.CPU_AFFINITY));
    assert.deepEqual(exec((p) => (p.execCPUAffinity = affinity)).find((s) => s.op === Op.CPU_AFFINITY)?.args, ['0,1,3', '0,1,2,3,7']);
    assert.deepEqual(exec((p) => (p.execCPUAffinity = { final: '1' })).find((s) => s.op === Op.CPU_AFFINITY)?.args, ['', '1']);
    assert.ok(!exec((p) => (p.execCPUAffinity = { initial: '', final: '' })).some((s) => s.op === Op.CPU_AFFINITY));
  });

  it('makes the session keyring _ses.<id>, searchable for its execs, which join it unless created with noNewKeyring', () => {
    assert.deepEqual(buildCreatePlan(input()).find((s) => s.op === Op.SESSION_KEYRING)?.args, ['_ses.c', 0x80000]);
    const userns = buildCreatePlan(input((i) => {
      i.spec = rootlessSpec(1000, 1000);
      i.spec.process!.terminal = false;
    }));
    assert.deepEqual(userns.find((s) => s.op === Op.SESSION_KEYRING)?.args, ['_ses.c', 0x8]);
    assert.ok(!buildCreatePlan(input((i) => (i.noNewKeyring = true))).some((s) => s.op === Op.SESSION_KEYRING));
    assert.deepEqual(exec(() => {}).find((s) => s.op === Op.SESSION_KEYRING)?.args, ['_ses.c']);
    assert.ok(!exec(() => {}, { noNewKeyring: true }).some((s) => s.op === Op.SESSION_KEYRING));
  });
});

describe('linux.netDevices in the plan', () => {
  it('asks the runtime to move them first thing in the init, and never into the runtime\'s own network namespace', () => {
    const plan = buildCreatePlan(input((i) => (i.spec.linux!.netDevices = { veth1: { name: 'eth0' } })));
    const stage2 = plan.findIndex((s) => s.op >= 100);
    assert.deepEqual(plan[stage2], { op: Op.SYNC, args: ['netDevices'] });
    assert.ok(!buildCreatePlan(input()).some((s) => s.op === Op.SYNC));
    const joined = (own: boolean) => () =>
      buildCreatePlan(input((i) => {
        i.spec.linux!.netDevices = { veth1: {} };
        i.spec.linux!.namespaces = i.spec.linux!.namespaces!.map((ns) => (ns.type === 'network' ? { type: 'network', path: '/proc/7/ns/net' } : ns));
        i.host = { ...i.host, isRuntimeNamespace: () => own };
      }));
    assert.throws(joined(true), (e: Error) => e instanceof ConfigError && e.field === 'linux.netDevices');
    assert.doesNotThrow(joined(false));
  });
});

describe('an exec\'s process', () => {
  it('takes capabilities, rlimits, ioPriority, scheduler and execCPUAffinity from the container where it has none (as runc)', () => {
    const container = { ...defaultSpec().process!, ioPriority: { class: 'IOPRIO_CLASS_IDLE' as const, priority: 0 }, scheduler: { policy: 'SCHED_BATCH' }, execCPUAffinity: { final: '1' } };
    const bare = { user: { uid: 0, gid: 0 }, cwd: '/', args: ['true'] };
    const p = withContainerDefaults(bare, container);
    assert.deepEqual(p.capabilities, container.capabilities);
    assert.deepEqual(p.rlimits, container.rlimits);
    assert.deepEqual([p.ioPriority, p.scheduler, p.execCPUAffinity], [container.ioPriority, container.scheduler, container.execCPUAffinity]);
    const own = { ...bare, capabilities: { bounding: ['CAP_KILL'] }, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }], scheduler: { policy: 'SCHED_IDLE' } };
    const q = withContainerDefaults(own, container);
    assert.deepEqual([q.capabilities, q.rlimits, q.scheduler], [own.capabilities, own.rlimits, own.scheduler]);
    assert.equal(withContainerDefaults(bare, undefined), bare);
  });
});
