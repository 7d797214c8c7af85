/**
 * The lines a job (`sgd-noise exec`) writes to its log for the coordinator, which tails the log file in the shared
 * directory: one JSON object per line after a fixed prefix, so they stand out among whatever else the job prints
 * (library banners, stack traces). The last such line is `done` or `error`.
 *
 * ```text
 * @sgd-noise {"type":"progress","done":3,"total":10,"elapsedMs":812,"metrics":[{"name":"loss","label":"loss","value":0.5}]}
 * @sgd-noise {"type":"error","message":"slow: diverged at iteration 2"}
 * ```
 */

import { z } from 'zod';
import type { ProgressMetric } from './events.ts';

/** The prefix of every protocol line. */
export const JOB_LINE_PREFIX = '@sgd-noise ';

/** One protocol line's content. */
export type JobLine =
  | { type: 'start'; instance: string; key: string; host: string; pid: number; threads: number; gpus?: number; nodeCache: string }
  | { type: 'progress'; done: number; total: number; note?: string; elapsedMs: number; metrics?: ProgressMetric[] }
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
    if (!(value && typeof value === 'object' && typeof value.type === 'string')) return undefined;
    if (value.type !== 'progress' || value.metrics === undefined) return value;
    const { metrics, ...rest } = value;
    const valid = progressMetricsOf(metrics);
    return valid ? { ...rest, metrics: valid } : rest;
  } catch {
    return undefined;
  }
}

/** One metric as a log line holds it: JSON writes a NaN or an infinite value as null. */
const METRIC_LINE = z.object({ name: z.string(), label: z.string(), value: z.number().nullable(), format: z.literal('percent').optional() });

/** The metrics of a progress line if they are well formed (null values read as NaN), else undefined (dropped). */
function progressMetricsOf(raw: unknown): ProgressMetric[] | undefined {
  const parsed = z.array(METRIC_LINE).safeParse(raw);
  if (!parsed.success || parsed.data.length === 0) return undefined;
  return parsed.data.map(({ value, format, ...m }) => ({ ...m, value: value ?? Number.NaN, ...(format ? { format } : {}) }));
}
