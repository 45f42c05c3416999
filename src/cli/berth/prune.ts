import { collect } from '../../image/gc.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context): Promise<number> {
  const r = await collect(ctx.service());
  ctx.out(`removed ${r.blobs} blobs (${r.bytes} bytes) and ${r.snapshots} snapshots\n`);
  return 0;
}
