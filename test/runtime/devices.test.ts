// Device control: the rule set (config rules after deny-all, then the
// defaults, replayed as v1 would), checked against the kernel's own v1
// devices controller; and the eBPF program for pure v2, decoded, run through
// a small interpreter against the v1 decision over many requests, loaded by
// the kernel's verifier and enforced on a scratch v2 cgroup of this host.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/oci/errors.ts';
import type { DeviceCgroupRule } from '../../src/oci/spec.ts';
import {
  BPF_CGROUP_DEVICE,
  BPF_F_ALLOW_MULTI,
  BPF_PROG_TYPE_CGROUP_DEVICE,
  deviceProgram,
  deviceProgramInsns,
  encodeInsns,
  OP,
} from '../../src/runtime/cgroups/device-bpf.ts';
import { DEFAULT_ALLOWED, type DeviceRules, deviceRules, MKNOD, parseDevicesList, READ, RWM, sameRules, v1Line, v1Transition, v1Writes, WRITE } from '../../src/runtime/cgroups/devices.ts';
import { hostHierarchies } from '../../src/runtime/cgroups/hierarchy.ts';
import { controlDevices, replaceDeviceRules } from '../../src/runtime/cgroups/manager.ts';
import { hostCalls } from '../../src/runtime/native.ts';

const lines = (r: DeviceRules) => r.exceptions.map(v1Line);
const DEFAULT_LINES = ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm'];
const DENY_ALL: DeviceCgroupRule = { allow: false, access: 'rwm' };

/** v1's decision on the final rules (security/device_cgroup.c): with a default
 * deny, one exception must grant every access asked; with a default allow,
 * an exception that denies any of it stops the request. */
function v1Permits(r: DeviceRules, type: number, major: number, minor: number, access: number): boolean {
  const matches = r.exceptions.filter(
    (e) => (e.type === 'b' ? 1 : 2) === type && (e.major === undefined || e.major === major) && (e.minor === undefined || e.minor === minor),
  );
  return r.defaultAllow ? !matches.some((e) => e.access & access) : matches.some((e) => (access & ~e.access) === 0);
}

/** Runs a device program of this compiler's shape (32-bit loads and ALU, jumps on an immediate, exit). */
function interpret(prog: Buffer, ctx: [number, number, number]): number {
  const reg = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    const code = prog.readUInt8(pc * 8);
    const dst = prog.readUInt8(pc * 8 + 1) & 0xf;
    const src = prog.readUInt8(pc * 8 + 1) >> 4;
    const off = prog.readInt16LE(pc * 8 + 2);
    const imm = prog.readInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case OP.LDXW:
        assert.equal(src, 1, 'loads only from the context');
        assert.ok(off % 4 === 0 && off >= 0 && off <= 8, `context offset ${off}`);
        reg[dst] = ctx[off / 4];
        break;
      case OP.AND32_K:
        reg[dst] = (reg[dst] & imm) >>> 0;
        break;
      case OP.RSH32_K:
        reg[dst] = reg[dst] >>> imm;
        break;
      case OP.MOV32_K:
        reg[dst] = imm >>> 0;
        break;
      case OP.MOV32_X:
        reg[dst] = reg[src] >>> 0;
        break;
      case OP.JEQ_K:
        if (reg[dst] === imm >>> 0) pc += off;
        break;
      case OP.JNE_K:
        if (reg[dst] !== imm >>> 0) pc += off;
        break;
      case OP.EXIT:
        return reg[0];
      default:
        assert.fail(`unexpected opcode 0x${code.toString(16)} at ${pc - 1}`);
    }
    assert.ok(pc >= 0 && pc * 8 < prog.length, `pc ${pc} out of the program`);
  }
  assert.fail('the program does not end');
}

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

function randomRules(rand: () => number): DeviceCgroupRule[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const n = 1 + Math.floor(rand() * 7);
  const rules: DeviceCgroupRule[] = [];
  for (let i = 0; i < n; i++) {
    if (rand() < 0.12) {
      rules.push({ allow: rand() < 0.5, access: 'rwm' });
      continue;
    }
    const letters = ['r', 'w', 'm'].filter(() => rand() < 0.6);
    rules.push({
      allow: rand() < 0.6,
      type: pick(['b', 'c'] as const),
      major: pick([undefined, 1, 5, 7, 136]),
      minor: pick([undefined, 0, 3, 5, 11]),
      access: letters.length ? letters.join('') : 'w',
    });
  }
  return rules;
}

/** Rule sets that deviceRules accepts (some cut holes in a wildcard and are refused). */
function acceptedRuleSets(seed: number, count: number): { config: DeviceCgroupRule[]; rules: DeviceRules }[] {
  const rand = random(seed);
  const out = [];
  while (out.length < count) {
    const config = randomRules(rand);
    try {
      out.push({ config, rules: deviceRules(config) });
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
    }
  }
  return out;
}

describe('device rules', () => {
  it('a config without rules gets deny-all and the default allow list', () => {
    for (const r of [deviceRules(), deviceRules([DENY_ALL])]) {
      assert.equal(r.defaultAllow, false);
      assert.deepEqual(lines(r), DEFAULT_LINES);
    }
    assert.deepEqual(v1Writes(deviceRules([DENY_ALL])), [
      { file: 'devices.deny', lines: ['a'] },
      { file: 'devices.allow', lines: DEFAULT_LINES },
    ]);
  });

  it('applies the config\'s rules in order, each editing the exception of exactly its devices', () => {
    const r = deviceRules([
      DENY_ALL,
      { allow: true, type: 'c', major: 1, minor: 11, access: 'rw' },
      { allow: false, type: 'c', major: 1, minor: 11, access: 'w' },
      { allow: true, type: 'b', major: 7, access: 'r' },
      { allow: true, type: 'b', major: 7, access: 'w' },
      { allow: true, type: 'c', major: 4, minor: 1, access: 'r' },
      { allow: false, type: 'c', major: 4, minor: 1, access: 'r' },
    ]);
    assert.deepEqual(lines(r), ['c 1:11 r', 'b 7:* rw', ...DEFAULT_LINES]);
  });

  it('takes a major or minor of -1 as any (Docker writes it for "*")', () => {
    const r = deviceRules([DENY_ALL, { allow: true, type: 'c', major: 189, minor: -1, access: 'rm' }, { allow: true, type: 'b', major: -1, minor: -1, access: 'r' }]);
    assert.deepEqual(lines(r).slice(0, 2), ['c 189:* rm', 'b *:* rm']);
  });

  it('appends the defaults after the config, so a config cannot deny them (runc\'s order)', () => {
    const r = deviceRules([DENY_ALL, { allow: false, type: 'c', major: 1, minor: 5, access: 'rwm' }]);
    assert.ok(lines(r).includes('c 1:5 rwm'));
  });

  it('a later "a" rule starts over: allow-all keeps only later denials', () => {
    const r = deviceRules([
      { allow: true, type: 'c', major: 1, minor: 11, access: 'rw' },
      { allow: true, access: 'rwm' },
      { allow: false, type: 'b', major: 8, access: 'rw' },
      { allow: false, type: 'c', major: 1, minor: 5, access: 'rwm' },
    ]);
    // The defaults then allow 1:5 again: in allow-all, an allow removes the matching denial.
    assert.deepEqual(r, { defaultAllow: true, exceptions: [{ type: 'b', major: 8, minor: undefined, access: READ | WRITE }] });
    assert.deepEqual(v1Writes(r), [
      { file: 'devices.allow', lines: ['a'] },
      { file: 'devices.deny', lines: ['b 8:* rw'] },
    ]);
    assert.deepEqual(v1Writes(deviceRules([{ allow: true, access: 'rwm' }])), [{ file: 'devices.allow', lines: ['a'] }]);
  });

  it('refuses to cut a hole in a wider rule, which v1 would silently ignore, naming the rule', () => {
    const cut = (rules: DeviceCgroupRule[]) => {
      try {
        deviceRules(rules);
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e;
      }
      assert.fail('expected a ConfigError');
    };
    const e = cut([DENY_ALL, { allow: true, type: 'c', access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 1, access: 'w' }]);
    assert.equal(e.field, 'linux.resources.devices[2]');
    assert.match(e.message, /denying c 1:1 w would cut a hole in the wider rule c \*:\* rw/);
    // In allow-all, a default allow of 1:3 would cut into a config's denial of every char device.
    const d = cut([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', access: 'r' }]);
    assert.equal(d.field, 'linux.resources.devices');
    assert.match(d.message, /default rule c 1:3 rwm/);
    // The same numbers, or access the wider rule lacks, are fine.
    assert.deepEqual(lines(deviceRules([DENY_ALL, { allow: true, type: 'c', access: 'rw' }, { allow: false, type: 'c', access: 'w' }])).slice(0, 1), ['c *:* rm']);
    assert.doesNotThrow(() => deviceRules([DENY_ALL, { allow: true, type: 'c', access: 'r' }, { allow: false, type: 'c', major: 1, minor: 1, access: 'w' }]));
  });

  const devicesV1 = hostHierarchies().find((h) => h.version === 1 && h.controllers.includes('devices'));
  it('ends where v1 ends after replaying every rule as a write (against this kernel)', { skip: devicesV1 ? false : 'this host has no v1 devices controller' }, () => {
    const base = join(devicesV1!.mountPoint, `runts-devices-test-${process.pid}`);
    const replayed = join(base, 'replayed');
    const direct = join(base, 'direct');
    const sets = [[DENY_ALL], [], ...acceptedRuleSets(7, 60).map((s) => s.config)];
    try {
      for (const config of sets) {
        for (const d of [replayed, direct]) mkdirSync(d, { recursive: true });
        writeFileSync(join(replayed, 'devices.deny'), 'a');
        for (const rule of [...config, ...DEFAULT_ALLOWED]) {
          const type = rule.type ?? 'a';
          const text = type === 'a' ? 'a' : `${type} ${rule.major ?? '*'}:${rule.minor ?? '*'} ${rule.access ?? 'rwm'}`;
          writeFileSync(join(replayed, rule.allow ? 'devices.allow' : 'devices.deny'), text);
        }
        for (const { file, lines } of v1Writes(deviceRules(config))) for (const l of lines) writeFileSync(join(direct, file), l);
        const list = (d: string) => readFileSync(join(d, 'devices.list'), 'utf8').split('\n').filter(Boolean).sort();
        assert.deepEqual(list(direct), list(replayed), JSON.stringify(config));
        for (const d of [replayed, direct]) rmdirSync(d);
      }
    } finally {
      for (const d of [replayed, direct, base]) if (existsSync(d)) rmdirSync(d);
    }
  });
});

describe('device eBPF program', () => {
  const ins = (code: number, dst: number, src: number, off: number, imm: number) => ({ code, dst, src, off, imm });
  const PROLOGUE = [
    ins(OP.LDXW, 2, 1, 0, 0),
    ins(OP.AND32_K, 2, 0, 0, 0xffff),
    ins(OP.LDXW, 3, 1, 0, 0),
    ins(OP.RSH32_K, 3, 0, 0, 16),
    ins(OP.LDXW, 4, 1, 4, 0),
    ins(OP.LDXW, 5, 1, 8, 0),
  ];
  const decode = (b: Buffer) =>
    Array.from({ length: b.length / 8 }, (_, i) => ins(b.readUInt8(i * 8), b.readUInt8(i * 8 + 1) & 0xf, b.readUInt8(i * 8 + 1) >> 4, b.readInt16LE(i * 8 + 2), b.readInt32LE(i * 8 + 4)));

  it('encodes struct bpf_insn: code, dst in the low nibble, src in the high, off, imm (little-endian)', () => {
    assert.deepEqual([...encodeInsns([ins(OP.MOV32_X, 1, 3, -2, -4)])], [0xbc, 0x31, 0xfe, 0xff, 0xfc, 0xff, 0xff, 0xff]);
  });

  it('with a default deny: each exception allows when type, numbers and every access asked match', () => {
    const prog = deviceProgram({
      defaultAllow: false,
      exceptions: [
        { type: 'c', major: 1, minor: 3, access: RWM },
        { type: 'b', access: MKNOD },
      ],
    });
    assert.deepEqual(decode(prog), [
      ...PROLOGUE,
      ins(OP.JNE_K, 2, 0, 4, 2), // char?
      ins(OP.JNE_K, 4, 0, 3, 1), // major 1?
      ins(OP.JNE_K, 5, 0, 2, 3), // minor 3?
      ins(OP.MOV32_K, 0, 0, 0, 1),
      ins(OP.EXIT, 0, 0, 0, 0),
      ins(OP.JNE_K, 2, 0, 5, 1), // block?
      ins(OP.MOV32_X, 1, 3, 0, 0),
      ins(OP.AND32_K, 1, 0, 0, ~MKNOD), // asked beyond mknod?
      ins(OP.JNE_K, 1, 0, 2, 0),
      ins(OP.MOV32_K, 0, 0, 0, 1),
      ins(OP.EXIT, 0, 0, 0, 0),
      ins(OP.MOV32_K, 0, 0, 0, 0),
      ins(OP.EXIT, 0, 0, 0, 0),
    ]);
  });

  it('with a default allow: each exception denies when type and numbers match and any access asked is denied', () => {
    const prog = deviceProgram({ defaultAllow: true, exceptions: [{ type: 'b', major: 8, access: READ | WRITE }] });
    assert.deepEqual(decode(prog), [
      ...PROLOGUE,
      ins(OP.JNE_K, 2, 0, 6, 1),
      ins(OP.JNE_K, 4, 0, 5, 8),
      ins(OP.MOV32_X, 1, 3, 0, 0),
      ins(OP.AND32_K, 1, 0, 0, READ | WRITE),
      ins(OP.JEQ_K, 1, 0, 2, 0),
      ins(OP.MOV32_K, 0, 0, 0, 0),
      ins(OP.EXIT, 0, 0, 0, 0),
      ins(OP.MOV32_K, 0, 0, 0, 1),
      ins(OP.EXIT, 0, 0, 0, 0),
    ]);
  });

  it('decides as v1 does on the same rules, over many rule sets and requests', () => {
    const sets = [deviceRules(), deviceRules([{ allow: true, access: 'rwm' }]), ...acceptedRuleSets(11, 300).map((s) => s.rules)];
    let checked = 0;
    for (const rules of sets) {
      const prog = deviceProgram(rules);
      for (const type of [1, 2])
        for (const major of [0, 1, 5, 7, 8, 10, 136, 4095])
          for (const minor of [0, 1, 3, 5, 11, 200, 0xfffff])
            for (let access = 1; access <= RWM; access++) {
              const got = interpret(prog, [(access << 16) | type, major, minor]);
              assert.equal(got === 1, v1Permits(rules, type, major, minor, access), `${JSON.stringify(rules)}: type ${type} ${major}:${minor} access ${access}`);
              checked++;
            }
    }
    assert.equal(checked, sets.length * 2 * 8 * 7 * 7);
    assert.ok(sets.some((r) => r.defaultAllow && r.exceptions.length > 0), 'some sets deny within allow-all');
  });

  it('the kernel\'s verifier loads every program', () => {
    const sets = [deviceRules(), deviceRules([{ allow: true, access: 'rwm' }]), ...acceptedRuleSets(13, 40).map((s) => s.rules)];
    for (const rules of sets) closeSync(hostCalls().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, deviceProgram(rules), 'Apache-2.0'));
  });

  it('refuses a program the verifier rejects, with the verifier\'s log', () => {
    const bad = encodeInsns(deviceProgramInsns(deviceRules()).slice(0, -1));
    assert.throws(() => hostCalls().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, bad, 'Apache-2.0'), (e: NodeJS.ErrnoException) => e.code === 'EINVAL' && /^bpf\(BPF_PROG_LOAD\): verifier: .+: Invalid argument$/s.test(e.message));
  });

  const unified = hostHierarchies().find((h) => h.version === 2);
  it('attached to a v2 cgroup, denies its processes what the rules deny (against this kernel)', { skip: unified ? false : 'this host has no cgroup v2' }, () => {
    const cg = join(unified!.mountPoint, `runts-devices-test-${process.pid}`);
    mkdirSync(cg);
    try {
      const prog = hostCalls().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, deviceProgram(deviceRules([DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }])), 'Apache-2.0');
      const dir = openSync(cg, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        hostCalls().bpfProgAttach(prog, dir, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
      } finally {
        closeSync(dir);
        closeSync(prog);
      }
      // /dev/kmsg (1:11), which the config lets only be read: opening it reads and logs nothing, allowed or not.
      const script = `echo $$ > ${cg}/cgroup.procs || exit 9
for t in '</dev/null' '>/dev/null' '</dev/kmsg' '>/dev/kmsg'; do if eval "true $t" 2>/dev/null; then echo "$t ok"; else echo "$t denied"; fi; done`;
      const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '</dev/null ok\n>/dev/null ok\n</dev/kmsg ok\n>/dev/kmsg denied\n');
    } finally {
      rmdirSync(cg);
    }
  });

  it('controlDevices on v2 loads each program once and keeps only a few loaded', { skip: unified ? false : 'this host has no cgroup v2' }, () => {
    const bpfFds = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-prog';
      } catch {
        return false;
      }
    });
    const before = bpfFds().length;
    const base = join(unified!.mountPoint, `runts-devices-test-${process.pid}`);
    const dirs = Array.from({ length: 8 }, (_, i) => join(base, String(i)));
    try {
      for (const d of dirs) mkdirSync(d, { recursive: true });
      controlDevices({ dirs: [dirs[0]], created: [], names: [''], parents: [] }, deviceRules(), [unified!]);
      controlDevices({ dirs: [dirs[1]], created: [], names: [''], parents: [] }, deviceRules(), [unified!]);
      assert.equal(bpfFds().length - before, 1, 'the same rules share one program');
      for (let i = 2; i < 8; i++)
        controlDevices({ dirs: [dirs[i]], created: [], names: [''], parents: [] }, deviceRules([DENY_ALL, { allow: true, type: 'c', major: 1, minor: i, access: 'r' }]), [unified!]);
      assert.equal(bpfFds().length - before, 4);
    } finally {
      for (const d of [...dirs, base]) if (existsSync(d)) rmdirSync(d);
    }
  });
});

describe('device rules replaced (update)', () => {
  const KMSG_R: DeviceCgroupRule = { allow: true, type: 'c', major: 1, minor: 11, access: 'r' };

  it('reads devices.list: the exceptions of a default deny; a default allow hides its own', () => {
    const r = parseDevicesList('c *:* m\nb *:* m\nc 1:3 rwm\nc 136:* rw\n');
    assert.deepEqual(r, {
      defaultAllow: false,
      exceptions: [
        { type: 'c', major: undefined, minor: undefined, access: MKNOD },
        { type: 'b', major: undefined, minor: undefined, access: MKNOD },
        { type: 'c', major: 1, minor: 3, access: RWM },
        { type: 'c', major: 136, minor: undefined, access: READ | WRITE },
      ],
    });
    assert.ok(sameRules(parseDevicesList(DEFAULT_LINES.join('\n'))!, deviceRules()));
    assert.equal(parseDevicesList('a *:* rwm\n'), null);
    assert.deepEqual(parseDevicesList(''), { defaultAllow: false, exceptions: [] });
    assert.throws(() => parseDevicesList('c 1:3 rwx\n'), /devices\.list: unexpected line "c 1:3 rwx"/);
  });

  it('with the same default, writes only the difference: access taken away first, then what is added', () => {
    const from = deviceRules([{ allow: true, type: 'c', major: 1, minor: 11, access: 'rw' }, { allow: true, type: 'b', major: 7, access: 'r' }]);
    const to = deviceRules([{ allow: true, type: 'c', major: 1, minor: 11, access: 'r' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }]);
    assert.deepEqual(v1Transition(from, to), [
      { file: 'devices.deny', line: 'c 1:11 w' },
      { file: 'devices.deny', line: 'b 7:* r' },
      { file: 'devices.allow', line: 'c 4:1 rw' },
    ]);
    assert.deepEqual(v1Transition(to, to), []);
  });

  it('starts over with "a" when the default changes, or when the old exceptions cannot be known (a default allow)', () => {
    const allowAll = deviceRules([{ allow: true, access: 'rwm' }]);
    assert.deepEqual(v1Transition(deviceRules(), allowAll), [{ file: 'devices.allow', line: 'a' }]);
    const deny = deviceRules([{ allow: true, access: 'rwm' }, { allow: false, type: 'b', major: 8, access: 'rw' }]);
    assert.deepEqual(v1Transition(null, deny), [{ file: 'devices.allow', line: 'a' }, { file: 'devices.deny', line: 'b 8:* rw' }]);
    assert.deepEqual(v1Transition(null, deviceRules()).map((w) => `${w.file} ${w.line}`), ['devices.deny a', ...DEFAULT_LINES.map((l) => `devices.allow ${l}`)]);
  });

  const devicesV1 = hostHierarchies().find((h) => h.version === 1 && h.controllers.includes('devices'));
  it('on v1, turns any rule set into any other as a fresh cgroup holds it, and undo puts the first back (against this kernel)', { skip: devicesV1 ? false : 'this host has no v1 devices controller' }, () => {
    const base = join(devicesV1!.mountPoint, `runts-devices-test-${process.pid}`);
    const updated = join(base, 'updated');
    const fresh = join(base, 'fresh');
    const placement = (dir: string) => ({ dirs: [dir], created: [], names: [''], parents: [] });
    const list = (d: string) => readFileSync(join(d, 'devices.list'), 'utf8').split('\n').filter(Boolean).sort();
    const sets = [deviceRules(), deviceRules([KMSG_R]), deviceRules([{ allow: true, access: 'rwm' }]), ...acceptedRuleSets(17, 40).map((s) => s.rules)];
    try {
      for (let i = 0; i < sets.length; i++) {
        const [a, b] = [sets[i], sets[(i * 7 + 3) % sets.length]];
        for (const d of [updated, fresh]) mkdirSync(d, { recursive: true });
        controlDevices(placement(updated), a, [devicesV1!]);
        const first = list(updated);
        const change = replaceDeviceRules(placement(updated), a, b, [devicesV1!]);
        controlDevices(placement(fresh), b, [devicesV1!]);
        assert.deepEqual(list(updated), list(fresh), `${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
        change.undo();
        assert.deepEqual(list(updated), first);
        for (const d of [updated, fresh]) rmdirSync(d);
      }
    } finally {
      for (const d of [updated, fresh, base]) if (existsSync(d)) rmdirSync(d);
    }
  });

  const unified = hostHierarchies().find((h) => h.version === 2);
  it('on v2, attaches the new program and detaches the old: one program, holding the new rules; undo puts the old back (against this kernel)', { skip: unified ? false : 'this host has no cgroup v2' }, () => {
    const cg = join(unified!.mountPoint, `runts-devices-test-${process.pid}`);
    const p = { dirs: [cg], created: [], names: [''], parents: [] };
    const attached = () => {
      const fd = openSync(cg, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        return hostCalls().bpfProgQuery(fd, BPF_CGROUP_DEVICE);
      } finally {
        closeSync(fd);
      }
    };
    // /dev/kmsg (1:11) opened for reading: it reads nothing, allowed or not.
    const probe = () => spawnSync('/bin/sh', ['-c', `echo $$ > ${cg}/cgroup.procs || exit 9; if true </dev/kmsg 2>/dev/null; then echo ok; else echo denied; fi`], { encoding: 'utf8' }).stdout;
    mkdirSync(cg);
    try {
      const withKmsg = deviceRules([DENY_ALL, KMSG_R]);
      controlDevices(p, withKmsg, [unified!]);
      const [old] = attached();
      assert.equal(probe(), 'ok\n');
      const change = replaceDeviceRules(p, withKmsg, deviceRules(), [unified!]);
      const now = attached();
      assert.equal(now.length, 1);
      assert.notEqual(now[0], old);
      assert.equal(probe(), 'denied\n');
      change.undo();
      assert.deepEqual(attached(), [old]);
      assert.equal(probe(), 'ok\n');
      replaceDeviceRules(p, withKmsg, deviceRules(), [unified!]).done();
      assert.equal(probe(), 'denied\n');
      assert.equal(attached().length, 1);
    } finally {
      rmdirSync(cg);
    }
  });
});
