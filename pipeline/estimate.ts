/**
 * The `run --dry-run` estimate: each stage instance to run declares counts of named operations (`StageSpec.cost`),
 * the project measures milliseconds per unit of each (`Project.measureCosts`), and the estimate of an instance is
 * Σ_op count(op) · ms(op). Cached instances cost 0; instances whose stage declares no cost, or counts an operation
 * that was not measured, have no estimate and are counted apart. Knows nothing of what the operations are.
 *
 * Wall time: every stage instance is single-threaded and the runner starts ready instances greedily, up to --jobs
 * at once, so with total CPU time T and critical path C (the longest chain of dependent instances, by estimate) the
 * wall time W of `--jobs J` satisfies max(C, T/J) ≤ W ≤ T/J + C (Graham's bound for greedy list scheduling).
 */
import { CHILD_START_OP } from './child-cost.ts';
import { getPath, hasPath } from './config.ts';
import { nodeConfig, type Plan } from './plan.ts';
import type { ConfigReader } from './stage.ts';

/** What the dry-run will do with an instance. */
export type DryRunAction = 'run' | 'run (forced)' | 'cached';

/** One instance of the dry-run with its estimate. */
export interface RowEstimate {
  instance: string;
  action: DryRunAction;
  /** The stage's operation counts (null: the stage declares no cost; cached instances are not counted). */
  counts: Record<string, number> | null;
  /** Estimated CPU milliseconds (0 when cached, null when unknown). */
  estimatedMs: number | null;
  /** Why there is no estimate, when there is none. */
  missing?: string;
}

/** The whole estimate. */
export interface PlanEstimate {
  rows: RowEstimate[];
  /** Sum of the known estimates. */
  totalMs: number;
  /** Instances to run, and those of them without an estimate. */
  toRun: number;
  withoutEstimate: string[];
  cached: number;
  /** Total by the first segment of the stage id (`fashion.probe` → `fashion`). */
  byGroup: Record<string, number>;
  /** Longest chain of dependent instances to run, by estimate (unknown estimates count 0). */
  criticalPathMs: number;
  jobs: number;
  /** Bounds on the wall time with `jobs` instances at once: max(C, T/J) and T/J + C. */
  wallMs: { lower: number; upper: number };
  /** Milliseconds per unit of each operation used (empty when nothing was measured). */
  costs: Record<string, number>;
  /** The `costNote` of each stage with an instance to run, by stage id. */
  notes: Record<string, string>;
  /** What the costs were measured on (the project's line, e.g. `backend webgpu on NVIDIA H100 (nvidia, hopper)`). */
  measuredOn?: string;
  /** The clock of the costs: `cpu` (CPU time, the default) or `wall` (wall-clock time, a GPU backend). */
  clock: 'cpu' | 'wall';
}

/** Where and how the costs were measured (Project.measureCosts's `measuredOn` and `clock`). */
export interface MeasuredOn {
  readonly measuredOn?: string;
  readonly clock?: 'cpu' | 'wall';
}

/** A reader of the whole resolved configuration (cost counts may read sizes a stage gets through its inputs). */
export function configReader(config: Record<string, unknown>): ConfigReader {
  return <T>(p: string) => {
    if (!hasPath(config, p)) throw new Error(`cost: config key '${p}' does not exist`);
    return getPath(config, p) as T;
  };
}

/**
 * Each instance to run's operation counts (null when its stage declares no cost), with one `engine.child` (the
 * child process's start) added for isolated stages; errors name the instance.
 */
export function operationCounts(
  plan: Plan,
  rows: readonly { instance: string; action: DryRunAction }[],
  config: Record<string, unknown>,
): Map<string, Record<string, number> | null> {
  const out = new Map<string, Record<string, number> | null>();
  for (const { instance, action } of rows) {
    if (action === 'cached') continue;
    const node = plan.nodes.get(instance);
    if (!node) throw new Error(`estimate: ${instance} is not in the plan`);
    if (!node.stage.cost) {
      out.set(instance, null);
      continue;
    }
    let counts: Record<string, number>;
    try {
      counts = node.stage.cost(node.params, configReader(nodeConfig(node, config)));
    } catch (err) {
      throw new Error(`${instance}: its cost() failed: ${(err as Error).message}`);
    }
    for (const [op, n] of Object.entries(counts)) {
      if (!Number.isFinite(n) || n < 0) throw new Error(`${instance}: cost() counts ${n} of '${op}' (expected a finite count ≥ 0)`);
    }
    out.set(instance, node.stage.isolate ? { ...counts, [CHILD_START_OP]: (counts[CHILD_START_OP] ?? 0) + 1 } : counts);
  }
  return out;
}

/** Every operation any of the counts uses, sorted. */
export function neededOperations(counts: ReadonlyMap<string, Record<string, number> | null>): Set<string> {
  return new Set([...counts.values()].flatMap((c) => (c ? Object.keys(c).filter((op) => c[op]! > 0) : [])).sort());
}

/**
 * Multiplies and sums. `costs` null means nothing was measured (every instance to run is then without estimate).
 * Example: `estimatePlan(plan, rows, operationCounts(plan, rows, config), {'op': 2.5}, 2).totalMs`.
 */
export function estimatePlan(
  plan: Plan,
  rows: readonly { instance: string; action: DryRunAction }[],
  counts: ReadonlyMap<string, Record<string, number> | null>,
  costs: Record<string, number> | null,
  jobs: number,
  about: MeasuredOn = {},
): PlanEstimate {
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`estimate: jobs must be a positive integer, got ${jobs}`);
  const out: RowEstimate[] = rows.map(({ instance, action }) => {
    if (action === 'cached') return { instance, action, counts: null, estimatedMs: 0 };
    const c = counts.get(instance) ?? null;
    if (c === null) return { instance, action, counts: null, estimatedMs: null, missing: 'its stage declares no cost' };
    if (costs === null) return { instance, action, counts: c, estimatedMs: null, missing: 'costs were not measured' };
    const unmeasured = Object.keys(c).filter((op) => c[op]! > 0 && !(Number.isFinite(costs[op]) && costs[op]! >= 0));
    if (unmeasured.length) return { instance, action, counts: c, estimatedMs: null, missing: `not measured: ${unmeasured.join(', ')}` };
    const ms = Object.entries(c).reduce((a, [op, n]) => a + (n > 0 ? n * costs[op]! : 0), 0);
    return { instance, action, counts: c, estimatedMs: ms };
  });
  const totalMs = out.reduce((a, r) => a + (r.estimatedMs ?? 0), 0);
  const byGroup: Record<string, number> = {};
  for (const r of out) {
    if (r.action === 'cached') continue;
    const group = plan.nodes.get(r.instance)!.stage.id.split('.')[0]!;
    byGroup[group] = (byGroup[group] ?? 0) + (r.estimatedMs ?? 0);
  }
  const criticalPathMs = criticalPath(plan, out);
  const used = new Set(out.flatMap((r) => (r.counts ? Object.keys(r.counts) : [])));
  const notes: Record<string, string> = {};
  for (const r of out) {
    const stage = plan.nodes.get(r.instance)!.stage;
    if (r.action !== 'cached' && stage.costNote) notes[stage.id] = stage.costNote;
  }
  return {
    rows: out,
    totalMs,
    toRun: out.filter((r) => r.action !== 'cached').length,
    withoutEstimate: out.filter((r) => r.estimatedMs === null).map((r) => r.instance),
    cached: out.filter((r) => r.action === 'cached').length,
    byGroup,
    criticalPathMs,
    jobs,
    wallMs: { lower: Math.max(criticalPathMs, totalMs / jobs), upper: totalMs / jobs + criticalPathMs },
    costs: Object.fromEntries(
      Object.entries(costs ?? {})
        .filter(([op]) => used.has(op))
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    notes,
    ...(about.measuredOn ? { measuredOn: about.measuredOn } : {}),
    clock: about.clock ?? 'cpu',
  };
}

/** Longest path through the rows' instances (plan order is topological); each instance weighs its estimate. */
function criticalPath(plan: Plan, rows: readonly RowEstimate[]): number {
  const weight = new Map(rows.map((r) => [r.instance, r.estimatedMs ?? 0]));
  const finish = new Map<string, number>();
  let longest = 0;
  for (const id of plan.order) {
    if (!weight.has(id)) continue;
    const before = Object.values(plan.nodes.get(id)!.deps).reduce((a, d) => Math.max(a, finish.get(d) ?? 0), 0);
    const end = before + weight.get(id)!;
    finish.set(id, end);
    longest = Math.max(longest, end);
  }
  return longest;
}

/** A duration for estimates: `850ms`, `12.3s`, `4m05s`, `3h07m`, `2d04h`, `13 years` (of 365.25 days, from 2 years on). */
export function formatEstimate(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) {
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  }
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  if (hours < 2 * 8766) return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
  return `${Math.round(hours / 8766)} years`;
}

/**
 * The dry-run's summary lines: total, what the costs were measured on, per group, what lacks an estimate, the stages'
 * notes, and the wall-time bounds.
 */
export function estimateSummary(e: PlanEstimate): string[] {
  const what = e.clock === 'wall' ? 'time (wall clock)' : 'CPU time';
  const lines = [`estimated ${what}: ${formatEstimate(e.totalMs)} for ${e.toRun} instance(s) to run (${e.cached} cached, counted 0)`];
  if (e.measuredOn) lines.push(`  measured on: ${e.measuredOn}`);
  const groups = Object.entries(e.byGroup).filter(([, ms]) => ms > 0);
  if (groups.length) lines.push(`  by experiment: ${groups.map(([g, ms]) => `${g} ${formatEstimate(ms)}`).join(', ')}`);
  if (e.withoutEstimate.length) lines.push(`  ${e.withoutEstimate.length} instance(s) without an estimate (not in the total): ${e.withoutEstimate.join(', ')}`);
  for (const [stage, note] of Object.entries(e.notes)) lines.push(`  ${stage}: ${note}`);
  if (e.clock === 'wall') lines.push('  instances that use the GPU share it: their wall time adds up whatever --jobs is');
  lines.push(
    `  wall time with --jobs ${e.jobs}: between ${formatEstimate(e.wallMs.lower)} (the larger of the critical path ${formatEstimate(e.criticalPathMs)} ` +
      `and total/${e.jobs}) and ${formatEstimate(e.wallMs.upper)} (total/${e.jobs} + critical path)`,
  );
  return lines;
}
