// Tar reading and layer unpacking: formats GNU tar writes, the metadata a
// layer carries, both whiteout styles, and refusal of every escape.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { digestOf } from '../../src/image/digest.ts';
import { LimitError, TarFormatError, UnsafeEntryError } from '../../src/image/errors.ts';
import { paxRecord } from '../../src/image/tar/header.ts';
import { readTar } from '../../src/image/tar/reader.ts';
import { tarBuffer, type WriteEntry } from '../../src/image/tar/writer.ts';
import { unpackLayer, type UnpackOptions, type WhiteoutMode } from '../../src/image/unpack.ts';
import { dir, entryBlocks, file, hardlink, layer, paxHeader, symlink } from './helpers/layers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-unpack-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(tmp, `t${++n}`, 'root');
  mkdirSync(d, { recursive: true });
  return d;
};

async function unpack(blob: Buffer, target: string, whiteouts: WhiteoutMode = 'apply', more: Partial<UnpackOptions> = {}) {
  return unpackLayer([blob], { target, whiteouts, what: 'layer sha256:test', ...more });
}

function getfattr(path: string, name: string): string | null {
  return getfattrBytes(path, name)?.toString('utf8') ?? null;
}

function getfattrBytes(path: string, name: string): Buffer | null {
  const r = spawnSync('getfattr', ['-h', '--only-values', '-n', name, path]);
  return r.status === 0 ? r.stdout : null;
}

/** The names of every xattr of path (its last component not followed). */
function xattrNames(path: string): string[] {
  const r = spawnSync('getfattr', ['-h', '-d', '-m', '-', '--absolute-names', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('=')[0]).sort();
}

/** A Linux dev_t, as stat reports it. */
const makedev = (major: number, minor: number): number => ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);

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
    ['a device node named outside', [{ name: '../escaped', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 }]],
    ['a device node under a symlinked parent leaving the root', [symlink('evil', '../..'), { name: 'evil/escaped', type: 'block', mode: 0o600, devmajor: 7, devminor: 0 }]],
    ['a fifo under a symlink chain leaving the root', [dir('d'), symlink('d/up', '..'), symlink('l', 'd/up/..'), { name: 'l/escaped', type: 'fifo', mode: 0o600 }]],
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

describe('device nodes', () => {
  it('are made in the target (mknodat in their parent), with their numbers, mode and owner', async () => {
    const t = fresh();
    await unpack((await layer([
      dir('dev'),
      { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3, uid: 5, gid: 6, mtime: 1_700_000_000 },
      { name: 'dev/disk', type: 'block', mode: 0o640, devmajor: 259, devminor: 300 },
      { name: 'dev/pipe', type: 'fifo', mode: 0o620 },
    ])).blob, t);
    const c = lstatSync(join(t, 'dev/null'));
    assert.ok(c.isCharacterDevice());
    assert.equal(c.rdev, makedev(1, 3));
    assert.deepEqual([c.mode & 0o7777, c.uid, c.gid, c.mtimeMs], [0o666, 5, 6, 1_700_000_000_000]);
    const b = lstatSync(join(t, 'dev/disk'));
    assert.ok(b.isBlockDevice());
    assert.equal(b.rdev, makedev(259, 300));
    assert.equal(b.mode & 0o7777, 0o640);
    const f = lstatSync(join(t, 'dev/pipe'));
    assert.ok(f.isFIFO());
    assert.equal(f.mode & 0o7777, 0o620);
    assert.deepEqual(readdirSync(join(t, 'dev')).sort(), ['disk', 'null', 'pipe']);
  });
});

describe('layer xattrs', () => {
  // VFS_CAP_REVISION_2 with the effective bit: cap_net_bind_service (10) permitted.
  const cap = Buffer.alloc(20);
  cap.writeUInt32LE(0x02000001, 0);
  cap.writeUInt32LE(1 << 10, 4);

  it('fails a layer whose xattr name holds a newline, a NUL or "/", setting nothing anywhere', async () => {
    const canary = join(tmp, 'canary');
    writeFileSync(canary, 'c');
    const before = xattrNames(canary);
    // What once went into setfattr --restore's text as a record for another file.
    const injected = `\n# file: ${canary}\nuser.pwned`;
    for (const name of [injected, 'user.a\0b', 'user.a/b']) {
      for (const mode of ['apply', 'overlay'] as const) {
        const t = fresh();
        await assert.rejects(unpack((await layer([file('f', 'x', 0o644, { xattrs: { [name]: 'pwned' } })])).blob, t, mode),
          (e: Error) => e instanceof UnsafeEntryError && e.message.startsWith('layer sha256:test: entry "f": xattr name ') && e.message.endsWith('holds a NUL, a newline or "/"'));
        assert.deepEqual(readdirSync(t), []);
      }
    }
    assert.deepEqual(xattrNames(canary), before);
  });

  it('applies user.* and security.capability to files (small and streamed), directories and nodes', async () => {
    const t = fresh();
    const both = { 'user.note': 'hi', 'security.capability': cap };
    await unpack((await layer([
      dir('d', 0o755), { ...dir('d', 0o755), xattrs: { 'user.dir': 'yes' } },
      file('d/small', '#!', 0o755, { uid: 1000, gid: 1000, xattrs: both }),
      file('d/big', Buffer.alloc(3 << 20, 1), 0o755, { uid: 1000, gid: 1000, xattrs: both }),
      { name: 'd/node', type: 'char', mode: 0o600, devmajor: 1, devminor: 3, xattrs: { 'security.capability': cap } },
    ])).blob, t);
    for (const f of ['d/small', 'd/big']) {
      assert.equal(getfattr(join(t, f), 'user.note'), 'hi', f);
      // Set after the chown, which would have dropped it.
      assert.deepEqual(getfattrBytes(join(t, f), 'security.capability'), cap, f);
      assert.equal(statSync(join(t, f)).uid, 1000);
    }
    assert.equal(getfattr(join(t, 'd'), 'user.dir'), 'yes');
    assert.deepEqual(getfattrBytes(join(t, 'd/node'), 'security.capability'), cap);
  });

  it("refuses overlayfs's own xattrs from a layer (only the unpacker writes trusted.overlay.opaque)", async () => {
    for (const name of ['trusted.overlay.opaque', 'trusted.overlay.redirect', 'trusted.overlay.metacopy']) {
      const t = fresh();
      await assert.rejects(unpack((await layer([{ ...dir('o'), xattrs: { [name]: 'y' } }])).blob, t, 'overlay'),
        (e: Error) => e instanceof UnsafeEntryError && e.message === `layer sha256:test: entry "o": xattr "${name}" is overlayfs's own, never a layer's`);
      assert.deepEqual(readdirSync(t), []);
    }
  });

  it('skips the other namespaces, with one warning per layer naming them', async () => {
    const t = fresh();
    const warnings: string[] = [];
    await unpack((await layer([
      file('a', 'x', 0o644, { xattrs: { 'security.selinux': 'system_u:object_r:bin_t:s0', 'trusted.foo': 'bar', 'user.ok': '1' } }),
      file('b', 'x', 0o644, { xattrs: { 'trusted.foo': 'baz', 'system.posix_acl_access': Buffer.from([2, 0, 0, 0]) } }),
    ])).blob, t, 'apply', { warn: (m) => warnings.push(m) });
    assert.deepEqual(xattrNames(join(t, 'a')), ['user.ok']);
    assert.deepEqual(xattrNames(join(t, 'b')), []);
    assert.deepEqual(warnings, ['layer sha256:test: xattrs not applied: security.selinux (1 entry), trusted.foo (2 entries), system.posix_acl_access (1 entry); only user.* and security.capability are taken from a layer']);
  });
});

describe('tar limits', () => {
  const refuse = async (tar: Buffer, why: RegExp): Promise<void> => {
    const t = fresh();
    await assert.rejects(unpack(tar, t), (e: Error) => e instanceof TarFormatError && why.test(e.message));
    assert.deepEqual(readdirSync(t), []);
  };

  it('refuses an extended header over 1 MiB', async () => {
    const x = await paxHeader('x', paxRecord('comment', 'x'.repeat(1 << 20)));
    await refuse(Buffer.concat([x, await entryBlocks([file('f', 'x')]), Buffer.alloc(1024)]), /extended header of \d+ bytes is too large/);
  });

  it('refuses global pax headers past 64 KiB in all, or past 256 records', async () => {
    const g = await paxHeader('g', paxRecord('comment', 'x'.repeat(8 << 10)));
    await refuse(Buffer.concat([...Array(9).fill(g), await entryBlocks([file('f', 'x')]), Buffer.alloc(1024)]), /global pax headers of more than 65536 bytes/);
    const many = await Promise.all(Array.from({ length: 300 }, (_, i) => paxHeader('g', paxRecord(`BERTH.k${i}`, 'v'))));
    await refuse(Buffer.concat([...many, await entryBlocks([file('f', 'x')]), Buffer.alloc(1024)]), /more than 256 global pax records/);
  });

  it('applies a global pax record to every later entry', async () => {
    const t = fresh();
    const g = await paxHeader('g', paxRecord('SCHILY.xattr.user.all', 'g'));
    await unpack(Buffer.concat([g, await entryBlocks([file('a', 'x'), file('b', 'y')]), Buffer.alloc(1024)]), t);
    assert.equal(getfattr(join(t, 'a'), 'user.all'), 'g');
    assert.equal(getfattr(join(t, 'b'), 'user.all'), 'g');
  });
});

describe('unpack limits', () => {
  const limits = { maxLayerSize: 4 << 20, maxLayerEntries: 100 };

  it('stops a layer that expands past maxLayerSize (a gzip bomb), naming the limit', async () => {
    // Zeros after the end of the archive: no entry declares them, yet they are read (and hashed).
    const { tar } = await layer([file('f', 'x')]);
    const blob = gzipSync(Buffer.concat([tar, Buffer.alloc(64 << 20)]));
    assert.ok(blob.length < 100_000, 'a bomb: small compressed, large expanded');
    await assert.rejects(unpack(blob, fresh(), 'apply', { limits }),
      (e: Error) => e instanceof LimitError && e.message === 'layer sha256:test: expands past 4194304 bytes (the maxLayerSize limit; raise it if this content is expected)');
  });

  it('refuses an entry larger than what is left of the limit before writing it', async () => {
    const t = fresh();
    await assert.rejects(unpack((await layer([file('huge', Buffer.alloc(8 << 20))])).blob, t, 'apply', { limits }),
      (e: Error) => e instanceof LimitError && e.message.startsWith('layer sha256:test: entry "huge": 8388608 bytes would expand the layer past 4194304 bytes (the maxLayerSize limit'));
    assert.ok(!existsSync(join(t, 'huge')));
    const many = fresh();
    await assert.rejects(unpack((await layer(Array.from({ length: 16 }, (_, i) => file(`z${i}`, Buffer.alloc(1 << 20))))).blob, many, 'apply', { limits }),
      (e: Error) => e instanceof LimitError && /^layer sha256:test: entry "z\d+": 1048576 bytes would expand the layer past 4194304 bytes/.test(e.message));
  });

  it('stops a layer of more than maxLayerEntries entries', async () => {
    const { blob } = await layer(Array.from({ length: 150 }, (_, i) => file(`f${i}`, '')));
    await assert.rejects(unpack(blob, fresh(), 'apply', { limits }),
      (e: Error) => e instanceof LimitError && e.message.startsWith('layer sha256:test: has more than 100 entries (the maxLayerEntries limit'));
  });
});
