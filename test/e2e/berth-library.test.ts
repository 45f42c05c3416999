// The engine as a Node program uses it: `import { Berth } from 'berth'`, no
// CLI and no daemon; errors as typed classes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Berth, ConflictError, InvalidArgumentError, NotFoundError } from 'berth';
import { type EngineImages, libraryHooks } from '../helpers/engine.ts';

let images: EngineImages;
let berth: Berth;
let root: string;
let runRoot: string;
libraryHooks('lib', (f) => ({ images, berth, root, runRoot } = f));

describe('the Berth library', () => {
  it('runs, waits, reads logs, inspects and removes', async () => {
    const id = await berth.run({ image: images.busybox, name: 'lib', cmd: ['sh', '-c', 'echo one; echo two >&2; exit 5'] });
    assert.equal(await berth.wait(id), 5);
    const lines = await Array.fromAsync(berth.logs('lib'));
    assert.deepEqual(lines.map((l) => [l.stream, l.text]).sort(), [['stderr', 'two'], ['stdout', 'one']]);
    const info = await berth.inspect(id) as { State: { ExitCode: number; Status: string } };
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 5);
    await berth.remove(id);
    await assert.rejects(berth.get(id), NotFoundError);
  });

  it('errors are typed: a name taken, a bad config, an unknown container', async () => {
    const id = await berth.create({ image: images.busybox, name: 'once', cmd: ['true'] });
    await assert.rejects(berth.create({ image: images.busybox, name: 'once' }), ConflictError);
    await assert.rejects(berth.create({ image: images.busybox, name: '-bad' }), InvalidArgumentError);
    await assert.rejects(berth.stop('no-such'), NotFoundError);
    await berth.remove(id);
    assert.deepEqual(await berth.list({ all: true }), []);
  });

  it('a container outlives the Berth that started it', async () => {
    const id = await berth.run({ image: images.busybox, cmd: ['sleep', '1000'] });
    const other = new Berth({ root, runRoot });
    try {
      assert.equal((await other.get(id)).state, 'running');
      await other.stop(id, { timeout: 0 });
      assert.equal((await other.get(id)).exitCode, 137);
      await other.remove(id);
    } finally {
      other.close();
    }
  });
});
