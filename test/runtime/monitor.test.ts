// Pure parts of the monitor's client side: the exit record, attach frames,
// and the CRI log reader for the engine's `logs`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, Frame, FrameDecoder, resizeFrame } from '../../src/runtime/attach.ts';
import { formatLine, logFileNames, logLines, parseRecord, parseTail, parseTimeArg, parseTimestamp, selectLines } from '../../src/runtime/cri-log.ts';
import { parseExitRecord } from '../../src/runtime/monitor.ts';

describe('exit record', () => {
  it('parses what the monitor writes', () => {
    assert.deepEqual(parseExitRecord('{"status":137,"signal":9,"exitedAt":"2026-12-03T12:40:06.413286807Z"}\n'), {
      status: 137,
      signal: 9,
      exitedAt: '2026-12-03T12:40:06.413286807Z',
    });
  });
  it('refuses what is not one', () => {
    for (const bad of ['', '{', '[]', '{"status":-1,"signal":0,"exitedAt":"2026-12-03T12:40:06Z"}', '{"status":0,"signal":0}', '{"status":0,"signal":0,"exitedAt":"soon"}'])
      assert.throws(() => parseExitRecord(bad), /exit file/, bad);
  });
});

describe('attach frames', () => {
  it('encodes type, big-endian length and payload', () => {
    assert.deepEqual([...encodeFrame(Frame.STDIN, 'hi')], [0, 0, 0, 0, 2, 104, 105]);
    assert.deepEqual([...resizeFrame(30, 300)], [4, 0, 0, 0, 4, 0, 30, 1, 44]);
    assert.deepEqual([...encodeFrame(Frame.CLOSE_STDIN)], [5, 0, 0, 0, 0]);
  });
  it('decodes frames whatever the pieces they arrive in', () => {
    const wire = Buffer.concat([encodeFrame(Frame.STDOUT, 'hello'), encodeFrame(Frame.STDERR, ''), encodeFrame(Frame.EXIT, '{}')]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      assert.deepEqual(frames.map((f) => [f.type, f.payload.toString()]), [[1, 'hello'], [2, ''], [3, '{}']]);
    }
  });
});

describe('CRI log', () => {
  it('parses records, with their nanoseconds', () => {
    assert.deepEqual(parseRecord('2026-12-03T12:40:06.000000001Z stderr P a b '), {
      time: '2026-12-03T12:40:06.000000001Z',
      ns: 1796301606000000001n,
      stream: 'stderr',
      partial: true,
      text: 'a b ',
    });
    assert.equal(parseRecord('2026-12-03T12:40:06Z stdout F ')!.text, '');
    for (const bad of ['', 'x stdout F a', '2026-12-03T12:40:06Z stdin F a', '2026-12-03T12:40:06Z stdout X a', '2026-12-03T12:40:06Z stdout F'])
      assert.equal(parseRecord(bad), undefined, bad);
  });
  it('reads timestamps as kubelet and others write them', () => {
    assert.equal(parseTimestamp('1970-01-01T00:00:01.5Z'), 1_500_000_000n);
    assert.equal(parseTimestamp('1970-01-01T01:00:01+01:00'), 1_000_000_000n);
    assert.equal(parseTimestamp('1970-01-01 00:00:01Z'), undefined);
  });
  it('joins the P pieces of a line per stream, across rotated files', () => {
    const older = '1970-01-01T00:00:01Z stdout P ab\n1970-01-01T00:00:02Z stderr F e1\n';
    const newer = '1970-01-01T00:00:03Z stdout F cd\n1970-01-01T00:00:04Z stdout P end';
    const lines = logLines([older, newer]);
    assert.deepEqual(lines.map((l) => [l.stream, l.text, l.partial]), [['stdout', 'abcd', false], ['stderr', 'e1', false], ['stdout', 'end', true]]);
    assert.equal(lines[0].time, '1970-01-01T00:00:01Z');
    assert.equal(formatLine(lines[0], true), '1970-01-01T00:00:01Z abcd\n');
    assert.equal(formatLine(lines[2], false), 'end');
  });
  it('skips what is not a record (a file cut short)', () => {
    assert.deepEqual(logLines(['garbage\n1970-01-01T00:00:01Z stdout F ok\n1970-01-01T00:0']).map((l) => l.text), ['ok']);
  });
  it('selects by since, until and tail', () => {
    const lines = logLines([[1, 2, 3, 4, 5].map((s) => `1970-01-01T00:00:0${s}Z stdout F l${s}`).join('\n')]);
    const sec = (s: number) => BigInt(s) * 1_000_000_000n;
    assert.deepEqual(selectLines(lines, { since: sec(2), until: sec(5) }).map((l) => l.text), ['l2', 'l3', 'l4']);
    assert.deepEqual(selectLines(lines, { tail: 2 }).map((l) => l.text), ['l4', 'l5']);
    assert.deepEqual(selectLines(lines, { since: sec(2), tail: 0 }), []);
  });
  it('takes --since and --until as Docker does', () => {
    const now = 10_000n * 1_000_000_000n;
    assert.equal(parseTimeArg('--since', '1700000000', now), 1_700_000_000_000_000_000n);
    assert.equal(parseTimeArg('--since', '1700000000.25', now), 1_700_000_000_250_000_000n);
    assert.equal(parseTimeArg('--since', '1970-01-02', now), 86_400_000_000_000n);
    assert.equal(parseTimeArg('--since', '1970-01-01T00:00:01.5Z', now), 1_500_000_000n);
    assert.equal(parseTimeArg('--since', '1m30s', now), now - 90_000_000_000n);
    assert.equal(parseTimeArg('--since', '1.5h', now), now - 5_400_000_000_000n);
    assert.equal(parseTimeArg('--since', '250ms', now), now - 250_000_000n);
    assert.throws(() => parseTimeArg('--until', 'yesterday', now), /--until: "yesterday" is not a time/);
  });
  it('takes --tail as a count or all', () => {
    assert.equal(parseTail('all'), undefined);
    assert.equal(parseTail('10'), 10);
    assert.throws(() => parseTail('-1'), /--tail/);
  });
  it('names rotated files oldest first', () => {
    assert.deepEqual(logFileNames('/l/c.log', 3), ['/l/c.log.2', '/l/c.log.1', '/l/c.log']);
    assert.deepEqual(logFileNames('/l/c.log', 1), ['/l/c.log']);
  });
});
