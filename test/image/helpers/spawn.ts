// A child process run to its end without blocking the event loop: for commands
// that talk to a proxy or registry living in the test's own process.

import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runAsync(cmd: string, args: string[]): Promise<Ran> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}
