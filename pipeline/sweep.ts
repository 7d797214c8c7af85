/**
 * Parameter sweeps as a plan-level expansion: `--sweep key=v1,v2,…` (several flags: their product) makes one point
 * per combination; each point is an ordinary plan of its own configuration, and the plans are merged by cache key.
 * An instance whose key is the same in every point stays one node (shared, id unchanged); any other becomes one node
 * per distinct key, `instance@label`, wired to the same point's nodes. Keys are those of the point's own plan, so a sweep
 * point shares its entries with an ordinary run under the same overrides. The engine knows no experiment: what a
 * point's metrics are is the project's `sweepSummary`.
 *
 * ```ts
 * const points = sweepPoints([parseSweep('left.scale=1,2'), parseSweep('right.offset=0,5')]); // 4 points
 * points[1]!.label; // 'left.scale=1,right.offset=5'
 * ```
 */
import { canonicalJson } from '../cache/canonical-json.ts';
import type { Json, LoadedArtifacts } from '../cache/values.ts';
import { ConfigError, applyOverrides, overrideIssues, parseOverride, validateConfig, type Override } from './config.ts';
import { PlanError, buildPlan, stageKey, type Plan, type PlanNode, type PlanOptions } from './plan.ts';
import { DEFAULT_MAX_INSTANCES, checkPlanSize } from './plan-limits.ts';
import type { AnyStage } from './stage.ts';

/** One swept key and its values, as one `--sweep` flag gives them. */
export interface SweepAxis {
  readonly key: string;
  readonly values: readonly Json[];
}

/** One point of a sweep: a value for every swept key (in flag order) and its label `key=value,…`. */
export interface SweepPoint {
  readonly label: string;
  readonly values: Readonly<Record<string, Json>>;
}

/** A point with the complete, validated configuration its plan is built from. */
export interface PointConfig {
  readonly point: SweepPoint;
  readonly config: Record<string, unknown>;
}

/** The scalar cells a sweep summary row may hold. */
export type SweepCell = number | string | boolean | null;

/**
 * A project's sweep summary: which outputs describe a point, and the metrics taken from them. The engine runs it as the
 * instance {@link SWEEP_SUMMARY} (output `rows`: one record per point, the swept values then the metrics). Either one
 * instance (`stage`; `metrics` gets its outputs) or several (`stages`; `metrics` gets each one's outputs by instance id).
 */
export type SweepSummarySpec = SingleSweepSummary | MultiSweepSummary;

/** The metrics of a point from one instance's outputs. */
export interface SingleSweepSummary {
  /** The instance (or stage id of a one-instance stage) whose outputs each point's metrics are computed from. */
  readonly stage: string;
  readonly stages?: undefined;
  /** Bump when `metrics` changes meaning: part of the summary's key. Default 1. */
  readonly version?: number;
  /** The metrics of one point from that instance's outputs; keys must not be swept keys. */
  metrics(outputs: LoadedArtifacts, point: SweepPoint): Record<string, SweepCell>;
}

/** The metrics of a point from several instances' outputs. */
export interface MultiSweepSummary {
  readonly stage?: undefined;
  /**
   * Instance ids, or stage ids standing for every instance of that stage in the point's plan (`fashion.theory` →
   * `fashion.theory[seed=0]`, `fashion.theory[seed=1]`, …); each must match at least one instance of every point.
   */
  readonly stages: readonly string[];
  /** Bump when `metrics` changes meaning: part of the summary's key. Default 1. */
  readonly version?: number;
  /** The metrics of one point from the outputs of the matched instances, by their (unswept) instance ids, in plan order. */
  metrics(outputs: Readonly<Record<string, LoadedArtifacts>>, point: SweepPoint): Record<string, SweepCell>;
}

/** The instance id of the sweep summary node. */
export const SWEEP_SUMMARY = 'sweep.summary';

/** Canonical text of one swept value: strings as they are, anything else as canonical JSON. */
export function valueText(value: Json): string {
  return typeof value === 'string' ? value : canonicalJson(value);
}

/** The label of a point: `key=value` for each swept key, joined by `,` (`left.scale=2,right.offset=0`). */
export function pointLabel(values: Readonly<Record<string, Json>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(',');
}

/** Parses one `--sweep key=v1,v2,…`; values as overrides parse them (JSON, else a string). Commas always split. */
export function parseSweep(text: string): SweepAxis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError([`${text}: a sweep must look like key.path=value1,value2,…`]);
  const key = parseOverride(`${text.slice(0, eq).trim()}=0`).path;
  const raw = text.slice(eq + 1);
  const items = raw.split(',');
  if (raw === '' || items.some((v) => v === '')) throw new ConfigError([`${key}: the sweep '${text}' has an empty value (expected value1,value2,…)`]);
  return sweepAxis(
    key,
    items.map((v) => parseOverride(`${key}=${v}`).value),
  );
}

/**
 * A sweep axis from already-typed values (a profile's sweeps); rejects an empty list, repeated values, and keys and
 * values of the wrong shape (reserved key names, too deep, numbers not finite or not exact: config-shape.ts).
 */
export function sweepAxis(key: string, values: readonly Json[]): SweepAxis {
  if (values.length === 0) throw new ConfigError([`${key}: a sweep needs at least one value`]);
  const shape = values.flatMap((value) => overrideIssues({ path: key, value }));
  if (shape.length > 0) throw new ConfigError([...new Set(shape)]);
  const seen = new Set<string>();
  for (const v of values) {
    const c = canonicalJson(v);
    if (seen.has(c)) throw new ConfigError([`${key}: the sweep repeats the value ${valueText(v)}`]);
    seen.add(c);
  }
  return { key, values };
}

/** The number of points of the axes' product, computed without expanding it. */
export function pointCount(axes: readonly SweepAxis[]): number {
  return axes.length === 0 ? 0 : axes.reduce((n, a) => n * a.values.length, 1);
}

/**
 * Refuses (PlanSizeError) a sweep whose points × `perPoint` instances exceed `limit`, before any point is expanded.
 * `perPoint(limit)` counts one point's instances (the base configuration's; it may stop counting past `limit`).
 */
export function checkSweepSize(axes: readonly SweepAxis[], perPoint: (limit: number) => number, limit: number): void {
  const points = pointCount(axes);
  if (points < 2) return;
  const each = perPoint(limit);
  const sizes = axes.map((a) => `${a.values.length} values of ${a.key}`).join(' × ');
  const perPointText = each > limit ? `more than ${limit}` : String(each);
  checkPlanSize(
    points * each,
    limit,
    () => `the sweep's ${points} points (${sizes}) × ${perPointText} stage instances per point make ${points * each}`,
    'sweep fewer values',
  );
}

/** The Cartesian product of the axes, the first axis varying slowest; a key swept twice is a ConfigError. */
export function sweepPoints(axes: readonly SweepAxis[]): SweepPoint[] {
  const keys = new Set<string>();
  for (const { key } of axes) {
    if (keys.has(key)) throw new ConfigError([`${key}: swept twice (give its values in one --sweep)`]);
    for (const other of keys) {
      if (key.startsWith(`${other}.`) || other.startsWith(`${key}.`))
        throw new ConfigError([`${key}: swept together with ${other}, which contains it or lies in it`]);
    }
    keys.add(key);
  }
  if (axes.length === 0) return [];
  let combos: Record<string, Json>[] = [{}];
  for (const { key, values } of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return combos.map((values) => ({ label: pointLabel(values), values }));
}

/** The overrides that make a point's configuration from the base one. */
export function pointOverrides(point: SweepPoint): Override[] {
  return Object.entries(point.values).map(([path, value]) => ({ path, value }));
}

/**
 * The sweep of a run: the profile's declared sweeps, each replaced by a `--sweep` of the same key and dropped when a
 * `key=value` override sets that key; then the `--sweep` flags of other keys, in flag order.
 */
export function sweepAxes(
  declared: Readonly<Record<string, readonly Json[]>> | undefined,
  overrides: readonly Override[],
  sweepTexts: readonly string[],
): SweepAxis[] {
  const given = sweepTexts.map(parseSweep);
  for (const axis of given) {
    if (overrides.some((o) => o.path === axis.key)) throw new ConfigError([`${axis.key}: both set by an override and swept by --sweep (give one)`]);
  }
  const fromProfile = Object.entries(declared ?? {})
    .filter(([key]) => !overrides.some((o) => o.path === key))
    .map(([key, values]) => given.find((a) => a.key === key) ?? sweepAxis(key, values));
  return [...fromProfile, ...given.filter((a) => !fromProfile.includes(a))];
}

/**
 * Each point's configuration: `raw` (a profile with the run's overrides applied) with the point's overrides, validated
 * with `schema`. Errors name the config path and the point.
 */
export function pointConfigs(schema: Parameters<typeof validateConfig>[0], raw: unknown, points: readonly SweepPoint[]): PointConfig[] {
  return points.map((point) => {
    try {
      const withPoint = applyOverrides(raw, pointOverrides(point));
      return { point, config: validateConfig(schema, withPoint, raw) as Record<string, unknown> };
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(err.issues.map((i) => `${i} (sweep point ${point.label})`));
      throw err;
    }
  });
}

/** The id of an instance in one point (or group of points): `instance@label`. */
export function pointInstance(instance: string, point: SweepPoint): string {
  return `${instance}@${point.label}`;
}

/**
 * Builds each point's plan and merges them by key (see the module comment): per instance id, the points where its
 * key is the same share one node; one group for all points keeps the id, else each group is `id@label`, labelled by
 * the swept keys constant within it (`left@left.scale=1` when left reads only left.scale of a left.scale × right.offset
 * product), or one node per point when such labels would not tell the groups apart. With a {@link SweepSummarySpec}
 * and at least two points, adds the {@link SWEEP_SUMMARY} node. Every node records the configuration it was planned
 * with (`planned`: its group's first point's), which child workers and the stages' config reads outside the key
 * (threads, publish, cost, resources) use.
 */
export function buildSweepPlan(stages: readonly AnyStage[], points: readonly PointConfig[], options: PlanOptions = {}, summary?: SweepSummarySpec): Plan {
  if (points.length === 0) throw new PlanError('a sweep needs at least one point');
  // Points can plan more instances than the base configuration that the up-front check counted (a swept count):
  // the instances planned so far are checked after each point.
  const limit = options.maxInstances ?? DEFAULT_MAX_INSTANCES;
  let planned = 0;
  const plans = points.map((p, i) => {
    const plan = buildPlan(stages, p.config, options);
    planned += plan.order.length;
    checkPlanSize(planned, limit, () => `the first ${i + 1} of the sweep's ${points.length} points plan ${planned} stage instances`, 'sweep fewer values');
    return plan;
  });
  // Per instance id: per point index, the merged id and the point of its node (undefined: shared).
  const placed = new Map<string, { id: string; point?: SweepPoint }[]>();
  const place = (id: string) => {
    let at = placed.get(id);
    if (at) return at;
    const groups = new Map<string, number[]>();
    plans.forEach((p, i) => {
      const key = p.nodes.get(id)?.key;
      if (key === undefined) return;
      const group = groups.get(key);
      if (group)
        group.push(i); // not a spread: a shared instance has one group of every point, so that was quadratic
      else groups.set(key, [i]);
    });
    const members = [...groups.values()];
    at = [];
    if (members.length === 1 && members[0]!.length === plans.length) {
      for (let i = 0; i < plans.length; i++) at[i] = { id };
    } else {
      const groupPoints = members.map((g) => commonPoint(g.map((i) => points[i]!.point)));
      const distinct = new Set(groupPoints.map((p) => p.label)).size === groupPoints.length && groupPoints.every((p) => p.label !== '');
      members.forEach((g, k) => {
        for (const i of g) {
          const point = distinct ? groupPoints[k]! : points[i]!.point;
          at![i] = { id: pointInstance(id, point), point };
        }
      });
    }
    placed.set(id, at);
    return at;
  };
  const idAt = (id: string, i: number) => place(id)[i]!.id;
  const nodes = new Map<string, PlanNode>();
  const order: string[] = [];
  plans.forEach((plan, i) => {
    const { config } = points[i]!;
    for (const id of plan.order) {
      const { id: merged, point } = place(id)[i]!;
      if (nodes.has(merged)) continue; // the same node as an earlier point's (same key)
      const node = plan.nodes.get(id)!;
      const rewire = (r: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(r).map(([name, dep]) => [name, idAt(dep, i)]));
      nodes.set(merged, {
        ...node,
        instance: merged,
        deps: rewire(node.deps),
        missing: rewire(node.missing),
        ...(point ? { point } : {}),
        planned: { instance: id, config },
      });
      order.push(merged);
    }
  });
  if (new Set(order).size !== order.length) throw new PlanError('sweep: two merged instances have the same id');
  if (summary && points.length >= 2) {
    if (nodes.has(SWEEP_SUMMARY)) throw new PlanError(`sweep: the project has an instance named ${SWEEP_SUMMARY}, which the sweep summary needs`);
    const node = summaryNode(summary, plans, points, idAt);
    nodes.set(node.instance, node);
    order.push(node.instance);
  }
  return { nodes, order };
}

/** The swept values shared by all of `points` (in their key order), as a point. */
function commonPoint(points: readonly SweepPoint[]): SweepPoint {
  const values = Object.fromEntries(
    Object.entries(points[0]!.values).filter(([k, v]) => points.every((p) => canonicalJson(p.values[k]!) === canonicalJson(v))),
  );
  return { label: pointLabel(values), values };
}

/** The instances of `plan` that `ref` names: that instance, else every instance of the stage `ref`, in plan order. */
function summaryTargets(plan: Plan, ref: string): string[] {
  if (plan.nodes.has(ref)) return [ref];
  return plan.order.filter((id) => plan.nodes.get(id)!.stage.id === ref);
}

/**
 * The summary node: per point, an input for each instance the spec names (the point's instance of `summary.stage`,
 * input name = the point's label; or, with `summary.stages`, every matched instance, input name `label␟instance`),
 * output `rows`.
 */
function summaryNode(summary: SweepSummarySpec, plans: readonly Plan[], points: readonly PointConfig[], idAt: (id: string, i: number) => string): PlanNode {
  const deps: Record<string, string> = {};
  const inputKeys: Record<string, string> = {};
  // Per point: the input names and the unswept instance ids they stand for.
  const perPoint: { name: string; instance: string }[][] = plans.map((plan, i) => {
    const label = points[i]!.point.label;
    if (summary.stages === undefined) {
      const target = plan.nodes.get(summary.stage);
      if (!target) {
        const named = plan.order.filter((id) => plan.nodes.get(id)!.stage.id === summary.stage);
        throw new PlanError(
          `sweepSummary.stage '${summary.stage}' is not an instance of point ${label}${named.length ? ` (that stage has instances ${named.join(', ')}; name one)` : ''}`,
        );
      }
      return [{ name: label, instance: summary.stage }];
    }
    if (summary.stages.length === 0) throw new PlanError('sweepSummary.stages is empty (name at least one instance or stage)');
    return summary.stages.flatMap((ref) => {
      const targets = summaryTargets(plan, ref);
      if (targets.length === 0) throw new PlanError(`sweepSummary.stages: '${ref}' is neither an instance nor a stage with instances in point ${label}`);
      return targets.map((instance) => ({ name: `${label}${INPUT_SEPARATOR}${instance}`, instance }));
    });
  });
  perPoint.forEach((inputs, i) => {
    for (const { name, instance } of inputs) {
      deps[name] = idAt(instance, i);
      inputKeys[name] = plans[i]!.nodes.get(instance)!.key;
    }
  });
  const values = points.map((p) => p.point.values as Record<string, Json>);
  // One stage keeps the config it always had (so existing summaries keep their keys).
  const config: Record<string, Json> =
    summary.stages === undefined ? { 'sweep.points': values, 'sweep.stage': summary.stage } : { 'sweep.points': values, 'sweep.stages': [...summary.stages] };
  const version = summary.version ?? 1;
  const labels = points.map((p) => p.point);
  const what = summary.stages === undefined ? summary.stage : summary.stages.join(', ');
  const stage: AnyStage = {
    id: SWEEP_SUMMARY,
    version,
    description: `one row per sweep point: the swept values, then the metrics of ${what}`,
    reads: Object.keys(config),
    cost: () => ({}), // negligible next to the points it summarises
    async run(_ctx, inputs) {
      const rows = labels.map((point, i) => {
        const metrics =
          summary.stages === undefined
            ? summary.metrics(inputs[point.label]!, point)
            : summary.metrics(Object.fromEntries(perPoint[i]!.map(({ name, instance }) => [instance, inputs[name]!])), point);
        const clash = Object.keys(metrics).filter((k) => Object.hasOwn(point.values, k));
        if (clash.length) throw new Error(`sweepSummary.metrics returns ${clash.join(', ')}, which are swept keys`);
        for (const [k, v] of Object.entries(metrics)) {
          if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
            throw new Error(`sweepSummary.metrics: '${k}' of point ${point.label} is ${String(v)} (expected a finite number, string, boolean or null)`);
          }
        }
        return { ...point.values, ...metrics } as Json;
      });
      return { rows };
    },
  };
  const key = stageKey({ stage: SWEEP_SUMMARY, params: {}, version, config, inputs: inputKeys, files: {} });
  return {
    instance: SWEEP_SUMMARY,
    stage,
    params: {},
    reads: Object.keys(config),
    config,
    deps,
    inputKeys,
    optionalInputs: [],
    missing: {},
    files: {},
    key,
    seed: null,
  };
}

/** Between a point's label and an instance id in the summary's input names (a unit separator: in neither). */
const INPUT_SEPARATOR = '\u241f';
