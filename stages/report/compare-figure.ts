/**
 * One figure over several runs (`report --compare`). Every run's records are tagged with its label in a `run` field;
 * the spec then either overlays the runs (colour stays the dynamics; lines get one dash pattern per run, points one
 * shape per run, bars one offset per run, and every mark is grouped by run so that bands and aggregates never mix
 * runs), or, where overlaying cannot work (a figure that declares `compare: 'panels'`, such as the toy problem's
 * contour map, or runs whose specs differ beyond their scales' domains), shows one panel per run side by side.
 */
import type { ReportFigure, VegaLiteSpec } from './document.ts';
import { kindStyle } from './render/theme.ts';

/** How each run is drawn, by its position among the compared runs: line dash, its name, and point shape. */
export const RUN_STYLES: readonly { readonly dash: readonly number[]; readonly dashName: string; readonly shape: string }[] = [
  { dash: [1, 0], dashName: 'solid', shape: 'circle' },
  { dash: [7, 3], dashName: 'dashed', shape: 'square' },
  { dash: [2, 2], dashName: 'dotted', shape: 'triangle-up' },
  { dash: [8, 3, 2, 3], dashName: 'dash-dot', shape: 'diamond' },
  { dash: [12, 4], dashName: 'long dashes', shape: 'cross' },
  { dash: [1, 4], dashName: 'sparse dots', shape: 'triangle-down' },
];

/** The style of the run at `index` among the compared runs (styles repeat after six runs). */
export function runStyle(index: number): (typeof RUN_STYLES)[number] {
  return RUN_STYLES[index % RUN_STYLES.length]!;
}

/** One run's copy of a figure. */
export interface RunFigure {
  /** The run's label (unique among the compared runs). */
  readonly label: string;
  /** The run's position among every compared run (its style). */
  readonly index: number;
  readonly figure: ReportFigure;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The field the run label goes in: `run`, unless the records already use it. */
export function runField(rows: readonly Record<string, unknown>[]): string {
  for (const name of ['run', 'compared_run', '__run']) if (!rows.some((r) => Object.hasOwn(r, name))) return name;
  throw new Error('figure records already use every field name a run label could go in');
}

/**
 * The figure over `runs` (each with its own copy; at least one): records tagged with their run, and an overlay spec,
 * or one panel per run where the figure asks for that or the runs' specs cannot be unified. One run alone: its
 * figure, noted as such.
 */
export function compareFigure(runs: readonly RunFigure[]): ReportFigure {
  const first = runs[0];
  if (!first) throw new Error('compareFigure needs at least one run');
  if (runs.length === 1) return { ...first.figure, caption: `${first.figure.caption} Only run ${first.label} has this figure.` };
  const field = runField(runs.flatMap((r) => r.figure.data));
  const data = runs.flatMap((r) => r.figure.data.map((row) => ({ [field]: r.label, ...row })));
  const unified = first.figure.compare === 'panels' ? undefined : unifySpecs(runs.map((r) => r.figure.spec));
  const spec = unified ? overlaySpec(unified, field, runs) : panelSpec(runs, field);
  const captions = [...new Set(runs.map((r) => r.figure.caption))];
  const caption = captions.length === 1 ? captions[0]! : runs.map((r) => `${r.label}: ${r.figure.caption}`).join(' ');
  const how = unified ? 'Runs overlaid: colour is the dynamics as in a single report, line dash and point shape the run (legend “Run”).' : 'One panel per run.';
  const { compare: _compare, ...rest } = first.figure;
  return { ...rest, caption: `${caption} ${how}`, data, spec };
}

/**
 * One spec standing for every run's, when they are the same apart from what each run lists: categorical scale domains
 * (united in order, each value keeping its range entry), numeric `[min, max]` domains (the hull), `sort` lists
 * (united) and legend `labelExpr`s (chained). Undefined when they differ anywhere else.
 */
export function unifySpecs(specs: readonly VegaLiteSpec[]): VegaLiteSpec | undefined {
  const out = unify(specs);
  return out.ok && isObj(out.value) ? out.value : undefined;
}

type Unified = { ok: true; value: unknown } | { ok: false };

function unify(values: readonly unknown[], key?: string): Unified {
  const texts = values.map((v) => JSON.stringify(v));
  if (texts.every((t) => t === texts[0])) return { ok: true, value: values[0] };
  if (key === 'labelExpr' && values.every((v) => typeof v === 'string')) return { ok: true, value: chainLabelExprs([...new Set(values as string[])]) };
  if ((key === 'domainMin' || key === 'domainMax') && values.every((v) => typeof v === 'number')) {
    return { ok: true, value: key === 'domainMin' ? Math.min(...(values as number[])) : Math.max(...(values as number[])) };
  }
  if (key === 'sort' && values.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
    return { ok: true, value: [...new Set((values as string[][]).flat())] };
  }
  if (values.every(isObj)) return unifyObjects(values as Obj[]);
  if (values.every(Array.isArray) && values.every((v) => (v as unknown[]).length === (values[0] as unknown[]).length)) {
    const arrays = values as unknown[][];
    const items = arrays[0]!.map((_, i) => unify(arrays.map((a) => a[i])));
    return items.every((i) => i.ok) ? { ok: true, value: items.map((i) => (i as { value: unknown }).value) } : { ok: false };
  }
  return { ok: false };
}

function unifyObjects(objects: readonly Obj[]): Unified {
  const keys = Object.keys(objects[0]!);
  if (!objects.every((o) => Object.keys(o).length === keys.length && keys.every((k) => Object.hasOwn(o, k)))) return { ok: false };
  const out: Obj = {};
  if (keys.includes('domain')) {
    const scale = unifyScale(objects);
    if (!scale) return { ok: false };
    Object.assign(out, scale);
  }
  for (const k of keys) {
    if (k === 'domain' || (k === 'range' && Object.hasOwn(out, 'range'))) continue;
    const u = unify(
      objects.map((o) => o[k]),
      k,
    );
    if (!u.ok) return { ok: false };
    out[k] = u.value;
  }
  return { ok: true, value: out };
}

/** A scale's united domain (and its range, when that lists one entry per domain value), or undefined. */
function unifyScale(scales: readonly Obj[]): Obj | undefined {
  const domains = scales.map((s) => s.domain);
  if (!domains.every(Array.isArray)) return undefined;
  const ranges = scales.map((s) => s.range);
  const paired = ranges.every((r, i) => Array.isArray(r) && r.length === (domains[i] as unknown[]).length);
  if (paired) {
    const entries = new Map<string, [unknown, unknown]>();
    scales.forEach((_, i) => {
      (domains[i] as unknown[]).forEach((d, j) => {
        const id = JSON.stringify(d);
        if (!entries.has(id)) entries.set(id, [d, (ranges[i] as unknown[])[j]]);
      });
    });
    for (const [id, [, r]] of entries) {
      // a value drawn differently in two runs cannot share one scale
      const clash = scales.some((_, i) =>
        (domains[i] as unknown[]).some((d, j) => JSON.stringify(d) === id && JSON.stringify((ranges[i] as unknown[])[j]) !== JSON.stringify(r)),
      );
      if (clash) return undefined;
    }
    return { domain: [...entries.values()].map(([d]) => d), range: [...entries.values()].map(([, r]) => r) };
  }
  const numeric = domains.every((d) => (d as unknown[]).length === 2 && (d as unknown[]).every((x) => typeof x === 'number'));
  if (numeric) {
    const ds = domains as [number, number][];
    return { domain: [Math.min(...ds.map((d) => d[0])), Math.max(...ds.map((d) => d[1]))] };
  }
  return { domain: [...new Map((domains as unknown[][]).flat().map((d) => [JSON.stringify(d), d])).values()] };
}

/** Label expressions tried in order: the first that maps `datum.value` to something else wins. */
function chainLabelExprs(exprs: readonly string[]): string {
  return exprs.reduceRight((rest, e) => `((${e}) !== datum.value ? (${e}) : ${rest})`, 'datum.value');
}

/** The widest a run's label is drawn in a legend, in pixels; a longer one ends in an ellipsis. */
const LEGEND_LABEL_LIMIT = 360;

/** The encoding of the run channel `channel` (strokeDash, shape) over `runs` with their styles. */
function runChannel(field: string, runs: readonly RunFigure[], range: readonly unknown[], legend: Obj = {}): Obj {
  return { field, type: 'nominal', title: 'Run', scale: { domain: runs.map((r) => r.label), range }, legend: { labelLimit: LEGEND_LABEL_LIMIT, ...legend } };
}

/** The spec with every mark grouped by run and each run drawn in its own dash (lines), shape (points) or offset (bars). */
export function overlaySpec(spec: VegaLiteSpec, field: string, runs: readonly RunFigure[]): VegaLiteSpec {
  const channels = {
    field,
    dash: runChannel(
      field,
      runs,
      runs.map((r) => [...runStyle(r.index).dash]),
      { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 500 },
    ),
    shape: runChannel(
      field,
      runs,
      runs.map((r) => runStyle(r.index).shape),
    ),
  };
  return overlayView(spec, {}, channels);
}

interface RunChannels {
  field: string;
  dash: Obj;
  shape: Obj;
}

function overlayView(spec: Obj, inherited: Obj, run: RunChannels): Obj {
  const encoding = { ...inherited, ...(isObj(spec.encoding) ? spec.encoding : {}) };
  if (Array.isArray(spec.layer)) return { ...spec, layer: spec.layer.map((l) => (isObj(l) ? overlayView(l, encoding, run) : l)) };
  if (isObj(spec.spec)) return { ...spec, spec: overlayView(spec.spec, {}, run) };
  for (const k of ['hconcat', 'vconcat', 'concat']) {
    const parts = spec[k];
    if (Array.isArray(parts)) return { ...spec, [k]: parts.map((p) => (isObj(p) ? overlayView(p, {}, run) : p)) };
  }
  return spec.mark === undefined ? spec : overlayUnit(spec, encoding, run);
}

function markType(mark: unknown): string | undefined {
  return typeof mark === 'string' ? mark : isObj(mark) && typeof mark.type === 'string' ? mark.type : undefined;
}

const DISCRETE = new Set(['nominal', 'ordinal']);

/** One mark: `detail` gains the run field; lines take the run's dash, points its shape, bars an offset by run. */
function overlayUnit(spec: Obj, all: Obj, run: RunChannels): Obj {
  const own: Obj = { ...(isObj(spec.encoding) ? spec.encoding : {}) };
  const detail = all.detail === undefined ? [] : Array.isArray(all.detail) ? all.detail : [all.detail];
  own.detail = [...detail, { field: run.field, type: 'nominal' }];
  const type = markType(spec.mark);
  if (type === 'line' || type === 'trail') {
    const kindShape = movedKindShape(all.strokeDash, spec.mark, all.shape);
    own.strokeDash = run.dash;
    if (kindShape) own.shape = kindShape;
  } else if (type === 'point') {
    own.shape = run.shape;
  } else if (type === 'bar') {
    const discrete = (c: unknown) => isObj(c) && typeof c.type === 'string' && DISCRETE.has(c.type);
    if (discrete(all.x)) own.xOffset = { field: run.field, type: 'nominal', scale: { domain: (run.dash.scale as Obj).domain } };
    else if (discrete(all.y)) own.yOffset = { field: run.field, type: 'nominal', scale: { domain: (run.dash.scale as Obj).domain } };
  }
  return { ...spec, encoding: own };
}

/**
 * When a line's dash showed the noise kind (a second channel beside colour, for readers who cannot tell colours
 * apart) and the run takes the dash over, the kind moves to the shape of the line's points: that kind channel with
 * each kind's point shape. Undefined when the dash showed no kind, the line has no points or a shape is already used.
 */
function movedKindShape(dash: unknown, mark: unknown, shape: unknown): Obj | undefined {
  if (shape !== undefined || !isObj(dash) || !isObj(dash.scale) || !Array.isArray(dash.scale.domain)) return undefined;
  if (!isObj(mark) || mark.point === undefined || mark.point === false) return undefined;
  try {
    const shapes = dash.scale.domain.map((k) => kindStyle(String(k)).shape);
    return { ...dash, scale: { ...dash.scale, range: shapes } };
  } catch {
    return undefined;
  }
}

/** Spec properties valid only at the top level: kept once, outside the panels. */
const TOP_LEVEL = ['$schema', 'config', 'autosize', 'background', 'padding'];

/** The widest a panel's title (its run's label) is drawn, in pixels; a longer one ends in an ellipsis. */
const PANEL_TITLE_LIMIT = 360;

/** One panel per run (two a row), each its run's own spec over its own records, titled with the run's label. */
export function panelSpec(runs: readonly RunFigure[], field: string): VegaLiteSpec {
  const first = runs[0]!.figure.spec;
  const top = Object.fromEntries(TOP_LEVEL.filter((k) => Object.hasOwn(first, k)).map((k) => [k, first[k]]));
  const titles = [...new Set(runs.map((r) => JSON.stringify(r.figure.spec.title ?? null)))];
  const title = titles.length === 1 ? first.title : isObj(first.title) ? first.title.text : first.title;
  const panels = runs.map((r) => {
    const own = Object.fromEntries(Object.entries(r.figure.spec).filter(([k]) => !TOP_LEVEL.includes(k) && k !== 'title'));
    const transform = Array.isArray(own.transform) ? own.transform : [];
    return { ...own, title: { text: r.label, limit: PANEL_TITLE_LIMIT }, transform: [{ filter: { field, equal: r.label } }, ...transform] };
  });
  return { ...(title === undefined ? {} : { title }), ...top, columns: Math.min(runs.length, 2), concat: panels };
}
