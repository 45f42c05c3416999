import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantedRanges, ownIdOnly, ungranted } from '../../src/runtime/subids.ts';

const map = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });

describe('subordinate ids', () => {
  const text = 'alice:100000:65536\n# comment\n1001:300000:10\nbob:200000:65536\nalice:165536:100\nbroken:x:1\n';

  it('reads the ranges granted to a user by name or by uid', () => {
    assert.deepEqual(grantedRanges(text, ['1001', 'alice']), [
      { start: 100000, count: 65536 },
      { start: 300000, count: 10 },
      { start: 165536, count: 100 },
    ]);
    assert.deepEqual(grantedRanges(text, ['carol']), []);
  });

  it('grants the user\'s own id and what the ranges cover, adjacent ranges together', () => {
    const ranges = grantedRanges(text, ['alice']);
    assert.equal(ungranted([map(0, 1001, 1), map(1, 100000, 65536)], 1001, ranges), undefined);
    // 100000..165635 spans both of alice's adjacent ranges.
    assert.equal(ungranted([map(0, 100000, 65636)], 1001, ranges), undefined);
    assert.equal(ungranted([map(0, 1001, 1), map(1, 100000, 65637)], 1001, ranges), 1);
    assert.equal(ungranted([map(0, 200000, 1)], 1001, ranges), 0);
    assert.equal(ungranted([map(0, 1001, 2)], 1001, ranges), 0);
  });

  it('needs no helper for the user\'s own id alone', () => {
    assert.ok(ownIdOnly([map(0, 1001, 1)], 1001));
    assert.ok(!ownIdOnly([map(0, 1001, 1), map(1, 100000, 10)], 1001));
    assert.ok(!ownIdOnly([map(0, 1002, 1)], 1001));
  });
});
