// The image library's entry point: one root directory holding the content
// store, image names, leases and snapshots, and the operations on them.

import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { RegistryClient, type ClientOptions } from './registry/client.ts';
import { ContentStore } from './store/content.ts';
import { resolveLimits, type UnpackLimits } from './limits.ts';
import { ImageStore } from './store/images.ts';
import { LeaseStore } from './store/leases.ts';
import { CopySnapshotter } from './snapshot/copy.ts';
import { OverlaySnapshotter, overlaySupported } from './snapshot/overlay.ts';
import type { Snapshotter } from './snapshot/snapshotter.ts';

export interface ServiceOptions {
  /** overlay where the kernel has it (and we are root), else copy. */
  snapshotter?: 'overlay' | 'copy' | 'auto';
  registry?: ClientOptions;
  /** How far one layer may unpack (default: limits.ts's, from the store's free space); a pull or load may set its own. */
  unpackLimits?: Partial<UnpackLimits>;
  /** Told of what is skipped rather than refused (a layer's xattrs of other namespaces). Default: process.emitWarning. */
  warn?: (msg: string) => void;
}

export class ImageService {
  readonly root: string;
  readonly content: ContentStore;
  readonly images: ImageStore;
  readonly leases: LeaseStore;
  readonly snapshots: Snapshotter;
  readonly registry: RegistryClient;
  readonly warn: (msg: string) => void;
  private readonly limits?: Partial<UnpackLimits>;

  constructor(root: string, opts: ServiceOptions = {}) {
    this.root = root;
    mkdirSync(root, { recursive: true });
    this.content = new ContentStore(join(root, 'content'));
    this.images = new ImageStore(root);
    this.leases = new LeaseStore(root);
    const kind = opts.snapshotter === 'auto' || !opts.snapshotter ? (overlaySupported() ? 'overlay' : 'copy') : opts.snapshotter;
    this.snapshots = kind === 'overlay' ? new OverlaySnapshotter(join(root, 'snapshots', 'overlay')) : new CopySnapshotter(join(root, 'snapshots', 'copy'));
    this.registry = new RegistryClient(opts.registry);
    this.limits = opts.unpackLimits;
    this.warn = opts.warn ?? ((msg) => process.emitWarning(msg));
  }

  /** The limits of an unpack now: the defaults for the store's free space, the service's, then the call's own. */
  unpackLimits(own?: Partial<UnpackLimits>): UnpackLimits {
    return resolveLimits(this.snapshots.root, this.limits, own);
  }
}
