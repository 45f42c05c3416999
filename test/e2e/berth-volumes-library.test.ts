// Volumes through the library (`berth.volumes`), as a Node program uses
// them: typed errors naming the field, Docker's objects, a volume shared by
// a container made through the same Berth.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { Berth, ConflictError, InvalidArgumentError, NotFoundError } from 'berth';
import { type EngineImages, libraryHooks } from '../helpers/engine.ts';

let images: EngineImages;
let berth: Berth;
let root: string;
libraryHooks('vlib', (f) => ({ images, berth, root } = f));

it('berth.volumes: create, get, inspect, in use, remove, prune, with typed errors', async () => {
  const v = await berth.volumes.create({ name: 'libvol', labels: { a: 'b' } });
  assert.equal(v.mountpoint, join(root, 'volumes', 'libvol', '_data'));
  assert.deepEqual(v.usedBy, []);
  const field = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (err: unknown) => err);
    assert.ok(e instanceof InvalidArgumentError, String(e));
    return e.field;
  };
  assert.equal(await field(berth.volumes.create({ name: 'x/y' })), 'name');
  assert.equal(await field(berth.volumes.create({ name: 'ok', options: { type: 'tmpfs' } })), 'options.device');
  assert.equal(await field(berth.create({ image: images.busybox, mounts: [{ type: 'volume', source: '../up', target: '/x' }] })), 'mounts[0].source');
  assert.deepEqual((await berth.volumes.list()).map((x) => x.name), ['libvol']);
  await assert.rejects(berth.volumes.inspect('nope'), NotFoundError);

  const id = await berth.run({ image: images.busybox, cmd: ['sh', '-c', 'echo lib > /v/f'], mounts: [{ type: 'volume', source: 'libvol', target: '/v' }] });
  assert.equal(await berth.wait(id), 0);
  assert.equal(readFileSync(join(v.mountpoint, 'f'), 'utf8'), 'lib\n');
  assert.deepEqual((await berth.volumes.get('libvol')).usedBy, [id]);
  await assert.rejects(berth.volumes.remove('libvol'), (e: unknown) => e instanceof ConflictError && /volume is in use/.test(e.message));
  await berth.remove(id);
  assert.deepEqual(await berth.volumes.prune(), { removed: [], bytes: 0 }, 'named volumes are not pruned without all');
  assert.deepEqual((await berth.volumes.prune({ all: true })).removed, ['libvol']);
  assert.ok(!existsSync(join(root, 'volumes', 'libvol')));
  await berth.volumes.remove('libvol', { force: true });
});
