import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../src/oci/default-spec.ts';
import { ConfigError } from '../../src/oci/errors.ts';
import { parseSignal } from '../../src/oci/linux.ts';
import type { Spec } from '../../src/oci/spec.ts';
import { parseProcess, parseSpec, validateSpec } from '../../src/oci/validate.ts';

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
