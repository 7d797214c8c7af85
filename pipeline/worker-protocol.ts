/** Messages between the runner and a worker process (over the IPC channel; results go through the cache). */
import type { ProgressMetric } from './events.ts';
import type { RunFacts } from './stage.ts';

/** What the runner sends a worker: enough to rebuild the plan and find the one instance to run. */
export interface WorkerJob {
  projectModule: string;
  config: Record<string, unknown>;
  instance: string;
  /** In a sweep, the instance's id in the plan rebuilt from `config` (`instance` without its `@label`). */
  planInstance?: string;
  key: string;
  cacheDir: string;
  /** Run facts for the stage context (profile, overrides, the code's commit). */
  run: RunFacts;
  /** Cores the runner granted this instance (its `ctx.threads`). */
  threads: number;
  /** GPUs the runner granted this instance (its `ctx.gpus`). */
  gpus: number;
}

/** What a worker sends back while and after running. */
export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; note?: string; elapsedMs: number; metrics?: ProgressMetric[] }
  | { type: 'log'; message: string }
  | { type: 'done'; key: string }
  | { type: 'error'; message: string };
