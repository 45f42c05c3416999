// What `runts events` and `runts ps` decide without a container: Go's
// duration syntax for --interval, and which rows of ps(1)'s output are kept.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerRows } from '../../src/runtime/ps.ts';
import { parseDuration } from '../../src/cli/duration.ts';

describe('--interval: Go durations', () => {
  it('reads what time.ParseDuration reads, in ms', () => {
    assert.equal(parseDuration('5s', '--interval'), 5000);
    assert.equal(parseDuration('250ms', '--interval'), 250);
    assert.equal(parseDuration('1m30s', '--interval'), 90_000);
    assert.equal(parseDuration('1.5h', '--interval'), 5_400_000);
    assert.equal(parseDuration('100us', '--interval'), 0.1);
    assert.equal(parseDuration('2µs', '--interval'), 0.002);
    assert.equal(parseDuration('0', '--interval'), 0);
    assert.equal(parseDuration('-1s', '--interval'), -1000);
  });

  it('refuses what Go refuses, naming the flag', () => {
    for (const bad of ['', '5', '5x', 's', '1s5', '1.s.', '--1s', ' 5s'])
      assert.throws(() => parseDuration(bad, '--interval'), /^UsageError: --interval: invalid duration/, bad);
  });
});

// `ps -ef` on this VM, two of whose processes are a container's.
const PS_EF = `UID        PID  PPID  C STIME TTY          TIME CMD
root         1     0  0 10:04 ?        00:00:06 /process_api --firecracker-init --addr 0.0.0.0:2024
root         2     0  0 10:04 ?        00:00:00 [kthreadd]
root      4708     1  0 12:42 ?        00:00:00 sleep 1000
root      4731     1  0 12:42 ?        00:00:00 sleep 100
root     47080     1  0 12:42 ?        00:00:00 sleep 4708
`;

describe('ps rows', () => {
  it("keeps the header and the rows whose PID column is the container's", () => {
    assert.deepEqual(containerRows(PS_EF, [4708, 4731]), [
      'UID        PID  PPID  C STIME TTY          TIME CMD',
      'root      4708     1  0 12:42 ?        00:00:00 sleep 1000',
      'root      4731     1  0 12:42 ?        00:00:00 sleep 100',
    ]);
    assert.deepEqual(containerRows('  PID COMMAND\n 4708 sleep\n    1 init\n', [4708]), ['  PID COMMAND', ' 4708 sleep']);
  });

  it('fails without a PID column, or with something else in it', () => {
    assert.throws(() => containerRows('COMMAND\nsleep\n', [1]), /ps output has no PID column: "COMMAND"/);
    assert.throws(() => containerRows('PID COMMAND\nx sleep\n', [1]), /"x" in the PID column is not a pid/);
  });
});
