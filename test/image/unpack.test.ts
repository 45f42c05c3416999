// Tar reading and layer unpacking: formats GNU tar writes, the metadata a
// layer carries, both whiteout styles, and refusal of every escape.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { digestOf } from '../../src/image/digest.ts';
import { TarFormatError, UnsafeEntryError } from '../../src/image/errors.ts';
import { readTar } from '../../src/image/tar/reader.ts';
import { tarBuffer, type WriteEntry } from '../../src/image/tar/writer.ts';
import { unpackLayer, type WhiteoutMode } from '../../src/image/unpack.ts';
import { dir, file, hardlink, layer, symlink } from './helpers/layers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-unpack-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(tmp, `t${++n}`, 'root');
  mkdirSync(d, { recursive: true });
  return d;
};

async function unpack(blob: Buffer, target: string, whiteouts: WhiteoutMode = 'apply') {
  return unpackLayer([blob], { target, whiteouts, what: 'layer sha256:test' });
}

function getfattr(path: string, name: string): string | null {
  const r = spawnSync('getfattr', ['-h', '--only-values', '-n', name, path], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

describe('tar reader', () => {
  it('reads what GNU tar writes: pax long names, sparse files, hardlinks, fifos', async () => {
    const src = join(tmp, 'gnu-src');
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    mkdirSync(join(src, 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(src, long), 'long');
    spawnSync('truncate', ['-s', '10M', join(src, 'sparse')]);
    spawnSync('sh', ['-c', `printf hello | dd of=${join(src, 'sparse')} bs=1 seek=5000000 conv=notrunc 2>/dev/null`]);
    spawnSync('ln', [join(src, long), join(src, 'hard')]);
    spawnSync('mkfifo', [join(src, 'fifo')]);
    for (const format of ['pax', 'gnu']) {
      const archive = join(tmp, `gnu.${format}.tar`);
      const r = spawnSync('tar', ['--sparse', `--format=${format}`, '-C', src, '-cf', archive, '.']);
      assert.equal(r.status, 0, String(r.stderr));
      const target = fresh();
      const res = await unpack(readFileSync(archive), target);
      assert.equal(res.diffId, digestOf(readFileSync(archive)));
      assert.equal(readFileSync(join(target, long), 'utf8'), 'long');
      assert.equal(statSync(join(target, 'hard')).ino, statSync(join(target, long)).ino);
      assert.ok(lstatSync(join(target, 'fifo')).isFIFO());
      const sparse = readFileSync(join(target, 'sparse'));
      assert.equal(sparse.length, 10 * 1024 * 1024, format);
      assert.equal(sparse.subarray(5000000, 5000005).toString(), 'hello');
      assert.equal(digestOf(sparse), digestOf(readFileSync(join(src, 'sparse'))));
    }
  });

  it('rejects a corrupt header and a truncated archive, naming the archive', async () => {
    const tar = await tarBuffer([file('a', 'x'.repeat(2000))]);
    const corrupt = Buffer.from(tar);
    corrupt[10] ^= 0xff;
    await assert.rejects(async () => {
      for await (const _ of readTar([corrupt], 'archive X')) void _;
    }, (e: Error) => e instanceof TarFormatError && /archive X: header checksum/.test(e.message));
    await assert.rejects(unpack(tar.subarray(0, 1024), fresh()), (e: Error) => e instanceof TarFormatError && /entry "a": truncated/.test(e.message));
  });
});

describe('unpack', () => {
  it('restores modes, ownership, times, symlinks, hardlinks, devices and xattrs, from gzip and zstd', async () => {
    for (const c of ['gzip', 'zstd', 'none'] as const) {
      const { blob } = await layer([
        dir('etc', 0o750), file('etc/secret', 's', 0o600, { uid: 1000, gid: 1001 }), file('bin/suid', '#!', 0o4755),
        symlink('etc/link', '../bin/suid'), hardlink('etc/hard', 'etc/secret'),
        { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
        file('cap', 'x', 0o644, { xattrs: { 'user.note': 'hi' } }),
      ], c);
      const t = fresh();
      await unpack(blob, t);
      const st = statSync(join(t, 'etc/secret'));
      assert.equal(st.mode & 0o7777, 0o600);
      assert.equal(st.uid, 1000);
      assert.equal(st.gid, 1001);
      assert.equal(st.mtimeMs, 1_700_000_000_000);
      assert.equal(statSync(join(t, 'etc')).mode & 0o7777, 0o750);
      assert.equal(statSync(join(t, 'etc')).mtimeMs, 1_700_000_000_000);
      assert.equal(statSync(join(t, 'bin/suid')).mode & 0o7777, 0o4755);
      assert.equal(readlinkSync(join(t, 'etc/link')), '../bin/suid');
      assert.equal(statSync(join(t, 'etc/hard')).ino, st.ino);
      assert.equal(statSync(join(t, 'dev/null')).rdev, statSync('/dev/null').rdev);
      assert.equal(getfattr(join(t, 'cap'), 'user.note'), 'hi');
    }
  });

  it('applies whiteouts and opaque directories on a full tree (plain-copy style)', async () => {
    const t = fresh();
    await unpack((await layer([dir('a'), file('a/1', '1'), file('a/2', '2'), dir('o'), file('o/old', 'x'), file('gone', 'g')])).blob, t);
    await unpack((await layer([file('a/.wh.1', ''), file('.wh.gone', ''), dir('o'), file('o/.wh..wh..opq', ''), file('o/new', 'n')])).blob, t);
    assert.deepEqual(readdirSync(join(t, 'a')), ['2']);
    assert.ok(!existsSync(join(t, 'gone')));
    assert.deepEqual(readdirSync(join(t, 'o')), ['new']);
  });

  it('writes overlayfs whiteouts and opaque markers in overlay style', async () => {
    const t = fresh();
    await unpack((await layer([file('a/.wh.1', ''), file('.wh.gone', ''), file('o/.wh..wh..opq', ''), file('o/new', 'n')])).blob, t, 'overlay');
    for (const w of ['a/1', 'gone']) {
      const st = lstatSync(join(t, w));
      assert.ok(st.isCharacterDevice() && st.rdev === 0, w);
    }
    assert.equal(getfattr(join(t, 'o'), 'trusted.overlay.opaque'), 'y');
    assert.ok(!existsSync(`${t}.whiteout`), 'whiteout template left behind');
  });

  it('follows an in-root symlinked parent, and takes absolute link targets inside the root', async () => {
    const t = fresh();
    await unpack((await layer([dir('usr/lib'), symlink('lib', 'usr/lib'), file('lib/x', 'x'), symlink('abs', '/usr'), file('abs/y', 'y')])).blob, t);
    assert.equal(readFileSync(join(t, 'usr/lib/x'), 'utf8'), 'x');
    assert.equal(readFileSync(join(t, 'usr/y'), 'utf8'), 'y');
  });

  const escapes: [string, WriteEntry[]][] = [
    ['../ in the name', [file('../escaped', 'x')]],
    ['a deeper ../', [dir('a'), file('a/../../escaped', 'x')]],
    ['an absolute name', [file(`/${'ESCAPE'}`, 'x')]],
    ['a symlinked parent leaving the root', [symlink('evil', '../../..'), file('evil/escaped', 'x')]],
    ['a symlink chain leaving the root', [dir('d'), symlink('d/up', '..'), symlink('l', 'd/up/..'), file('l/escaped', 'x')]],
    ['a hardlink to outside', [hardlink('h', '../outside')]],
  ];
  for (const [what, entries] of escapes) {
    it(`refuses ${what}, writing nothing outside`, async () => {
      const t = fresh();
      const outside = join(t, '..');
      writeFileSync(join(outside, 'outside'), 'o');
      const before = readdirSync(outside).sort();
      await assert.rejects(unpack((await layer(entries)).blob, t), (e: Error) => e instanceof UnsafeEntryError && /layer sha256:test: entry "/.test(e.message));
      assert.deepEqual(readdirSync(outside).sort(), before);
      assert.ok(!existsSync(join(tmp, 'escaped')) && !existsSync('/escaped') && !existsSync('/ESCAPE'));
    });
  }
});
