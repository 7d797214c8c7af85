/**
 * One figure over several runs: records tagged per run, the overlay spec (dash per run on lines, shape per run on
 * points, offsets on bars, every mark grouped by run), scale domains united, panels where overlaying cannot work;
 * each checked on the spec and on the SVG vega draws from it.
 */
import test from 'ava';
import { RUN_STYLES, compareFigure, panelSpec, runField, unifySpecs, type RunFigure } from './compare-figure.ts';
import type { ReportFigure } from './document.ts';
import { kindLinesFigure } from './figures/kind-lines.ts';
import { KIND_STYLES } from './render/theme.ts';
import { renderSvg } from './render/vega.ts';

/** A test-accuracy figure of `kinds`, one seed, iterations 0, 10, 20, accuracies shifted by `shift`. */
function accuracyFigure(kinds: readonly string[], shift: number): ReportFigure {
  const rows = kinds.flatMap((kind, k) => [0, 10, 20].map((iteration) => ({ kind, seed: 0, iteration, testAccuracy: 0.5 + 0.01 * k * iteration + shift })));
  return kindLinesFigure({ id: 'acc', title: 'Test accuracy', caption: 'Accuracy.', rows, kinds, y: 'testAccuracy', yTitle: 'test accuracy', percent: true });
}

const runs = (...figures: ReportFigure[]): RunFigure[] => figures.map((figure, index) => ({ label: index === 0 ? 'quick' : `lr=${index}`, index, figure }));

// biome-ignore lint/suspicious/noExplicitAny: Vega-Lite specs, read field by field by the assertions
type Obj = Record<string, any>;

/** Every `<path>` of vega's line marks in an SVG, by the run named in its aria label. */
function linePathsPerRun(svg: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const group of svg.split('<g class="mark-line role-mark').slice(1)) {
    for (const m of group.split('</g>')[0]!.matchAll(/<path aria-label="[^"]*; Run: ([^;"]+)[;"]/g)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  }
  return out;
}

test('every run’s records are kept and tagged with its label; a field the records already use is not taken', (t) => {
  const a = accuracyFigure(['gd', 'sgd'], 0);
  const b = accuracyFigure(['gd', 'sgd'], 0.1);
  const merged = compareFigure(runs(a, b));
  t.is(merged.data.length, a.data.length + b.data.length);
  t.deepEqual(
    merged.data.filter((r) => r.run === 'quick').map(({ run: _, ...r }) => r),
    a.data,
  );
  t.deepEqual(
    merged.data.filter((r) => r.run === 'lr=1').map(({ run: _, ...r }) => r),
    b.data,
  );
  t.is(runField([{ run: 1 }]), 'compared_run');
  t.is(runField([{ x: 1 }]), 'run');
});

test('a line figure overlays the runs: colour stays the dynamics, the dash is the run, points take the kind’s shape', async (t) => {
  const merged = compareFigure(runs(accuracyFigure(['gd', 'sgd'], 0), accuracyFigure(['gd', 'sgd', 'gld_const'], 0.1)));
  const spec = merged.spec as Obj;
  // colour: the kinds of both runs, each with its fixed colour
  t.deepEqual(spec.encoding.color.scale.domain, ['gd', 'sgd', 'gld_const']);
  t.deepEqual(
    spec.encoding.color.scale.range,
    ['gd', 'sgd', 'gld_const'].map((k) => KIND_STYLES[k as keyof typeof KIND_STYLES].color),
  );
  const [line, band] = spec.layer as Obj[];
  t.like(line!.encoding.strokeDash, { field: 'run', title: 'Run', scale: { domain: ['quick', 'lr=1'], range: [RUN_STYLES[0]!.dash, RUN_STYLES[1]!.dash] } });
  t.deepEqual(line!.encoding.shape.scale.range, ['gd', 'sgd'].map((k) => KIND_STYLES[k as keyof typeof KIND_STYLES].shape).concat(KIND_STYLES.gld_const.shape));
  // the bands are drawn per run too, not one band over both runs' points
  t.deepEqual(band!.encoding.detail, [{ field: 'run', type: 'nominal' }]);
  t.regex(merged.caption, /^Accuracy\. One seed\. Runs overlaid: colour is the dynamics/);
  const svg = await renderSvg(merged.spec, merged.data, { onWarning: (m) => t.fail(m) });
  // one line per kind and run: 2 kinds in the first run, 3 in the second
  t.deepEqual(linePathsPerRun(svg), { quick: 2, 'lr=1': 3 });
  t.regex(svg, /stroke-dasharray="7,3"/);
  t.regex(svg, />quick</, 'the legend names the runs');
  t.regex(svg, />lr=1</);
});

test('points take one shape per run, bars one offset per run; both draw every run’s marks', async (t) => {
  const rows = (shift: number) => ['a', 'b'].map((x, i) => ({ x, y: i + shift }));
  const points: ReportFigure = {
    id: 'p',
    title: 'p',
    caption: 'Points.',
    data: rows(0),
    spec: { mark: 'point', encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'y', type: 'quantitative' } } },
  };
  const bars: ReportFigure = { ...points, id: 'b', spec: { ...points.spec, mark: 'bar' } };
  const p = compareFigure(runs(points, { ...points, data: rows(1) }));
  t.like((p.spec as Obj).encoding.shape, { field: 'run', scale: { domain: ['quick', 'lr=1'], range: ['circle', 'square'] } });
  const b = compareFigure(runs(bars, { ...bars, data: rows(1) }));
  t.like((b.spec as Obj).encoding.xOffset, { field: 'run', type: 'nominal' });
  const pointSvg = await renderSvg(p.spec, p.data, { onWarning: (m) => t.fail(m) });
  t.is([...pointSvg.matchAll(/aria-roledescription="point"/g)].length, 4);
  const barSvg = await renderSvg(b.spec, b.data, { onWarning: (m) => t.fail(m) });
  t.is([...barSvg.matchAll(/aria-roledescription="bar"/g)].length, 4);
});

test('specs unify where runs list different things (domains, sorts, label expressions), and not where they differ otherwise', (t) => {
  const a = {
    title: 't',
    scale: { domain: [0, 1] },
    encoding: { color: { scale: { domain: ['x'], range: ['#111'] }, legend: { labelExpr: "datum.value === 'x' ? 'X' : datum.value" } } },
  };
  const b = {
    title: 't',
    scale: { domain: [-1, 0.5] },
    encoding: { color: { scale: { domain: ['y', 'x'], range: ['#222', '#111'] }, legend: { labelExpr: 'datum.value' } } },
  };
  const u = unifySpecs([a, b]) as Obj;
  t.deepEqual(u.scale.domain, [-1, 1]);
  t.deepEqual(u.encoding.color.scale, { domain: ['x', 'y'], range: ['#111', '#222'] });
  t.is(
    u.encoding.color.legend.labelExpr,
    "((datum.value === 'x' ? 'X' : datum.value) !== datum.value ? (datum.value === 'x' ? 'X' : datum.value) : ((datum.value) !== datum.value ? (datum.value) : datum.value))",
  );
  t.deepEqual((unifySpecs([{ facet: { sort: ['A', 'B'] } }, { facet: { sort: ['B', 'C'] } }]) as Obj).facet.sort, ['A', 'B', 'C']);
  t.deepEqual(unifySpecs([{ scale: { domainMin: 2 } }, { scale: { domainMin: 1 } }]), { scale: { domainMin: 1 } });
  t.is(unifySpecs([{ title: 'iteration 400' }, { title: 'iteration 200' }]), undefined);
  t.is(unifySpecs([{ layer: [{}, {}] }, { layer: [{}] }]), undefined);
  // one value drawn in two colours cannot share a scale
  t.is(unifySpecs([{ scale: { domain: ['x'], range: ['#111'] } }, { scale: { domain: ['x'], range: ['#999'] } }]), undefined);
});

test('a figure that asks for panels, or whose runs’ specs differ, shows one panel per run over its own records', async (t) => {
  const a = { ...accuracyFigure(['gd', 'sgd'], 0), compare: 'panels' as const };
  const merged = compareFigure(runs(a, { ...a, data: accuracyFigure(['gd', 'sgd'], 0.1).data }));
  const spec = merged.spec as Obj;
  t.is(spec.concat.length, 2);
  t.is(spec.columns, 2);
  t.deepEqual(
    spec.concat.map((p: Obj) => [p.title.text, p.transform[0]]),
    [
      ['quick', { filter: { field: 'run', equal: 'quick' } }],
      ['lr=1', { filter: { field: 'run', equal: 'lr=1' } }],
    ],
  );
  t.is(merged.compare, undefined);
  t.regex(merged.caption, /One panel per run\.$/);
  const svg = await renderSvg(merged.spec, merged.data, { onWarning: (m) => t.fail(m) });
  t.regex(svg, />quick</);
  t.regex(svg, />lr=1</);
  t.is([...svg.matchAll(/aria-roledescription="line mark"/g)].length, 4, 'two kinds in each of two panels');
  // differing titles make panels too, with the first run's title text over them
  const titled = (text: string) => ({ ...accuracyFigure(['gd'], 0), spec: { ...accuracyFigure(['gd'], 0).spec, title: { text, subtitle: 's' } } });
  const differ = compareFigure(runs(titled('at 400'), titled('at 200')));
  t.is((differ.spec as Obj).title, 'at 400');
  t.truthy((differ.spec as Obj).concat);
  t.deepEqual(Object.keys(panelSpec(runs(a, a), 'run')), ['title', 'columns', 'concat']);
});

test('a figure only one run has is that run’s, noted in the caption', (t) => {
  const a = accuracyFigure(['gd'], 0);
  const only = compareFigure([{ label: 'lr=1', index: 1, figure: a }]);
  t.deepEqual(only.spec, a.spec);
  t.deepEqual(only.data, a.data);
  t.is(only.caption, `${a.caption} Only run lr=1 has this figure.`);
});
