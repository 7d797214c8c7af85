/**
 * The lines a job (`sgd-noise exec`) writes to its log for the coordinator, which tails the log file in the shared
 * directory: one JSON object per line after a fixed prefix, so they stand out among whatever else the job prints
 * (library banners, stack traces). The last such line is `done` or `error`.
 *
 * ```text
 * @sgd-noise {"type":"progress","done":3,"total":10,"elapsedMs":812}
 * @sgd-noise {"type":"error","message":"slow: diverged at iteration 2"}
 * ```
 */

/** The prefix of every protocol line. */
export const JOB_LINE_PREFIX = '@sgd-noise ';

/** One protocol line's content. */
export type JobLine =
  | { type: 'start'; instance: string; key: string; host: string; pid: number; threads: number; gpus?: number; nodeCache: string }
  | { type: 'progress'; done: number; total: number; note?: string; elapsedMs: number }
  | { type: 'log'; message: string }
  | { type: 'done'; key: string; pushed: boolean }
  | { type: 'error'; message: string };

/** The text of one protocol line (with its newline). */
export function formatJobLine(line: JobLine): string {
  return `${JOB_LINE_PREFIX}${JSON.stringify(line)}\n`;
}

/** The protocol content of a log line, or undefined for any other line (or a damaged one). */
export function parseJobLine(text: string): JobLine | undefined {
  if (!text.startsWith(JOB_LINE_PREFIX)) return undefined;
  try {
    const value = JSON.parse(text.slice(JOB_LINE_PREFIX.length)) as JobLine;
    return value && typeof value === 'object' && typeof value.type === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
