// The foreground side of run, start -a and attach: the container's output
// to ours, our stdin to it (raw, with -t, and resized with our terminal),
// signals proxied, until it exits (its status) or the detach keys are typed
// (0, the container left running).

import type { Berth } from '../../engine/berth.ts';
import type { AttachSession } from '../../engine/containers/attach.ts';
import { DetachMatcher } from './detach-keys.ts';

export interface RelayOptions {
  /** Relay our stdin (the container was created with openStdin). */
  stdin: boolean;
  tty: boolean;
  /** The detach sequence (parseDetachKeys); absent, none. */
  detachKeys?: Buffer;
  /** Signals sent to berth go to the container (Docker's default; not with a tty, whose keys reach it as bytes). */
  sigProxy?: boolean;
}

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Makes process.stdout and stderr, which the runtime makes on first use (a few ms):
 * a foreground run does it while its container is being made, not once it runs. */
export function prepareOutputs(): void {
  void [process.stdout, process.stderr];
}

export async function relay(berth: Berth, id: string, s: AttachSession, opts: RelayOptions): Promise<number> {
  s.stdout.pipe(process.stdout, { end: false });
  s.stderr.pipe(process.stderr, { end: false });
  const raw = opts.tty && opts.stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const resize = () => s.resize(process.stdout.rows ?? 24, process.stdout.columns ?? 80);
  const resizing = opts.tty && process.stdout.isTTY;
  if (resizing) {
    resize();
    process.stdout.on('resize', resize);
  }
  let detached!: () => void;
  const detach = new Promise<'detached'>((res) => (detached = () => res('detached')));
  const matcher = opts.detachKeys && new DetachMatcher(opts.detachKeys);
  const onData = (d: Buffer) => {
    if (!matcher) return void s.stdin.write(d);
    const { forward, detach: now } = matcher.push(d);
    if (forward.length) s.stdin.write(forward);
    if (now) detached();
  };
  const onEnd = () => s.stdin.end();
  if (opts.stdin) {
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  }
  const proxy = (sig: NodeJS.Signals) => {
    try {
      berth.signal(id, sig);
    } catch {
      // gone already
    }
  };
  const signals = (opts.sigProxy ?? !opts.tty) ? PROXIED : [];
  for (const sig of signals) process.on(sig, proxy);
  try {
    const ended = await Promise.race([s.exit, detach]);
    if (ended === 'detached') return 0;
    // The last output is in the streams still: out before berth exits.
    const { finished } = process.getBuiltinModule('node:stream/promises');
    await Promise.all([finished(s.stdout), finished(s.stderr)]).catch(() => {});
    // The monitor's exit command, run as the container exited, deletes the files.
    await berth.cleanup(id, { deferRemoval: true });
    return ended ?? (await berth.wait(id));
  } finally {
    for (const sig of signals) process.off(sig, proxy);
    if (raw) process.stdin.setRawMode(false);
    if (resizing) process.stdout.off('resize', resize);
    if (opts.stdin) {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
      process.stdin.unref?.();
    }
    s.detach();
  }
}
