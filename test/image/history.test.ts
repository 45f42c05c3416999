// history: a row per history entry, newest first, empty layers at 0B and
// the others matched with their layers in order; an image without history
// gets a row per layer; docker's size units.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { humanSize } from '../../src/cli/berth/history.ts';
import { imageHistory } from '../../src/image/history.ts';
import { ImageService } from '../../src/image/service.ts';
import { buildImage } from './helpers/images.ts';
import { busyboxRootfs, file } from './helpers/layers.ts';
import { storeBuilt } from './helpers/store.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-history-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('history', () => {
  it('matches non-empty entries with layers, newest first; without history, a row per layer', async () => {
    const svc = new ImageService(join(tmp, 'store'), { snapshotter: 'copy' });
    const img = await buildImage([busyboxRootfs(), [file('x', 'x')]], {
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs /' },
        { created: '2024-01-01T00:00:01Z', created_by: 'CMD ["sh"]', empty_layer: true },
        { created: '2024-01-01T00:00:02Z', created_by: 'COPY x /x', comment: 'buildkit' },
      ],
    });
    await storeBuilt(svc, 'example.com/h:v1', img);
    const rows = await imageHistory(svc, 'example.com/h:v1');
    assert.deepEqual(rows.map((r) => [r.id, r.createdBy, r.size, r.emptyLayer, r.comment]), [
      [img.manifest.config.digest, 'COPY x /x', img.manifest.layers[1].size, false, 'buildkit'],
      ['<missing>', 'CMD ["sh"]', 0, true, ''],
      ['<missing>', 'ADD rootfs /', img.manifest.layers[0].size, false, ''],
    ]);
    const bare = await buildImage([busyboxRootfs(), [file('y', 'y')]]);
    await storeBuilt(svc, 'example.com/bare:v1', bare);
    assert.deepEqual((await imageHistory(svc, 'example.com/bare:v1')).map((r) => r.size), [bare.manifest.layers[1].size, bare.manifest.layers[0].size]);
  });

  it('prints sizes as docker does', () => {
    assert.deepEqual([0, 999, 1000, 13312, 4_261_000, 1_500_000_000].map(humanSize), ['0B', '999B', '1kB', '13.3kB', '4.26MB', '1.5GB']);
  });
});
