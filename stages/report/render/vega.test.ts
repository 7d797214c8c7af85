import test from 'ava';
import { sampleBarFigure, sampleLineFigure, sampleScatterFigure } from './sample-document.ts';
import { KIND_ORDER, THEME_CONFIG } from './theme.ts';
import { fullSpec, mergeConfig, renderSvg } from './vega.ts';

const quiet = { onWarning: () => {} };

/** Number of shapes drawn in data-mark groups of one mark type (`line`, `symbol`, `rect`). */
function dataMarks(svg: string, markType: string): number {
  const parts = svg.split(`<g class="mark-${markType} role-mark`).slice(1);
  return parts.reduce((n, part) => n + (part.slice(0, part.indexOf('</g>')).match(/<path\b/g) ?? []).length, 0);
}

test('a log-y line chart draws one line per kind, its axis titles and display-name legend labels', async (t) => {
  const fig = sampleLineFigure();
  const svg = await renderSvg(fig.spec, fig.data, quiet);
  t.true(svg.startsWith('<svg'));
  t.is(dataMarks(svg, 'line'), 4);
  t.regex(svg, />Iteration</);
  t.regex(svg, />Training loss \(log\)</);
  for (const label of ['GD', 'SGD', 'GLD const', 'GLD diag']) t.regex(svg, new RegExp(`>${label}</text>`));
  t.notRegex(svg, />gld_const</, 'legend shows display names, not ids');
  t.regex(svg, /stroke="#D55E00"/, 'SGD is drawn in its fixed colour');
  t.regex(svg, /stroke-dasharray="6,3"/, 'GLD const is dashed');
  t.regex(svg, /font-family="DejaVu Sans, Helvetica, Arial, sans-serif"/);
});

test('a scatter draws every point and a bar chart every bar', async (t) => {
  const scatter = sampleScatterFigure();
  t.is(dataMarks(await renderSvg(scatter.spec, scatter.data, quiet), 'symbol'), scatter.data.length);
  const bars = sampleBarFigure();
  const svg = await renderSvg(bars.spec, bars.data, quiet);
  t.is(dataMarks(svg, 'rect'), KIND_ORDER.length, 'one bar per registered kind');
  t.regex(svg, />GLD 1st eigvec\(H\)</, 'axis labels use display names');
});

test('rendering is deterministic, clip-path ids included', async (t) => {
  const clipped = {
    mark: { type: 'line', clip: true },
    encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [0, 1] } }, y: { field: 'y', type: 'quantitative' } },
  };
  const rows = [
    { x: 0, y: 1 },
    { x: 2, y: 3 },
  ];
  const first = await renderSvg(clipped, rows, quiet);
  t.regex(first, /id="clip1"/);
  const fig = sampleLineFigure();
  const a = await renderSvg(fig.spec, fig.data, quiet);
  const second = await renderSvg(clipped, rows, quiet);
  const b = await renderSvg(fig.spec, fig.data, quiet);
  t.is(second, first);
  t.is(b, a);
});

test('fullSpec inlines the data and merges the spec config over the theme', (t) => {
  const data = [{ x: 1 }];
  const spec = fullSpec({ mark: 'point', config: { axis: { labelFontSize: 20 } } }, data);
  t.deepEqual(spec.data, { values: data });
  t.is(spec.mark, 'point');
  t.regex(String(spec.$schema), /vega-lite\/v6/);
  const config = spec.config as { axis: Record<string, unknown>; background: string };
  t.is(config.axis.labelFontSize, 20);
  t.is(config.axis.titleFontSize, (THEME_CONFIG.axis as Record<string, unknown>).titleFontSize);
  t.is(config.background, '#ffffff');
  t.throws(() => fullSpec({ mark: 'point', data: { url: 'x.json' } }, data), { message: /must not carry its own data/ });
});

test('mergeConfig merges nested objects and replaces arrays', (t) => {
  t.deepEqual(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
});

test('a spec that asks to load data from a URL fails instead of reaching the network', async (t) => {
  const spec = { layer: [{ data: { url: 'http://127.0.0.1:9/x.json' }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } }] };
  await t.throwsAsync(renderSvg(spec, [], quiet), { message: /must be inlined.*127\.0\.0\.1:9/ });
});
