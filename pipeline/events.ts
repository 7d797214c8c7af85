/** The events a pipeline run emits; progress displays, logs and tests all consume this one stream. */

/** Why an instance was not taken from the cache. */
export type RunReason = 'missing' | 'forced' | 'corrupt';

/** One event of a run. */
export type RunEvent =
  | { type: 'plan'; instances: string[]; jobs: number }
  | { type: 'hit'; instance: string; key: string }
  | { type: 'corrupt'; instance: string; key: string; reason: string }
  | { type: 'start'; instance: string; key: string; reason: RunReason; where: 'inline' | 'child'; threads?: number }
  | { type: 'progress'; instance: string; done: number; total: number; note?: string; elapsedMs: number }
  | { type: 'log'; instance: string; message: string }
  | { type: 'done'; instance: string; key: string; durationMs: number }
  | { type: 'published'; instance: string; file: string }
  | { type: 'failed'; instance: string; error: string }
  | { type: 'skipped'; instance: string; because: string[] }
  | { type: 'cancelled'; instance: string }
  | { type: 'finished'; summary: RunSummary };

/** What happened to every instance of a run. */
export interface RunSummary {
  hits: string[];
  ran: string[];
  /** Instances that ran (or were cached) without some optional inputs, whose upstream failed or was skipped. */
  partial: { instance: string; missing: string[] }[];
  failed: { instance: string; error: string }[];
  skipped: { instance: string; because: string[] }[];
  cancelled: string[];
  wallMs: number;
  ok: boolean;
}
