/**
 * Scheduling priorities from the stages' cost models: each instance's upward rank, its estimated milliseconds plus
 * the largest upward rank among the instances that depend on it, so the runner starts first what the longest
 * remaining chain of work waits on (list scheduling by critical path; a long stage starts before short siblings).
 * The per-operation costs are measured at the start of a run, in a child process (pipeline/measure-child.ts),
 * while the first stages already run; until they arrive the runner orders by number of dependents.
 */
import { setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHILD_START_OP } from './child-cost.ts';
import { neededOperations, operationCounts } from './estimate.ts';
import { EXIT_WITH_PARENT_OPTIONS } from '../cache/orphan-guard.ts';
import { directDependents, type Plan } from './plan.ts';

/** Upward rank (ms) of every instance of `plan` from per-instance estimates (an instance without one weighs 0). */
export function upwardRanks(plan: Plan, estimateMs: ReadonlyMap<string, number>): Map<string, number> {
  const dependents = directDependents(plan);
  const rank = new Map<string, number>();
  for (const id of [...plan.order].reverse()) {
    const below = Math.max(0, ...(dependents.get(id) ?? []).map((d) => rank.get(d) ?? 0));
    rank.set(id, (estimateMs.get(id) ?? 0) + below);
  }
  return rank;
}

/** Estimated milliseconds per instance: its operation counts times `costs` (instances with unmeasured ops: absent). */
export function instanceEstimates(plan: Plan, config: Record<string, unknown>, costs: Record<string, number>): Map<string, number> {
  const rows = plan.order.map((instance) => ({ instance, action: 'run' as const }));
  const out = new Map<string, number>();
  for (const [id, counts] of operationCounts(plan, rows, config)) {
    if (!counts) continue;
    let ms = 0;
    let known = true;
    for (const [op, n] of Object.entries(counts)) {
      if (n === 0 || op === CHILD_START_OP) continue;
      const c = costs[op];
      if (!(c !== undefined && Number.isFinite(c))) known = false;
      else ms += n * c;
    }
    if (known) out.set(id, ms);
  }
  return out;
}

const MEASURE_CHILD = fileURLToPath(new URL('./measure-child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/**
 * Measures, in a child process, the per-operation costs the plan's cost models need, and resolves to the upward
 * ranks; resolves to null (never rejects) when the project measures nothing or the measurement fails.
 */
export async function measuredPriorities(
  plan: Plan,
  config: Record<string, unknown>,
  projectModule: string,
  signal?: AbortSignal,
): Promise<Map<string, number> | null> {
  try {
    const rows = plan.order.map((instance) => ({ instance, action: 'run' as const }));
    const needed = [...neededOperations(operationCounts(plan, rows, config))].filter((op) => op !== CHILD_START_OP);
    if (needed.length === 0) return null;
    const { execaNode } = await import('execa'); // loaded on first use (see child-cost.ts)
    const child = execaNode(MEASURE_CHILD, [], {
      nodeOptions: [...EXIT_WITH_PARENT_OPTIONS, '--import', TSX], // dies with the runner, even mid-measurement
      input: JSON.stringify({ projectModule: path.resolve(projectModule), config, needed }),
      reject: false,
      cancelSignal: signal,
      env: { SGD_NOISE_WORKER: '1' },
    });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, 19); // idle CPU only: it must not slow the stages it is ordering
      } catch {
        // not permitted here: it runs at normal priority
      }
    }
    const r = await child;
    if (r.exitCode !== 0) return null;
    const costs = JSON.parse(String(r.stdout).trim().split('\n').pop() ?? 'null') as Record<string, number> | null;
    return costs ? upwardRanks(plan, instanceEstimates(plan, config, costs)) : null;
  } catch {
    return null;
  }
}
