// While a foreground container runs, signals sent to runts go to the container.
// From a terminal, SIGINT and SIGQUIT already reach the container's process
// group (the executor relays them), so runts only ignores those.

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGQUIT'];

export function forwardSignals(pid: number): () => void {
  const fromTty = process.stdin.isTTY;
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      if (fromTty && (sig === 'SIGINT' || sig === 'SIGQUIT')) return;
      try {
        process.kill(pid, sig);
      } catch {
        // The container already exited.
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
