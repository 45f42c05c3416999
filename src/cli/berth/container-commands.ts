// The container verbs, which berth takes both bare (`berth stop`) and in
// Docker's management form (`berth container stop`): one table for both.

import type { Command } from './context.ts';

export type Loader = () => Promise<{ default: Command }>;

export const CONTAINER_COMMANDS: Record<string, Loader> = {
  run: () => import('./run.ts'),
  create: () => import('./create.ts'),
  start: () => import('./start.ts'),
  stop: () => import('./stop.ts'),
  restart: () => import('./restart.ts'),
  kill: () => import('./kill.ts'),
  rm: () => import('./rm.ts'),
  wait: () => import('./wait.ts'),
  ps: () => import('./ps.ts'),
  logs: () => import('./logs.ts'),
  inspect: () => import('./inspect.ts'),
  exec: () => import('./exec.ts'),
  attach: () => import('./attach.ts'),
  pause: () => import('./pause.ts'),
  unpause: () => import('./unpause.ts'),
  top: () => import('./top.ts'),
  stats: () => import('./stats.ts'),
  cp: () => import('./cp.ts'),
  port: () => import('./port.ts'),
  rename: () => import('./rename.ts'),
  diff: () => import('./diff.ts'),
  export: () => import('./export.ts'),
  commit: () => import('./commit.ts'),
};
