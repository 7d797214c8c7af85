/**
 * The report builder on synthetic summaries of every experiment, the image datasets included: which sections and
 * figures appear, that every spec renders to SVG with marks, and that figure data are what the summaries hold.
 */
import test from 'ava';
import { buildReport, type ReportFacts } from './build.ts';
import type { ReportFigure } from './document.ts';
import { renderMarkdown } from './markdown.ts';
import { documentFigures } from './render/bundle.ts';
import { renderSvg } from './render/vega.ts';
import { SYNTHETIC_IMAGE_KINDS, syntheticFacts as facts, syntheticInputs as inputs } from './testing.ts';

test('every experiment present gives its section; the image sections appear only when their runs exist', (t) => {
  const without = buildReport(inputs(false), facts).doc;
  t.deepEqual(
    without.sections.map((s) => s.id),
    ['claims', 'toy2d', 'onehidden', 'fashion', 'theory', 'provenance'],
  );
  const withImages = buildReport(inputs(true), facts);
  t.deepEqual(
    withImages.doc.sections.map((s) => s.id),
    ['claims', 'toy2d', 'onehidden', 'fashion', 'theory', 'svhn', 'cifar10', 'provenance'],
  );
  t.is(withImages.claims.find((c) => c.id === 'svhn-sgd-vs-gd')!.verdict, 'holds');
  const md = renderMarkdown(withImages.doc);
  t.regex(md, /## VGG11 on SVHN/);
  t.regex(md, /\| toy2d\.data\[seed=0\] \| 1 \| abababababababab \| 7 \| wasm \|$/m);
});

test('the report is the same for the same cache entries: wall times and dates of the runs behind it do not enter it', (t) => {
  const other: ReportFacts = { ...facts, lineage: facts.lineage.map((e) => ({ ...e, durationMs: e.durationMs * 7 + 1, createdAt: 'y' })) };
  const a = buildReport(inputs(true), facts).doc;
  const b = buildReport(inputs(true), other).doc;
  t.is(renderMarkdown(b), renderMarkdown(a));
  t.deepEqual(b, a);
});

test('figure data are the summaries’ numbers: mean and range over seeds per kind and iteration', (t) => {
  const figs = new Map(documentFigures(buildReport(inputs(true), facts).doc).map((f) => [f.id, f]));
  const acc = figs.get('fashion-test-accuracy')!.data.find((r) => r.kind === 'sgd' && r.iteration === 20)!;
  t.like(acc, { n: 2, min: 0.62, max: 0.63 });
  t.true(Math.abs((acc.mean as number) - 0.625) < 1e-12);
  // Log axes drop non-positive values (gd's own Tr(HΣ) is 0) and say so in the caption.
  const ind = figs.get('fashion-indicator')!;
  t.false(ind.data.some((r) => r.kind === 'gd'));
  t.regex(ind.caption, /not shown on the log axis/);
  t.deepEqual([...new Set(figs.get('svhn-test-accuracy')!.data.map((r) => r.kind))], SYNTHETIC_IMAGE_KINDS);
});

test('every figure spec compiles and renders to an SVG with data marks', async (t) => {
  const figures: ReportFigure[] = documentFigures(buildReport(inputs(true), facts).doc);
  t.true(figures.length >= 12);
  for (const f of figures) {
    const svg = await renderSvg(f.spec, f.data, { onWarning: (m) => t.fail(`${f.id}: vega warning ${m}`) });
    t.regex(svg, /^<svg/, f.id);
    t.regex(svg, /role-mark/, f.id);
  }
});
