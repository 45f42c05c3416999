// The health check's pure parts: checking and merging configs (the user's
// over the image's), Docker's status rules, the log's bounds, the timer the
// monitor is given, and the CLI flags.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunArgs } from '../../src/cli/berth/run-flags.ts';
import { InvalidArgumentError } from '../../src/engine/errors.ts';
import { checkHealth, healthEnabled, healthSchedule, imageHealth, mergeHealth, probeArgs } from '../../src/engine/health/config.ts';
import { healthTimer } from '../../src/engine/health/timer.ts';
import { applyResult, goDuration, initialHealth, limitOutput, type ProbeResult } from '../../src/engine/health/state.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const result = (exitCode: number, startMs = 100_000): ProbeResult => ({ start: at(startMs), end: at(startMs + 5), exitCode, output: `${exitCode}` });

describe('health config', () => {
  it('accepts Docker forms and refuses others, naming the field', () => {
    for (const test of [[], ['NONE'], ['CMD', '/bin/true'], ['CMD-SHELL', 'exit 0']]) assert.doesNotThrow(() => checkHealth({ test }));
    for (const [h, field] of [
      [{ test: ['CMD-SHELL'] }, 'health.test'],
      [{ test: ['CMD'] }, 'health.test'],
      [{ test: ['RUN', 'x'] }, 'health.test'],
      [{ test: 'true' }, 'health.test'],
      [{ test: ['NONE', 'x'] }, 'health.test'],
      [{ test: [], intervalMs: -1 }, 'health.intervalMs'],
      [{ test: [], timeoutMs: Number.NaN }, 'health.timeoutMs'],
      [{ test: [], retries: 1.5 }, 'health.retries'],
    ] as const) {
      assert.throws(() => checkHealth(h as never), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(h));
    }
  });

  it("takes the image's HEALTHCHECK in nanoseconds, refusing a bad one by its field", () => {
    assert.deepEqual(imageHealth({ Test: ['CMD', 'probe'], Interval: 2e9, Timeout: 5e8, StartPeriod: 0, Retries: 4 }), { test: ['CMD', 'probe'], intervalMs: 2000, timeoutMs: 500, retries: 4 });
    assert.equal(imageHealth(undefined), undefined);
    assert.throws(() => imageHealth({ Test: ['CMD'] }), /image config Healthcheck\.test/);
    assert.throws(() => imageHealth({ Test: ['NONE'], Interval: -5 }), /image config Healthcheck\.Interval/);
  });

  it("merges as Docker: the container's test else the image's, each unset setting from the image", () => {
    const image = { test: ['CMD', 'probe'], intervalMs: 2000, retries: 4 };
    assert.deepEqual(mergeHealth({ test: [], intervalMs: 100 }, image), { test: ['CMD', 'probe'], intervalMs: 100, retries: 4 });
    assert.deepEqual(mergeHealth({ test: ['CMD-SHELL', 'x'] }, image), { test: ['CMD-SHELL', 'x'], intervalMs: 2000, retries: 4 });
    assert.deepEqual(mergeHealth({ test: ['NONE'] }, image), { test: ['NONE'], intervalMs: 2000, retries: 4 });
    assert.equal(healthEnabled(mergeHealth({ test: ['NONE'] }, image)), false);
    assert.equal(mergeHealth(undefined, undefined), undefined);
    assert.deepEqual(mergeHealth(undefined, image), image);
  });

  it("fills in Docker's defaults and makes the probe's argv", () => {
    assert.deepEqual(healthSchedule({ test: ['CMD', 'x'] }), { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 });
    assert.deepEqual(probeArgs({ test: ['CMD-SHELL', 'curl -f localhost || exit 1'] }), ['/bin/sh', '-c', 'curl -f localhost || exit 1']);
    assert.deepEqual(probeArgs({ test: ['CMD', '/bin/check', '--quick'] }), ['/bin/check', '--quick']);
    assert.equal(healthEnabled({ test: [] }), false);
  });

  it("gives the monitor a timer running berth healthcheck run on the check's interval, none without a check", () => {
    const cmd = ['/usr/bin/berth', '--root', '/r', '--run-root', '/rr'];
    assert.deepEqual(healthTimer(cmd, 'abc', { test: ['CMD', 'x'], intervalMs: 250 }), { intervalMs: 250, command: [...cmd, 'healthcheck', 'run', 'abc'] });
    assert.equal(healthTimer(cmd, 'abc', { test: ['CMD', 'x'] })?.intervalMs, 30_000);
    assert.equal(healthTimer(cmd, 'abc', { test: ['NONE'] }), undefined);
    assert.equal(healthTimer(cmd, 'abc', undefined), undefined);
  });
});

describe('health state', () => {
  const sched = { retries: 2, startPeriodMs: 0 };

  it('turns healthy on a pass and unhealthy once the failing streak reaches the retries', () => {
    let h = initialHealth();
    h = applyResult(h, result(1), sched, at(0));
    assert.deepEqual([h.status, h.failingStreak], ['starting', 1]);
    h = applyResult(h, result(1), sched, at(0));
    assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 2]);
    h = applyResult(h, result(0), sched, at(0));
    assert.deepEqual([h.status, h.failingStreak], ['healthy', 0]);
    h = applyResult(h, result(2), sched, at(0));
    assert.deepEqual([h.status, h.failingStreak], ['healthy', 1]);
  });

  it('does not count failures within the start period while starting, but does once healthy', () => {
    const s = { retries: 1, startPeriodMs: 60_000 };
    let h = applyResult(initialHealth(), result(1, 10_000), s, at(0));
    assert.deepEqual([h.status, h.failingStreak], ['starting', 0]);
    h = applyResult(h, result(0, 20_000), s, at(0));
    h = applyResult(h, result(1, 30_000), s, at(0));
    assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 1]);
    h = applyResult(initialHealth(), result(1, 61_000), s, at(0));
    assert.equal(h.status, 'unhealthy');
  });

  it('keeps the last five results', () => {
    let h = initialHealth();
    for (let i = 0; i < 7; i++) h = applyResult(h, { ...result(0), output: String(i) }, sched, at(0));
    assert.deepEqual(h.log.map((l) => l.output), ['2', '3', '4', '5', '6']);
  });

  it("cuts output at 4096 bytes with Docker's ellipsis, and prints durations as Go does", () => {
    assert.equal(limitOutput(Buffer.from('ok\n')), 'ok\n');
    assert.equal(limitOutput(Buffer.alloc(4096, 'a')), 'a'.repeat(4096));
    assert.equal(limitOutput(Buffer.alloc(4097, 'a')), `${'a'.repeat(4096)}...`);
    assert.deepEqual([300, 1000, 1500, 30_000, 90_000, 3_600_000].map(goDuration), ['300ms', '1s', '1.5s', '30s', '1m30s', '1h0m0s']);
  });
});

describe('health flags', () => {
  it('become config.health, and conflicts are named', () => {
    assert.deepEqual(parseRunArgs(['--health-cmd', 'true', '--health-interval', '2s', '--health-retries', '5', '--health-timeout', '1s', '--health-start-period', '1m', 'img']).config.health,
      { test: ['CMD-SHELL', 'true'], intervalMs: 2000, retries: 5, timeoutMs: 1000, startPeriodMs: 60_000 });
    assert.deepEqual(parseRunArgs(['--no-healthcheck', 'img']).config.health, { test: ['NONE'] });
    assert.deepEqual(parseRunArgs(['--health-interval', '5s', 'img']).config.health, { test: [], intervalMs: 5000 });
    assert.equal(parseRunArgs(['img']).config.health, undefined);
    assert.throws(() => parseRunArgs(['--no-healthcheck', '--health-cmd', 'true', 'img']), /--no-healthcheck: conflicts/);
    assert.throws(() => parseRunArgs(['--health-timeout', '-1s', 'img']), /--health-timeout: "-1s" is negative/);
  });
});
