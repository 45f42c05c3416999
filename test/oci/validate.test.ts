import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import { ConfigError } from '../../src/oci/errors.ts';
import { parseSignal } from '../../src/oci/linux.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { parseSpec, validateSpec } from '../../src/oci/validate.ts';

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
    assert.equal(fieldOf((s) => (s.process!.capabilities!.bounding = ['CAP_FLY'])), 'process.capabilities.bounding[0]');
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
