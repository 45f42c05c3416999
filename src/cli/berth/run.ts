// berth run: create and start; in the foreground, attached to the monitor
// (output, stdin with -i, the terminal with -t) until the container exits,
// whose status becomes berth's.

import type { Berth } from '../../engine/berth.ts';
import { attach, type Attached } from '../../runtime/attach.ts';
import { parseRunArgs } from './run-flags.ts';
import type { Context } from './context.ts';

export default async function (ctx: Context, argv: string[]): Promise<number> {
  const req = parseRunArgs(argv);
  const berth = await ctx.engine();
  const onPull = req.quiet ? undefined : (image: string) => process.stderr.write(`Unable to find image '${image}' locally\n`);
  if (req.detach) {
    const id = await berth.run(req.config, { pull: req.pull, onPull });
    ctx.out(`${id}\n`);
    return 0;
  }
  let attached: Attached | undefined;
  const id = await berth.run(req.config, {
    pull: req.pull,
    onPull,
    created: async (monitorDir) => {
      attached = await attach(monitorDir, (stream, data) => (stream === 'stdout' ? process.stdout : process.stderr).write(data));
    },
  });
  return foreground(berth, id, attached!, !!req.config.openStdin, !!req.config.tty);
}

/** Relays the terminal and signals until the container exits; its status. */
export async function foreground(berth: Berth, id: string, a: Attached, stdin: boolean, tty: boolean): Promise<number> {
  const raw = tty && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const resize = () => a.resize(process.stdout.rows ?? 24, process.stdout.columns ?? 80);
  // process.stdin and process.stdout are touched only when used: making them loads
  // streams, a few ms of a run whose container reads nothing and writes little.
  const resizing = tty && process.stdout.isTTY;
  if (resizing) {
    resize();
    process.stdout.on('resize', resize);
  }
  if (stdin) {
    process.stdin.on('data', (d: Buffer) => a.write(d));
    process.stdin.on('end', () => a.closeStdin());
  }
  // --sig-proxy, Docker's default: what the CLI is sent goes to the container.
  const proxy = (sig: NodeJS.Signals) => {
    try {
      berth.signal(id, sig);
    } catch {
      // gone already
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  for (const s of signals) process.on(s, proxy);
  try {
    const exit = await a.exit;
    await berth.cleanup(id);
    if (exit) return exit.status;
    return await berth.wait(id);
  } finally {
    for (const s of signals) process.off(s, proxy);
    if (raw) process.stdin.setRawMode(false);
    if (resizing) process.stdout.off('resize', resize);
    if (stdin || raw) {
      process.stdin.pause();
      process.stdin.unref?.();
    }
    a.socket.destroy();
  }
}
