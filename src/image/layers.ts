// Getting an image's layers into the content store and the snapshotter.
// With overlay, every layer is unpacked while it downloads (the verified
// bytes are teed into the unpacker) and all layers go in parallel; with the
// copy snapshotter a layer needs its parent, so unpacking follows in order.
// A layer's snapshot is committed only if its blob digest and its diff ID
// (the digest of the uncompressed tar) both verify.

import type { PassThrough } from 'node:stream';
import { LAYER_TYPES, type Descriptor } from '../oci/image-spec.ts';
import { chainIds } from './digest.ts';
import { DigestMismatchError, ManifestError } from './errors.ts';
import type { UnpackLimits } from './limits.ts';
import type { ImageService } from './service.ts';
import type { Lease } from './store/leases.ts';

export interface ProgressEvent {
  id: string;
  phase: 'waiting' | 'downloading' | 'unpacking' | 'exists' | 'done';
  done?: number;
  total?: number;
}

export interface LayerOptions {
  /** Names the image in errors. */
  image: string;
  lease: Lease;
  /** Where a missing blob comes from; without it, a missing blob is an error. */
  fetch?: (desc: Descriptor, offset: number) => AsyncIterable<Buffer>;
  unpack: boolean;
  concurrency?: number;
  progress?: (e: ProgressEvent) => void;
  /** Over the service's unpack limits. */
  limits?: Partial<UnpackLimits>;
}

interface Job {
  index: number;
  desc: Descriptor;
  diffId: string;
  chainId: string;
  parent?: string;
}

async function limit<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    while (queue.length && !errors.length) {
      try {
        await fn(queue.shift()!);
      } catch (e) {
        errors.push(e);
      }
    }
  }));
  if (errors.length) throw errors[0];
}

/** Returns the chain ID of the top layer (the image's rootfs snapshot). */
export async function ensureLayers(svc: ImageService, layers: Descriptor[], diffIds: string[], opts: LayerOptions): Promise<string | undefined> {
  if (layers.length !== diffIds.length) throw new ManifestError(opts.image, `${layers.length} layers but ${diffIds.length} diff IDs in the config`);
  const chain = chainIds(diffIds);
  const jobs: Job[] = layers.map((desc, index) => {
    if (opts.unpack && !LAYER_TYPES.includes(desc.mediaType)) throw new ManifestError(`${opts.image} layer ${desc.digest}`, `unsupported layer media type "${desc.mediaType}"`);
    return { index, desc, diffId: diffIds[index], chainId: chain[index], parent: chain[index - 1] };
  });
  const report = opts.progress ?? (() => undefined);
  const what = (j: Job): string => `${opts.image} layer ${j.index + 1}/${layers.length} (${j.desc.digest})`;
  const snaps = svc.snapshots;
  const limits = svc.unpackLimits(opts.limits);

  const download = async (j: Job, tee?: PassThrough): Promise<void> => {
    opts.lease.addDigest(j.desc.digest);
    if (!opts.fetch && !svc.content.has(j.desc.digest)) throw new ManifestError(what(j), 'blob is not in the content store');
    await svc.content.ingest({ digest: j.desc.digest, size: j.desc.size }, {
      what: what(j),
      tee,
      open: (offset) => opts.fetch!(j.desc, offset),
      progress: (done, total) => report({ id: j.desc.digest, phase: 'downloading', done, total }),
    });
  };

  const commit = (j: Job, src: () => AsyncIterable<Buffer>): Promise<void> => {
    opts.lease.addSnapshot(j.chainId);
    return snaps.commit(j.chainId, what(j), j.parent, async (dir) => {
      // The unpacker (and node:stream, zlib...) is loaded only when a layer is to be unpacked.
      const { unpackLayer } = await import('./unpack.ts');
      const r = await unpackLayer(src(), { target: dir, whiteouts: snaps.whiteouts, what: what(j), limits, warn: svc.warn });
      if (r.diffId !== j.diffId) throw new DigestMismatchError(`${what(j)}: uncompressed content (diff ID)`, j.diffId, r.diffId);
    });
  };

  const one = async (j: Job, streaming: boolean): Promise<void> => {
    const needBlob = !svc.content.has(j.desc.digest);
    const needSnap = opts.unpack && !snaps.has(j.chainId);
    if (!needBlob && !needSnap) {
      opts.lease.addDigest(j.desc.digest);
      report({ id: j.desc.digest, phase: 'exists' });
      return;
    }
    if (needBlob && needSnap && streaming) {
      const tee = new (process.getBuiltinModule('node:stream').PassThrough)({ highWaterMark: 4 << 20 });
      const results = await Promise.allSettled([
        download(j, tee),
        // resume(): if the snapshot appeared meanwhile nobody reads the tee; keep the download flowing.
        commit(j, () => tee).then(() => void tee.resume(), (e) => {
          tee.destroy(e as Error);
          throw e;
        }),
      ]);
      // The unpacker's own error (a bad entry) explains more than "consumer closed".
      const failed = results.find((r, i) => r.status === 'rejected' && i === 1) ?? results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } else {
      if (needBlob) await download(j);
      if (needSnap) {
        report({ id: j.desc.digest, phase: 'unpacking' });
        await commit(j, () => svc.content.stream(j.desc.digest));
      }
    }
    report({ id: j.desc.digest, phase: 'done' });
  };

  const n = opts.concurrency ?? 4;
  jobs.forEach((j) => report({ id: j.desc.digest, phase: 'waiting', total: j.desc.size }));
  if (!opts.unpack || snaps.whiteouts === 'overlay') {
    await limit(jobs, n, (j) => one(j, true));
  } else {
    await limit(jobs.filter((j) => !svc.content.has(j.desc.digest)), n, async (j) => {
      await download(j);
    });
    for (const j of jobs) await one(j, false);
  }
  return chain[chain.length - 1];
}
