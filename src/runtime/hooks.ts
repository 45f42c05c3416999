// Hooks the runtime itself runs, in its own namespaces: prestart,
// createRuntime, poststart, poststop. (createContainer and startContainer run
// inside the container, as executor steps.)

import { HookError } from '../oci/errors.ts';
import type { Hook, HookKind, State } from '../oci/spec.ts';

function envObject(env: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const i = e.indexOf('=');
    out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

export function runHook(kind: HookKind, index: number, hook: Hook, state: State): Promise<void> {
  const args = hook.args?.length ? hook.args : [hook.path];
  // Loaded on first use: most containers have no runtime hooks, and child_process costs ms to load.
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(hook.path, args.slice(1), {
      argv0: args[0],
      env: envObject(hook.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      // A process group of its own: a timeout kills what the hook started too, not only the hook.
      detached: true,
    });
    let timedOut = false;
    // Until 'close': a child left holding the hook's output keeps the operation waiting as much as the hook does.
    const timer = hook.timeout
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            // The whole group is gone already.
          }
        }, hook.timeout * 1000)
      : undefined;
    let output = '';
    const collect = (d: Buffer) => {
      if (output.length < 4096) output += d.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(state));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HookError(kind, index, `${hook.path}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) return resolve();
      const why = timedOut ? `timed out after ${hook.timeout}s` : signal ? `killed by ${signal}` : `exited with status ${code}`;
      reject(new HookError(kind, index, `${hook.path} ${why}${output ? `: ${output.trim()}` : ''}`));
    });
  });
}

/** Runs the hooks of one kind in order; the first failure stops the rest. */
export async function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: State): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) await runHook(kind, i, hook, state);
}

/** For hooks whose failure the spec says only to log (poststart, poststop). */
export async function runHooksWarn(
  kind: HookKind,
  hooks: readonly Hook[] | undefined,
  state: State,
  warn: (msg: string) => void,
): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(kind, i, hook, state);
    } catch (e) {
      warn((e as Error).message);
    }
  }
}
