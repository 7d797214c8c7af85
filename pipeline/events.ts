/** The events a pipeline run emits; progress displays, logs and tests all consume this one stream. */

/**
 * A number a stage reports with its progress (`ctx.progress(done, total, note, metrics)`), such as its latest training
 * loss: the engine only carries and shows it, as `label value`. Example: `{name: 'testAccuracy', label: 'test acc',
 * value: 0.662, format: 'percent'}` shows as `test acc 66.2%`.
 */
export interface ProgressMetric {
  /** A stable name for machine readers (`run --progress json`), e.g. `trainLoss`. */
  name: string;
  /** What displays print before the value, e.g. `loss`. */
  label: string;
  value: number;
  /** `percent`: a fraction shown as a percentage (0.662 → 66.2%); absent: the number, 3 significant digits. */
  format?: 'percent';
}

/** Why an instance was not taken from the cache. */
export type RunReason = 'missing' | 'forced' | 'corrupt';

/** One event of a run. */
export type RunEvent =
  | { type: 'plan'; instances: string[]; jobs: number }
  /** Taken from the cache: the local one, or pulled from the remote (verified, then imported; `blobs`/`bytes` fetched). */
  | { type: 'hit'; instance: string; key: string; from: 'local' | 'remote'; blobs?: number; bytes?: number }
  /** An entry that failed verification, in the local cache or in the remote; it is recomputed. */
  | { type: 'corrupt'; instance: string; key: string; reason: string; where: 'local' | 'remote' }
  /** `executor`: the name of the executor that runs an isolated instance elsewhere (e.g. `slurm`); absent: locally. */
  | { type: 'start'; instance: string; key: string; reason: RunReason; where: 'inline' | 'child'; threads?: number; gpus?: number; executor?: string }
  /** A job of a non-local executor changed state (submitted and waiting, running, ended); `attempt` counts from 1. */
  | { type: 'job'; instance: string; jobId: string; state: JobPhase; detail: string; attempt: number }
  /** `metrics`: the stage's latest numbers (see {@link ProgressMetric}), when it reports any. */
  | { type: 'progress'; instance: string; done: number; total: number; note?: string; elapsedMs: number; metrics?: ProgressMetric[] }
  | { type: 'log'; instance: string; message: string }
  | { type: 'done'; instance: string; key: string; durationMs: number }
  | { type: 'published'; instance: string; file: string }
  /** A computed entry uploaded to the remote (`already`: the remote had it, nothing was written). */
  | { type: 'pushed'; instance: string; key: string; blobs: number; bytes: number; already: boolean }
  /** Reading from or writing to the remote failed; the local cache is unaffected and the run ends not ok. */
  | { type: 'remote-failed'; instance: string; key: string; op: 'pull' | 'push'; error: string }
  | { type: 'failed'; instance: string; error: string }
  | { type: 'skipped'; instance: string; because: string[] }
  | { type: 'cancelled'; instance: string }
  | { type: 'finished'; summary: RunSummary };

/** The phase of an executor's job: waiting in the queue, running, finished with its entry stored, or ended otherwise. */
export type JobPhase = 'queued' | 'running' | 'done' | 'failed';

/** What happened to every instance of a run. */
export interface RunSummary {
  hits: string[];
  /** Of the hits, those pulled from the remote. */
  pulled: string[];
  /** Instances computed and uploaded to the remote. */
  pushed: string[];
  /** Failed pulls and pushes (each makes `ok` false; the entries stay in the local cache). */
  remoteFailed: { instance: string; op: 'pull' | 'push'; error: string }[];
  ran: string[];
  /** Instances that ran (or were cached) without some optional inputs, whose upstream failed or was skipped. */
  partial: { instance: string; missing: string[] }[];
  failed: { instance: string; error: string }[];
  skipped: { instance: string; because: string[] }[];
  cancelled: string[];
  wallMs: number;
  ok: boolean;
}
