/**
 * Run references: how `diff` (and `report --compare`) name the runs they compare, resolved to {@link RunView}s.
 *
 * - `HEAD` is the newest run record, `HEAD~n` (or `~n`) the n-th before it;
 * - a run id (`20261207T194512Z-3f9a`, the records in `<cacheDir>/runs/`), or a prefix of exactly one;
 * - a profile name (`quick`): that profile's configuration now, without overrides;
 * - a sweep point or override set, `key=value[,key=value…]` (a sweep point's label, docs/sweeps.md), applied to the
 *   command's `--profile` (default: the project's default), or `PROFILE:key=value,…` to another profile.
 *
 * A recorded run keeps the keys it resolved to; a profile or point is planned now, its keys those of the code and
 * input files of today. A reference that matches nothing, or more than one run id, is a usage error naming it and
 * what it could have been; so is a profile that declares a sweep (it names several runs: the error names a point).
 *
 * ```ts
 * const [a, b] = resolveRunRefs(['HEAD~1', 'HEAD'], { project, cacheDir, planFor });
 * ```
 */
import { ConfigError } from './config.ts';
import { UsageError } from './errors.ts';
import type { Plan } from './plan.ts';
import { resolveConfig, type Project, type ResolvedConfig } from './project.ts';
import { listRunRecords, type ReadRunRecord } from './run-records.ts';
import type { RunView } from './run-view.ts';

/** What resolving a reference needs. */
export interface RunRefContext {
  readonly project: Project;
  /** The cache directory whose `runs/` holds the records. */
  readonly cacheDir: string;
  /** The profile a `key=value` set applies to (the command's `--profile`); default: the project's default. */
  readonly profile?: string;
  /** The plan of a resolved configuration (the command's `planFor`: input files hashed through the cache's stat cache). */
  readonly planFor: (resolved: ResolvedConfig) => Plan;
  /** The most stage instances a planned reference may have (`--max-instances`; default the engine's). */
  readonly maxInstances?: number;
  /** The run records, newest first (default: read from `cacheDir`). */
  readonly records?: readonly ReadRunRecord[];
}

/** A `key=value` piece: where a label's next pair starts (a comma inside a JSON value does not start one). */
const PAIR_START = /^[A-Za-z_][\w-]*(\.[\w-]+)*=/;

/** Resolves one reference (see the module comment). */
export function resolveRunRef(ref: string, ctx: RunRefContext): RunView {
  const records = ctx.records ?? listRunRecords(ctx.cacheDir).records;
  const record = findRunRecord(ref, records, ctx);
  if (record) return recordView(record);
  if (ref.includes('=')) return pointView(ref, { ...ctx, records });
  if (Object.hasOwn(ctx.project.profiles, ref)) return plannedView(ref, 'profile', ref, [], ctx);
  throw matchesNothing(ref, ctx.project, records.length);
}

/** The error for a reference that is none of the forms, listing them. */
function matchesNothing(ref: string, project: Project, records: number, why = ''): UsageError {
  return new UsageError(
    `run reference '${ref}' matches nothing${why}: not HEAD or HEAD~n (${records} run record${records === 1 ? '' : 's'}), ` +
      `not a run id or its start (ids look like 20261207T194512Z-3f9a: sgd-noise runs lists them), not a profile (${Object.keys(project.profiles).join(', ')}), ` +
      'and not key=value[,key=value…] (a sweep point or overrides, optionally PROFILE:key=value)',
  );
}

/** Resolves several references, reading the run records once. */
export function resolveRunRefs(refs: readonly string[], ctx: RunRefContext): RunView[] {
  const records = ctx.records ?? listRunRecords(ctx.cacheDir).records;
  return refs.map((ref) => resolveRunRef(ref, { ...ctx, records }));
}

/**
 * The record a reference names (`HEAD`, `HEAD~n`, `~n`, a run id or a unique prefix), undefined when it names none
 * (it may be a profile or a point); a usage error when it names a record that is not there or is ambiguous.
 */
export function findRunRecord(ref: string, records: readonly ReadRunRecord[], ctx: Pick<RunRefContext, 'cacheDir'>): ReadRunRecord | undefined {
  const relative = /^(?:HEAD)?~(\d+)$|^HEAD$/.exec(ref);
  if (relative) {
    const n = relative[1] === undefined ? 0 : Number(relative[1]);
    const found = records[n];
    if (!found) {
      throw new UsageError(
        `run reference '${ref}' names the ${n === 0 ? 'newest run' : `${ordinal(n)} run before the newest`}, but ${ctx.cacheDir}/runs holds ${records.length} run record${records.length === 1 ? '' : 's'} (sgd-noise runs lists them)`,
      );
    }
    return found;
  }
  if (!/^\d{4,}/.test(ref) || ref.includes('=')) return undefined;
  const exact = records.find((r) => r.id === ref);
  if (exact) return exact;
  const matches = records.filter((r) => r.id.startsWith(ref));
  if (matches.length > 1) {
    throw new UsageError(`run reference '${ref}' is the start of ${matches.length} run ids (${matches.map((r) => r.id).join(', ')}): give more of one`);
  }
  return matches[0];
}

/** A recorded run as the comparison commands see it: its id, its configuration and the keys it resolved to. */
export function recordView(record: ReadRunRecord): RunView {
  return {
    label: record.id,
    source: 'record',
    profile: record.profile,
    overrides: record.overrides,
    config: record.config,
    instances: new Map(Object.entries(record.instances)),
  };
}

/** Splits a point label into its `key=value` pieces (`a=1,b=[1,2]` → `a=1`, `b=[1,2]`). */
export function pointPieces(label: string): string[] {
  return label.split(',').reduce<string[]>((acc, piece) => {
    if (acc.length > 0 && !PAIR_START.test(piece)) acc[acc.length - 1] += `,${piece}`;
    else acc.push(piece);
    return acc;
  }, []);
}

/** `key=value,…` or `PROFILE:key=value,…`, planned now. */
function pointView(ref: string, ctx: RunRefContext): RunView {
  const m = /^([^=:,]+):(.*)$/.exec(ref);
  const profile = m ? m[1]! : (ctx.profile ?? ctx.project.defaultProfile);
  if (m && !Object.hasOwn(ctx.project.profiles, profile)) {
    throw new UsageError(`run reference '${ref}': '${profile}' is not a profile (profiles: ${Object.keys(ctx.project.profiles).join(', ')})`);
  }
  const pieces = pointPieces(m ? m[2]! : ref);
  const bad = pieces.find((p) => !PAIR_START.test(p));
  if (bad !== undefined) throw matchesNothing(ref, ctx.project, ctx.records?.length ?? 0, ` ('${bad}' is not key=value)`);
  return plannedView(ref, 'point', profile, pieces, ctx);
}

function plannedView(label: string, source: 'profile' | 'point', profile: string, overrides: string[], ctx: RunRefContext): RunView {
  let resolved: ResolvedConfig;
  try {
    resolved = resolveConfig(ctx.project, profile, overrides, [], ctx.maxInstances === undefined ? {} : { maxInstances: ctx.maxInstances });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.issues.map((i) => `run reference '${label}': ${i}`));
    throw err;
  }
  // A view is one configuration: a profile that declares a sweep names several runs (one of its points names one).
  if (resolved.points.length > 0) {
    const first = resolved.points[0]!.point;
    throw new UsageError(
      `run reference '${label}': profile ${profile} sweeps ${Object.keys(first.values).join(', ')}, so it names ${resolved.points.length} runs; name one point, e.g. ${profile}:${first.label}`,
    );
  }
  const plan = ctx.planFor(resolved);
  return {
    label,
    source,
    profile,
    overrides,
    config: resolved.config,
    instances: new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key])),
  };
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}
