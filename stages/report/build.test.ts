/**
 * The report builder on synthetic summaries of every experiment, the image datasets included: which sections and
 * figures appear, that every spec renders to SVG with marks, and that figure data are what the summaries hold.
 */
import test from 'ava';
import { buildReport, type ReportFacts } from './build.ts';
import type { ReportInputs } from './inputs.ts';
import type { ReportFigure } from './document.ts';
import type { FashionSummary } from './figures/fashion.ts';
import type { ImageSummary } from './figures/images.ts';
import type { OneHiddenSummary } from './figures/onehidden.ts';
import type { FashionTheory } from './figures/theory.ts';
import type { Toy2dSummary } from './figures/toy2d.ts';
import { renderMarkdown } from './markdown.ts';
import { documentFigures } from './render/bundle.ts';
import { renderSvg } from './render/vega.ts';

const KINDS = ['gd', 'sgd', 'gld_const', 'gld_hessian_top1'];
const IMAGE_KINDS = ['gd', 'sgd', 'gld_diag'];
/** A synthetic summary holding only what the builder reads, typed as the stage's outputs. */
const art = <T>(x: Record<string, unknown>) => x as unknown as T;

function inputs(withImages: boolean): ReportInputs {
  const axis = [-2, -1, 0, 1, 2];
  const toy2d = art<Toy2dSummary>({
    table: KINDS.map((kind, i) => ({
      kind,
      repeats: 10,
      escapes: [i],
      escapesMean: i,
      escapesMin: i,
      escapesMax: i,
      traceHSigma: kind === 'gd' ? null : 1 + i / 10,
      traceHSigmaClosedForm: null,
    })),
    trajectories: KINDS.flatMap((kind) => [0, 1, 2].map((point) => ({ kind, repeat: 0, point, w1: 1 - point / 2, w2: 1 - point / 2 }))),
    lossGrid: { w1: axis, w2: axis, loss: axis.flatMap((y) => axis.map((x) => x * x + y * y)) },
  });
  const perSeed = [0, 1].flatMap((seed) =>
    [0, 1, 2].map((epoch) => ({ seed, epoch, loss: 1, accuracy: 0.5, traceHSigma: 100 + seed, traceHSigmaIso: 1, ratio: 100 + seed })),
  );
  const onehidden = art<OneHiddenSummary>({
    perSeed,
    perEpoch: [0, 1, 2].map((epoch) => ({ epoch, ratio: 100.5 })),
    table: [{ epoch: 0, loss: 1, accuracy: 0.5, traceHSigma: 100, traceHSigmaIso: 1, ratio: 100, ratioMin: 100, ratioMax: 101 }],
  });
  const series = KINDS.flatMap((kind, k) =>
    [0, 1].flatMap((seed) =>
      [0, 10, 20].map((iteration) => ({
        kind,
        seed,
        iteration,
        trainLoss: 0.01 * (1 + k * iteration),
        trainAccuracy: 1,
        cleanAccuracy: 1,
        randomAccuracy: 1 - k * 0.01 * iteration,
        testLoss: 1,
        testAccuracy: 0.6 + 0.001 * k * iteration + 0.01 * seed,
        noiseTrace: 0,
      })),
    ),
  );
  const probes = KINDS.flatMap((kind, k) =>
    [0, 1].flatMap((seed) =>
      [0, 20].map((iteration) => ({
        kind,
        seed,
        iteration,
        hessianTop: [20, 10, 5],
        traceH: 50,
        traceSigma: 1,
        traceHSigma: 8,
        traceHSigmaIsotropic: 0.1,
        ratio: 80,
        traceHSigmaOwn: k,
        sharpness: 0.01,
        sharpnessStderr: 0.001,
      })),
    ),
  );
  const fashion = art<FashionSummary>({
    start: [0, 1].map((seed) => ({
      seed,
      iterations: 1500,
      reached: true,
      trainLoss: 0.01,
      trainAccuracy: 1,
      cleanAccuracy: 1,
      randomAccuracy: 1,
      testLoss: 1.2,
      testAccuracy: 0.65,
    })),
    table: KINDS.map((kind, k) => ({
      kind,
      traceHSigmaAtStart: k,
      finalTrainLoss: 0.01 * (1 + 20 * k),
      lossRise: 1 + 20 * k,
      randomLabelAccuracy: 1 - 0.2 * k,
      testAccuracy: 0.6,
      sharpness: 0.01,
    })),
    series,
    probes,
  });
  const theory = [0, 1].map(() =>
    art<FashionTheory>({
      settings: { runs: 4, steps: 2, every: 1, k: 3, lr: 0.07 },
      rows: KINDS.flatMap((kind, k) =>
        [0, 1, 2].map((step) => ({
          kind,
          step,
          t: step * 0.07,
          measuredMean: k * step * 0.01,
          measuredStderr: 0.001,
          gdDrift: 0,
          noiseInduced: k * step * 0.01,
          linear: k * step * 0.01,
          quadratic: k * step * 0.005,
          quadraticDiscrete: k * step * 0.006,
          traceHSigma: k,
        })),
      ),
    }),
  );
  const image = (acc: number) =>
    art<ImageSummary>({
      table: IMAGE_KINDS.map((kind, k) => ({
        kind,
        trainAccuracy: 1,
        testAccuracy: acc + 0.01 * k,
        testAccuracyMin: acc,
        testAccuracyMax: acc + 0.02,
        sharpness: 0.001,
      })),
      series: IMAGE_KINDS.flatMap((kind, k) => [0, 100].map((iteration) => ({ kind, seed: 0, iteration, trainLoss: 1, testAccuracy: acc + 0.01 * k }))),
    });
  return { toy2d, onehidden, fashion, theory, ...(withImages ? { svhn: image(0.85), cifar10: image(0.7) } : {}) };
}

const facts: ReportFacts = {
  title: 'synthetic',
  run: { profile: 'quick', overrides: ['fashion.seeds=2'] },
  backend: 'wasm',
  config: { toy2d: { lr: 0.005, iterations: 500, variance: 0.01 }, onehidden: { hidden: 100, itersPerEpoch: 10, covBatches: 100, covBatchSize: 10 } },
  lineage: [
    {
      instance: 'toy2d.data[seed=0]',
      stage: 'toy2d.data',
      version: 1,
      key: 'ab'.repeat(32),
      seed: 7,
      durationMs: 1234,
      createdAt: 'x',
      meta: { backend: 'wasm' },
    },
  ],
  versions: { node: 'v20' },
  fashionTrainImages: 1200,
};

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
  t.deepEqual([...new Set(figs.get('svhn-test-accuracy')!.data.map((r) => r.kind))], IMAGE_KINDS);
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
