/** The local plugin, the default: each isolated instance runs in a child process on this machine (executor.ts). */
import { localExecutor } from '../executor.ts';
import type { ExecutorPlugin } from './plugin.ts';

/** `--executor local`: child processes here, under the run's core and GPU budgets (`--jobs`, `--gpus`). */
export const localPlugin: ExecutorPlugin = {
  name: 'local',
  summary: 'child processes here',
  options: [],
  create: (ctx) => localExecutor(ctx.projectModule),
};
