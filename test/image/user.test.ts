// The image's User resolved against its own /etc/passwd and /etc/group, never the host's.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { unpackLayer } from '../../src/image/unpack.ts';
import { resolveUser } from '../../src/image/user.ts';
import { busyboxRootfs, dir, layer, symlink } from './helpers/layers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-user-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('image users', () => {
  it('resolves users against the image\'s passwd and group, never the host\'s', async () => {
    const root = join(tmp, 'u-root');
    mkdirSync(root);
    await unpackLayer([(await layer(busyboxRootfs())).blob], { target: root, whiteouts: 'apply', what: 'layer l' });
    assert.deepEqual(resolveUser(root, 'app', 'img'), { uid: 1000, gid: 1001, additionalGids: [50], username: 'app' });
    assert.deepEqual(resolveUser(root, '1000:staff', 'img'), { uid: 1000, gid: 50, username: 'app' });
    assert.deepEqual(resolveUser(root, '4242:4343', 'img'), { uid: 4242, gid: 4343 });
    assert.throws(() => resolveUser(root, 'ghost', 'img'), /img: user "ghost" not found/);
    const evil = join(tmp, 'evil-root');
    mkdirSync(evil);
    await unpackLayer([(await layer([dir('etc'), symlink('etc/passwd', '/../../../../etc/passwd')])).blob], { target: evil, whiteouts: 'apply', what: 'layer l' });
    assert.throws(() => resolveUser(evil, 'root', 'img'), /user "root" not found/);
  });
});
