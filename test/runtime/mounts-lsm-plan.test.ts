// The planner's side of idmapped mounts, rootless map helpers and LSM labels:
// which steps, in which order, with which arguments (the executor's table in
// plan.c says how many each step must carry).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import { ConfigError } from '../../src/oci/errors.ts';
import { MOUNT_ATTR } from '../../src/oci/linux.ts';
import { buildCreatePlan, type CreatePlanInput } from '../../src/runtime/plan/create.ts';
import { buildExecPlan } from '../../src/runtime/plan/exec.ts';
import { Op, opName, type Plan, type Step } from '../../src/runtime/plan/ops.ts';

const LSM = { apparmor: true, selinux: true };
const map = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });

function input(edit?: (i: CreatePlanInput) => void, lsm = LSM): CreatePlanInput {
  const spec = defaultSpec();
  spec.process!.terminal = false;
  const i: CreatePlanInput = {
    id: 'c', spec, bundle: '/b', rootfs: '/b/rootfs', mode: 'detach', cgroupProcs: [], cgroupMounts: [], startSocket: 'exec.sock',
    host: { isDirectory: () => true, isRuntimeNamespace: () => false, lsm },
  };
  edit?.(i);
  return i;
}

const ops = (plan: Plan) => plan.map((s) => opName(s.op));
const only = (plan: Plan, op: number): Step[] => plan.filter((s) => s.op === op);
const table = new Map(
  [...readFileSync(resolve(import.meta.dirname, '..', '..', 'native', 'executor', 'plan.c'), 'utf8').matchAll(/\{OP_(\w+), "([\w-]+)", (\d+)\}/g)]
    .map((m) => [m[1], Number(m[3])]),
);

function assertMeetsTable(plan: Plan): void {
  for (const s of plan) {
    const key = Object.keys(Op).find((k) => Op[k as keyof typeof Op] === s.op)!;
    assert.ok(s.args.length >= table.get(key)!, `${key} has ${s.args.length} arguments`);
  }
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.field;
  }
  assert.fail('no error');
}

describe('idmapped mount plan', () => {
  it('prepares the idmapped clone, sets its flags, then attaches it', () => {
    const plan = buildCreatePlan(input((i) => {
      i.spec.mounts!.push({ destination: '/data', type: 'bind', source: 'srv', options: ['rbind', 'ro', 'ridmap'], uidMappings: [map(0, 1000, 10)], gidMappings: [map(0, 2000, 10)] });
    }));
    const at = plan.findIndex((s) => s.op === Op.IDMAP_MOUNT);
    assert.deepEqual(plan[at].args, ['/b/srv', 1, 1, '0 1000 10\n', '0 2000 10\n', '']);
    assert.deepEqual(ops(plan.slice(at - 1, at + 3)), ['mkdir-in-root', 'idmap-mount', 'mount-setattr', 'move-mount']);
    assert.equal(plan[at + 1].args[0], MOUNT_ATTR.RDONLY);
    assertMeetsTable(plan);
  });

  it('takes the container\'s maps, or the path of the user namespace it joins, for idmap without mappings', () => {
    const idmap = { destination: '/data', type: 'bind', source: '/srv', options: ['bind', 'idmap'] };
    const own = buildCreatePlan(input((i) => {
      i.spec.mounts!.push(idmap);
      i.spec.linux!.namespaces!.push({ type: 'user' });
      i.spec.linux!.uidMappings = [map(0, 100000, 65536)];
      i.spec.linux!.gidMappings = [map(0, 200000, 65536)];
    }));
    assert.deepEqual(only(own, Op.IDMAP_MOUNT)[0].args, ['/srv', 0, 0, '0 100000 65536\n', '0 200000 65536\n', '']);
    const joined = buildCreatePlan(input((i) => {
      i.spec.mounts!.push(idmap);
      i.spec.linux!.namespaces!.push({ type: 'user', path: '/proc/42/ns/user' });
    }));
    assert.deepEqual(only(joined, Op.IDMAP_MOUNT)[0].args, ['/srv', 0, 0, '', '', '/proc/42/ns/user']);
    const last = defaultSpec().mounts!.length;
    assert.equal(fieldOf(() => buildCreatePlan(input((i) => i.spec.mounts!.push(idmap)))), `mounts[${last}].options[1]`);
    assert.equal(
      fieldOf(() => buildCreatePlan(input((i) => {
        i.rootless = true;
        i.spec.mounts!.push({ ...idmap, uidMappings: [map(0, 1, 1)], gidMappings: [map(0, 1, 1)] });
      }))),
      `mounts[${last}].uidMappings`,
    );
  });

  it('names newuidmap and newgidmap for the executor when given, and leaves plain binds alone', () => {
    const plan = buildCreatePlan(input((i) => (i.mapTools = { uid: '/usr/bin/newuidmap', gid: '/usr/bin/newgidmap' })));
    assert.deepEqual(only(plan, Op.UID_MAP_TOOL)[0].args, ['/usr/bin/newuidmap']);
    assert.deepEqual(only(plan, Op.GID_MAP_TOOL)[0].args, ['/usr/bin/newgidmap']);
    assert.equal(only(buildCreatePlan(input()), Op.IDMAP_MOUNT).length, 0);
    assertMeetsTable(plan);
  });
});

describe('LSM plan', () => {
  it('labels the exec before any seccomp filter and credentials, as runc, so start hooks run labelled: AppArmor\'s own attr file first, SELinux\'s attr/exec', () => {
    const plan = buildCreatePlan(input((i) => {
      i.spec.process!.apparmorProfile = 'runts-test';
      i.spec.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
      i.spec.hooks = { startContainer: [{ path: '/bin/true' }] };
      i.spec.process!.noNewPrivileges = false;
      i.spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO' }] };
    }));
    const names = ops(plan);
    const at = (name: string) => names.indexOf(name);
    assert.deepEqual(names.filter((n) => n === 'lsm-exec').length, 2);
    assert.ok(at('lsm-exec') < at('seccomp') && at('seccomp') < at('setuid'), names.join(' '));
    assert.ok(names.lastIndexOf('lsm-exec') < at('hook') && at('hook') < at('exec'), names.join(' '));
    assert.deepEqual(only(plan, Op.LSM_EXEC).map((s) => s.args), [
      ['exec runts-test', 'attr/apparmor/exec', 'attr/exec'],
      ['system_u:system_r:container_t:s0', 'attr/exec'],
    ]);
    const exec = buildExecPlan({ id: 'c', process: { ...defaultSpec().process!, terminal: false, apparmorProfile: 'p' }, namespaces: [], cgroupProcs: [], mode: 'wait', lsm: LSM });
    const execNames = ops(exec);
    assert.ok(execNames.indexOf('lsm-exec') >= 0 && execNames.indexOf('lsm-exec') < execNames.indexOf('setuid'), execNames.join(' '));
    assertMeetsTable(plan);
  });

  it('gives linux.mountLabel as context= to the filesystems that take one, not to binds or the kernel\'s views', () => {
    const plan = buildCreatePlan(input((i) => {
      i.spec.linux!.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2';
      i.spec.mounts!.push({ destination: '/data', type: 'bind', source: '/srv', options: ['rbind'] });
    }));
    const data = (dest: string) => String(plan.find((s) => s.op === Op.MOUNT && s.args[1] === dest)?.args[4]);
    assert.match(data('/dev'), /,context="system_u:object_r:container_file_t:s0:c1,c2"$/);
    assert.match(data('/dev/shm'), /context=/);
    for (const dest of ['/proc', '/sys', '/dev/mqueue', '/data']) assert.doesNotMatch(data(dest), /context=/, dest);
  });

  it('refuses, naming the field, a label the host has no LSM for', () => {
    const none = { apparmor: false, selinux: false };
    assert.equal(fieldOf(() => buildCreatePlan(input((i) => (i.spec.process!.apparmorProfile = 'p'), none))), 'process.apparmorProfile');
    assert.equal(fieldOf(() => buildCreatePlan(input((i) => (i.spec.process!.selinuxLabel = 'l'), none))), 'process.selinuxLabel');
    assert.equal(fieldOf(() => buildCreatePlan(input((i) => (i.spec.linux!.mountLabel = 'l'), none))), 'linux.mountLabel');
    const proc = { ...defaultSpec().process!, terminal: false, apparmorProfile: 'p' };
    assert.equal(fieldOf(() => buildExecPlan({ id: 'c', process: proc, namespaces: [], cgroupProcs: [], mode: 'wait' })), 'process.apparmorProfile');
    // Only AppArmor here: a SELinux label is still refused.
    assert.equal(fieldOf(() => buildCreatePlan(input((i) => (i.spec.process!.selinuxLabel = 'l'), { apparmor: true, selinux: false }))), 'process.selinuxLabel');
  });
});
