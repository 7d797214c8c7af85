/** Why each stage instance is fresh or stale: compares the plan with the cache and the last recorded fingerprints. */
import { canonicalJson } from '../cache/canonical-json.ts';
import type { CacheStore } from '../cache/store.ts';
import type { Plan } from './plan.ts';

/** The state of one instance and, when stale, the reasons. */
export interface InstanceStatus {
  instance: string;
  stage: string;
  key: string;
  state: 'fresh' | 'stale';
  /** Whether 'fresh' was verified (the manifest proves its key, every blob is present with its hash); false: only seen. */
  verified: boolean;
  reasons: string[];
  /** The sweep point of a per-point instance (swept key → value); absent for shared instances and without a sweep. */
  point?: Readonly<Record<string, unknown>>;
}

/** How carefully {@link planStatus} looks at cached entries. */
export interface StatusOptions {
  /** Verify every entry it calls fresh (manifest bound to its key, blobs hashed); default true. False: existence only. */
  verify?: boolean;
}

/**
 * Status of every instance in plan order. By default an instance is fresh only if its entry verifies exactly as a run
 * would check it (so `status` never calls fresh what `run` would recompute); with `verify: false` existence is enough.
 */
export function planStatus(plan: Plan, cache: CacheStore, scope: string, { verify = true }: StatusOptions = {}): InstanceStatus[] {
  const states = new Map<string, InstanceStatus>();
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    const base = { instance: id, stage: node.stage.id, key: node.key, verified: verify, ...(node.point ? { point: node.point.values } : {}) };
    const found = verify ? cache.lookup(node.key) : { status: cache.has(node.key) ? ('hit' as const) : ('miss' as const) };
    if (found.status === 'hit') {
      states.set(id, { ...base, state: 'fresh', reasons: [] });
      continue;
    }
    if (found.status === 'corrupt') {
      states.set(id, { ...base, state: 'stale', reasons: [`its cache entry is corrupt (${found.reason}); the next run recomputes it`] });
      continue;
    }
    const reasons: string[] = [];
    const last = cache.getFingerprint(scope, id);
    if (!last) reasons.push(`never run in profile '${scope}'`);
    else if (last.key === node.key) reasons.push('same inputs as the last run, but its cache entry is gone (gc, corruption or an interrupted run)');
    else {
      if (last.version !== node.stage.version) reasons.push(`stage version ${last.version} → ${node.stage.version}`);
      const keys = new Set([...Object.keys(last.config), ...Object.keys(node.config)]);
      for (const k of [...keys].sort()) {
        const before = last.config[k];
        const now = node.config[k];
        if (canonicalJson(before ?? null) !== canonicalJson(now ?? null)) {
          reasons.push(`config ${k}: ${show(before)} → ${show(now)}`);
        }
      }
      for (const name of [...new Set([...Object.keys(last.files ?? {}), ...Object.keys(node.files)])].sort()) {
        const now = node.files[name];
        if (last.files?.[name] !== now?.sha256) reasons.push(`input file ${name}${now ? ` (${now.path})` : ''} changed`);
      }
      for (const [name, dep] of Object.entries(node.deps)) {
        if (last.inputs[name] !== node.inputKeys[name]) {
          const upstream = states.get(dep);
          const why = upstream?.state === 'stale' ? ' (itself stale)' : '';
          reasons.push(`upstream ${dep} changed${why}`);
        }
      }
      if (reasons.length === 0) reasons.push('key changed');
    }
    states.set(id, { ...base, state: 'stale', reasons });
  }
  return plan.order.map((id) => states.get(id)!);
}

/** Status of every instance in plan order where there is no cache at all: each one stale, never run. */
export function neverRunStatus(plan: Plan): InstanceStatus[] {
  return plan.order.map((id) => {
    const node = plan.nodes.get(id)!;
    const point = node.point ? { point: node.point.values } : {};
    return { instance: id, stage: node.stage.id, key: node.key, state: 'stale', verified: false, reasons: ['never run: there is no cache yet'], ...point };
  });
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
