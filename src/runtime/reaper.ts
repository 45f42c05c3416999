// Exit statuses of the processes this runtime starts through the host addon.
// Node reaps only the children it spawned itself, so ours are collected here:
// on SIGCHLD each awaited pid is polled with waitpid(WNOHANG). While any is
// awaited a timer keeps the event loop alive (as a ChildProcess handle does)
// and doubles as a safety net: it polls once a second.

import { hostCalls } from './native.ts';

const awaited = new Map<number, (code: number) => void>();
let timer: NodeJS.Timeout | undefined;

function poll(): void {
  for (const [pid, done] of awaited) {
    const code = hostCalls().reap(pid);
    if (code === null) continue;
    awaited.delete(pid);
    done(code);
  }
  if (awaited.size === 0 && timer) {
    clearInterval(timer);
    timer = undefined;
    process.off('SIGCHLD', poll);
  }
}

/** Resolves with the child's exit code, or 128 + the signal that ended it. */
export function exitOf(pid: number): Promise<number> {
  return new Promise((resolve) => {
    awaited.set(pid, resolve);
    if (!timer) {
      process.on('SIGCHLD', poll);
      timer = setInterval(poll, 1000);
    }
    // It may have exited before the handler was there: that SIGCHLD is gone.
    poll();
  });
}
