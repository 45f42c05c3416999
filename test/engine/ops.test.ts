// Pure parts of exec, attach, top, stats and events; path resolution inside a root.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StepError } from '../../src/oci/errors.ts';
import { execFailure } from '../../src/engine/runtimes/inprocess.ts';
import { splitRow } from '../../src/engine/containers/top.ts';
import { systemCpuNs } from '../../src/engine/containers/stats.ts';
import { checkFilters, matchesEvent } from '../../src/engine/events.ts';
import { at, RootDir } from '../../src/engine/fs/in-root.ts';
import { DetachMatcher, parseDetachKeys } from '../../src/cli/berth/detach-keys.ts';
import { splitCpArg } from '../../src/cli/berth/cp.ts';
import { eventLine, eventTime } from '../../src/cli/berth/events.ts';
import { size } from '../../src/cli/berth/stats.ts';

describe('detach keys', () => {
  it('parses Docker\'s forms', () => {
    assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
    assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,a,Z')], [0, 27, 28, 29, 30, 31, 97, 90]);
    assert.throws(() => parseDetachKeys('ctrl-1'), /--detach-keys: "ctrl-1" is not a key/);
    assert.throws(() => parseDetachKeys(''), /--detach-keys: is empty/);
    assert.throws(() => parseDetachKeys('ab'), /"ab" is not a key/);
  });

  it('forwards what is not the sequence, holding a possible start across chunks', () => {
    const m = new DetachMatcher(Buffer.from([16, 17]));
    assert.deepEqual(m.push(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detach: false });
    assert.deepEqual(m.push(Buffer.from('c')), { forward: Buffer.from('\x10c'), detach: false });
    assert.deepEqual(m.push(Buffer.from('\x10\x10')), { forward: Buffer.from('\x10'), detach: false });
    assert.deepEqual(m.push(Buffer.from('\x11rest')), { forward: Buffer.alloc(0), detach: true });
  });
});

describe('exec failures', () => {
  it('map to Docker\'s 127 and 126 by the step that failed', () => {
    const e = (op: string, errno: number) => execFailure(new StepError(30, op, errno, 'x'));
    assert.deepEqual([e('find-exec', 2).exitCode, e('find-exec', 2).field], [127, 'cmd']);
    assert.equal(e('find-exec', 13).exitCode, 126);
    assert.deepEqual([e('chdir', 2).exitCode, e('chdir', 2).field], [126, 'workdir']);
    assert.equal(e('capset', 1).exitCode, 126);
  });
});

describe('top, stats, cp, events helpers', () => {
  it('splitRow keeps the command whole', () => {
    assert.deepEqual(splitRow('root  1  0  0 10:00 ?  00:00:00 sh -c sleep 1', 8), ['root', '1', '0', '0', '10:00', '?', '00:00:00', 'sh -c sleep 1']);
    assert.deepEqual(splitRow(' 12 sleep', 2), ['12', 'sleep']);
  });

  it('systemCpuNs sums /proc/stat\'s first seven fields in nanoseconds', () => {
    assert.equal(systemCpuNs('cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 1 1 1 1 1 1\n'), 28 * 1e7);
    assert.equal(systemCpuNs('garbage'), 0);
  });

  it('size prints as Docker\'s go-units', () => {
    assert.equal(size(0, true), '0B');
    assert.equal(size(1536, true), '1.5KiB');
    assert.equal(size(12_345_678, false), '12.3MB');
    assert.equal(size(8 * 1024 ** 3, true), '8GiB');
  });

  it('splitCpArg tells container paths from host paths', () => {
    assert.deepEqual(splitCpArg('box:/etc'), { container: 'box', path: '/etc' });
    assert.deepEqual(splitCpArg('box:'), { container: 'box', path: '' });
    assert.equal(splitCpArg('/a:b'), undefined);
    assert.equal(splitCpArg('./a:b'), undefined);
    assert.equal(splitCpArg('plain'), undefined);
  });

  it('events: filters checked, matched, and printed as Docker prints them', () => {
    const ev = { seq: 1, timeNs: 1_700_000_000_123_456_789n, type: 'container' as const, action: 'die', actor: 'abc123', attributes: { name: 'web', image: 'busybox', exitCode: '3' } };
    assert.equal(eventTime(ev.timeNs), '2023-11-14T22:13:20.123456789Z');
    assert.equal(eventLine(ev), '2023-11-14T22:13:20.123456789Z container die abc123 (exitCode=3, image=busybox, name=web)\n');
    assert.equal(matchesEvent(ev, { container: ['web'], event: ['start', 'die'] }), true);
    assert.equal(matchesEvent(ev, { container: ['abc'] }), true);
    assert.equal(matchesEvent(ev, { type: ['image'] }), false);
    assert.equal(matchesEvent(ev, { image: ['alpine'] }), false);
    assert.throws(() => checkFilters({ colour: ['red'] } as never), /filters: "colour" is not a filter/);
    assert.throws(() => checkFilters({ type: ['network'] }), /type "network" is not one of/);
  });
});

describe('RootDir', () => {
  it('resolves symlinks inside the root: absolute ones, .. above it, and chains', () => {
    const root = mkdtempSync(join(tmpdir(), 'in-root-'));
    try {
      mkdirSync(join(root, 'etc'));
      writeFileSync(join(root, 'etc', 'passwd'), 'inside\n');
      symlinkSync('/', join(root, 'escape'));
      symlinkSync('../../../..', join(root, 'etc', 'up'));
      symlinkSync('/etc/passwd', join(root, 'abs'));
      symlinkSync('abs', join(root, 'chain'));
      symlinkSync('loop', join(root, 'loop'));
      writeFileSync(join(root, 'file'), 'x');
      const r = new RootDir(root);
      try {
        const read = (p: string) => {
          const res = r.resolve(p, true);
          return res.entry ? readFileSync(at(res.entry.fd), 'utf8') : undefined;
        };
        assert.equal(read('/escape/etc/passwd'), 'inside\n');
        assert.equal(read('/etc/up/etc/passwd'), 'inside\n');
        assert.equal(read('../../etc/passwd'), 'inside\n');
        assert.equal(read('/chain'), 'inside\n');
        const link = r.resolve('/chain', false);
        assert.equal(link.name, 'chain');
        assert.equal(link.entry!.st.isSymbolicLink(), true);
        const missing = r.resolve('/etc/new', true);
        assert.deepEqual([missing.name, missing.entry], ['new', undefined]);
        assert.equal(r.resolve('/escape', true).name, undefined, 'a link to / is the root itself');
        assert.throws(() => r.resolve('/nope/x', true), /no such file or directory \(at "nope"\)/);
        assert.throws(() => r.resolve('/file/x', true), /not a directory \(at "file"\)/);
        assert.throws(() => r.resolve('/loop', true), /too many levels of symbolic links/);
      } finally {
        r.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
