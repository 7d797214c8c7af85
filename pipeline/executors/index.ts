/**
 * Every executor plugin, one line each; the first is the default. Adding an executor is its plugin module (plugin.ts
 * says what it declares; a batch scheduler implements batch.ts's BatchScheduler) plus one line here.
 */
import { localPlugin } from './local.ts';
import type { ExecutorPlugin } from './plugin.ts';
import { slurmPlugin } from './slurm/plugin.ts';

/** The executors `run --executor NAME` knows. */
export const EXECUTORS: readonly ExecutorPlugin[] = [localPlugin, slurmPlugin];
