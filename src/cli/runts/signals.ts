// While a foreground container runs, signals sent to runts go to the
// container. Handlers go in before the container starts: a signal that
// arrives while it is being set up is held and delivered once its pid is
// known. From a terminal, SIGINT and SIGQUIT already reach the container's
// process group (the executor relays them), so runts only ignores those.

import { hostCalls } from '../../runtime/native.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGQUIT'];

export interface Forwarder {
  /** Starts delivering to pid, including signals held so far. */
  target(pid: number): void;
  stop(): void;
}

export function forwardSignals(): Forwarder {
  // Not process.stdin (a stream, about 2 ms to build) nor node:tty (which loads node:net).
  const fromTty = hostCalls().isatty(0);
  let pid = 0;
  const held: NodeJS.Signals[] = [];
  const deliver = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // The container already exited.
    }
  };
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      if (fromTty && (sig === 'SIGINT' || sig === 'SIGQUIT')) return;
      if (pid) deliver(sig);
      else held.push(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    target(p) {
      pid = p;
      for (const sig of held.splice(0)) deliver(sig);
    },
    stop() {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
