/**
 * The comparison of two runs that `sgd-noise diff` prints, as data: the resolved config keys (dotted, flattened), the
 * headline metrics side by side with their absolute and relative change, the claims' verdicts and the deviation rows,
 * and the instances (shared: the same key in both). Every row says whether it changed; the formats
 * (run-diff-format.ts) leave the unchanged ones out unless asked.
 *
 * ```ts
 * const d = diffRuns({ view: a, headlines: ha }, { view: b, headlines: hb });
 * d.params.filter((p) => p.changed); // [{ key: 'fashion.dynamics.lr', a: '0.1', b: '0.05', changed: true }]
 * ```
 */
import { flattenConfig } from './config.ts';
import type { Headlines } from './headlines.ts';
import type { RunView } from './run-view.ts';

/** One side of a comparison: the run, its headlines (none: the project declares none), and facts to show in the head. */
export interface DiffSide {
  readonly view: RunView;
  readonly headlines?: Headlines;
  /** More about the run for the head, in order (`outcome: ok`, `commit: 3f9a2c1`); e.g. from its record. */
  readonly about?: readonly { readonly name: string; readonly value: string }[];
}

/** The head of one side. */
export interface DiffHead {
  readonly label: string;
  readonly source: RunView['source'];
  readonly profile: string;
  readonly overrides: readonly string[];
  readonly about: readonly { readonly name: string; readonly value: string }[];
}

/** A config key: its value in each run (JSON text; null where the run has no such key). */
export interface ParamRow {
  readonly key: string;
  readonly a: string | null;
  readonly b: string | null;
  readonly changed: boolean;
}

/** A headline metric in both runs, with B − A and (B − A) / |A| (null where either is missing or A is 0). */
export interface MetricRow {
  readonly id: string;
  readonly label: string;
  readonly unit?: string;
  readonly a: number | null;
  readonly b: number | null;
  readonly change: number | null;
  readonly relative: number | null;
  readonly changed: boolean;
}

/** A claim's verdict or a deviation row's value in both runs (null where a run has none). */
export interface VerdictRow {
  readonly id: string;
  readonly a: string | null;
  readonly b: string | null;
  readonly changed: boolean;
}

/** An instance and its key in each run (null where a run has no such instance); shared when the keys are equal. */
export interface InstanceRow {
  readonly instance: string;
  readonly a: string | null;
  readonly b: string | null;
  readonly shared: boolean;
}

/** The whole comparison (see the module comment). */
export interface RunDiff {
  readonly a: DiffHead;
  readonly b: DiffHead;
  readonly params: readonly ParamRow[];
  readonly metrics: readonly MetricRow[];
  readonly claims: readonly VerdictRow[];
  readonly deviations: readonly VerdictRow[];
  readonly instances: readonly InstanceRow[];
  /** Whether the project declares headlines (without them metrics, claims and deviations are empty, not unchanged). */
  readonly hasHeadlines: boolean;
}

/** Compares run A with run B (see the module comment). */
export function diffRuns(a: DiffSide, b: DiffSide): RunDiff {
  return {
    a: head(a),
    b: head(b),
    params: paramRows(a.view.config, b.view.config),
    metrics: metricRows(a.headlines, b.headlines),
    claims: verdictRows(
      (a.headlines?.claims ?? []).map((c) => [c.id, c.verdict]),
      (b.headlines?.claims ?? []).map((c) => [c.id, c.verdict]),
    ),
    deviations: verdictRows(
      (a.headlines?.deviations ?? []).map((d) => [d.id, d.value]),
      (b.headlines?.deviations ?? []).map((d) => [d.id, d.value]),
    ),
    instances: instanceRows(a.view.instances, b.view.instances),
    hasHeadlines: a.headlines !== undefined || b.headlines !== undefined,
  };
}

function head(side: DiffSide): DiffHead {
  const { label, source, profile, overrides } = side.view;
  return { label, source, profile, overrides, about: side.about ?? [] };
}

/** The keys of both configurations, flattened (`fashion.dynamics.lr`), in A's order and then B's own. */
function paramRows(a: Record<string, unknown>, b: Record<string, unknown>): ParamRow[] {
  const left = new Map(flattenConfig(a).map((r) => [r.key, r.value ?? null]));
  const right = new Map(flattenConfig(b).map((r) => [r.key, r.value ?? null]));
  return union([...left.keys()], [...right.keys()]).map((key) => {
    const va = left.get(key) ?? null;
    const vb = right.get(key) ?? null;
    return { key, a: va, b: vb, changed: va !== vb };
  });
}

function metricRows(a: Headlines | undefined, b: Headlines | undefined): MetricRow[] {
  const left = new Map((a?.metrics ?? []).map((m) => [m.id, m]));
  const right = new Map((b?.metrics ?? []).map((m) => [m.id, m]));
  return union([...left.keys()], [...right.keys()]).map((id) => {
    const ma = left.get(id);
    const mb = right.get(id);
    const va = ma?.value ?? null;
    const vb = mb?.value ?? null;
    const both = va !== null && vb !== null;
    const unit = ma?.unit ?? mb?.unit;
    return {
      id,
      label: (ma ?? mb)!.label,
      ...(unit !== undefined ? { unit } : {}),
      a: va,
      b: vb,
      change: both ? vb - va : null,
      relative: both && va !== 0 ? (vb - va) / Math.abs(va) : null,
      changed: va !== vb,
    };
  });
}

function verdictRows(a: readonly [string, string][], b: readonly [string, string][]): VerdictRow[] {
  const left = new Map(a);
  const right = new Map(b);
  return union([...left.keys()], [...right.keys()]).map((id) => {
    const va = left.get(id) ?? null;
    const vb = right.get(id) ?? null;
    return { id, a: va, b: vb, changed: va !== vb };
  });
}

function instanceRows(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): InstanceRow[] {
  return union([...a.keys()], [...b.keys()]).map((instance) => {
    const ka = a.get(instance) ?? null;
    const kb = b.get(instance) ?? null;
    return { instance, a: ka, b: kb, shared: ka !== null && ka === kb };
  });
}

/** The items of `a`, then those of `b` that `a` lacks, each once. */
function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
