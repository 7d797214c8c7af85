/**
 * Where an isolated stage instance runs. The runner (the RxJS DAG) decides *what* runs and when: an instance whose
 * inputs are ready and that is not cached. An {@link Executor} decides *where*: the local one starts a child process
 * on this machine (today's behaviour, under the runner's core budget); the Slurm one (slurm/executor.ts) submits one
 * batch job per instance; a job queue or Kubernetes jobs would be one more implementation of the same interface.
 *
 * Contract: `run` resolves once the instance's entry is committed in the runner's local cache (a remote executor
 * pulls it there, verified, from the shared remote), and rejects with a `StageFailure` naming what went wrong
 * otherwise, or with the signal's reason when `hooks.signal` aborts (the executor then stops whatever it started).
 * Retries, polling and cancellation are the executor's business; the DAG, caching, skipping and pushing stay in the
 * runner. Every executor runs the same engine code for the stage (`executeStage`), so results are byte-identical.
 *
 * ```ts
 * const executor: Executor = localExecutor('/abs/pipeline.config.ts');
 * await executor.run({ node, config, cacheDir, threads: 1, run: { profile: 'quick', overrides: [] } }, hooks);
 * ```
 */
import { runInChild } from './child.ts';
import type { JobPhase } from './events.ts';
import type { ExecHooks } from './execute.ts';
import type { PlanNode } from './plan.ts';
import type { RunFacts } from './stage.ts';

/** One isolated instance to run. */
export interface ExecutorJob {
  node: PlanNode;
  /** The node's whole config (its sweep point's, else the run's; a local child rebuilds the plan from it). */
  config: Record<string, unknown>;
  /** The runner's local cache directory; `run` resolves once the entry is committed there. */
  cacheDir: string;
  /** Threads granted (local: cores from the budget; remote: what the executor asks its scheduler for). */
  threads: number;
  /** GPUs granted (local: from the runner's GPU budget; remote: the stage's `gpus`); default 0. */
  gpus?: number;
  run: RunFacts;
}

/** A job's state change, for progress displays and `status`. */
export interface JobReport {
  jobId: string;
  state: JobPhase;
  /** The scheduler's own words: `PENDING (Priority)`, `FAILED, exit code 1`, … */
  detail: string;
  attempt: number;
}

/** Hooks of an executor's job: the stage's hooks plus job state changes. */
export interface ExecutorHooks extends ExecHooks {
  job?(report: JobReport): void;
}

/** Runs isolated stage instances somewhere. */
export interface Executor {
  /** For messages and the `start` event (`local`, `slurm`). */
  readonly name: string;
  /** Whether its jobs use this machine's cores, and so the runner's core budget (`--jobs`). */
  readonly usesLocalCores: boolean;
  /** Threads a job of `node` gets when the executor does not use the local budget (what it asks its scheduler for). */
  threadsFor?(node: PlanNode, config: Record<string, unknown>): number;
  /** GPUs a job of `node` gets when the executor does not use the local budget (default: the stage's `gpus`). */
  gpusFor?(node: PlanNode, config: Record<string, unknown>): number;
  /** Runs one instance; see the module comment for the contract. */
  run(job: ExecutorJob, hooks: ExecutorHooks): Promise<void>;
  /** Stops timers and waits for pending cancellations (called once the run has finished). */
  close?(): Promise<void>;
  /**
   * Stops watching its jobs WITHOUT cancelling them, so that a later run adopts them (synchronous: the process ends
   * right after). For a coordinator that is itself a batch job and is being ended by its scheduler.
   */
  leave?(): void;
}

/** Today's executor: a child Node process on this machine per instance (pipeline/child.ts). */
export function localExecutor(projectModule: string): Executor {
  return {
    name: 'local',
    usesLocalCores: true,
    run: (job, hooks) =>
      runInChild(
        {
          projectModule,
          config: job.config,
          instance: job.node.instance,
          ...(job.node.planned ? { planInstance: job.node.planned.instance } : {}),
          key: job.node.key,
          cacheDir: job.cacheDir,
          run: job.run,
          threads: job.threads,
          gpus: job.gpus ?? 0,
        },
        hooks,
      ),
  };
}
