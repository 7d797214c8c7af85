/**
 * How large a plan may grow before it is refused: planning costs time and memory per stage instance, so a sweep of
 * 10⁵ points (or a setting that multiplies instances) is refused at once, from its count, instead of running for
 * minutes into an out-of-memory abort. `--max-instances N` raises the limit.
 *
 * ```ts
 * checkPlanSize(4_800_000, DEFAULT_MAX_INSTANCES, () => "the sweep's 100000 points × 48 stage instances make 4800000", 'sweep fewer values');
 * // PlanSizeError: the sweep's 100000 points × 48 stage instances make 4800000, over the limit of 50000 (planning …
 * ```
 */
import { UsageError } from './errors.ts';

/**
 * The most stage instances one command plans unless `--max-instances` says otherwise (a sweep counts its points ×
 * the instances per point, since every point is planned in full before the points are merged). Measured on the
 * sgd-noise project (bench/plan-size.ts; docs/sweeps.md): about 0.1 ms of CPU and 10 KiB per instance in a
 * `dag` or a dry-run, so 50,000 plan in about 5 s and 0.5 GB; its largest profile has 158 instances, so this allows
 * sweeps of some 300 points of it.
 */
export const DEFAULT_MAX_INSTANCES = 50_000;

/** What planning one stage instance costs in a `dag` or a dry-run, measured (docs/sweeps.md): CPU ms and KiB of memory. */
export const PLAN_COST_PER_INSTANCE = { ms: 0.1, kib: 10 } as const;

/** A plan larger than the limit: a usage error (exit 2), raised before the plan is built. */
export class PlanSizeError extends UsageError {}

/**
 * Throws a {@link PlanSizeError} when `count` instances exceed `limit`. `what` says where the count comes from and
 * states it (`the sweep's 1000 points × 48 stage instances per point make 48000 instances`), `fix` how to plan fewer.
 */
export function checkPlanSize(count: number, limit: number, what: () => string, fix: string): void {
  if (count <= limit) return;
  throw new PlanSizeError(
    `${what()}, over the limit of ${limit} (planning them would take about ${planCost(count)}); ${fix}, or raise the limit with --max-instances N`,
  );
}

/** The estimated time and memory of planning `count` instances, in words (`8 min and 46 GiB`). */
export function planCost(count: number): string {
  const seconds = (count * PLAN_COST_PER_INSTANCE.ms) / 1000;
  const gib = (count * PLAN_COST_PER_INSTANCE.kib) / 2 ** 20;
  const time = seconds < 90 ? `${Math.max(1, Math.round(seconds))} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
  const memory = gib < 1 ? `${Math.max(1, Math.round(gib * 1024))} MiB` : `${Math.round(gib)} GiB`;
  return `${time} and ${memory}`;
}

/** Parses `--max-instances N`: a positive integer, else a usage error naming the option. */
export function parseMaxInstances(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `--max-instances: expected a positive integer (the most stage instances to plan, default ${DEFAULT_MAX_INSTANCES}), received '${text}'`,
    );
  }
  return n;
}
