/** The Fashion-MNIST section (paper Fig. 3): what each dynamics does from the same sharp minimum. */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import type { fashionSummaryStage } from '../../fashion/stages.ts';
import type { ReportBlock, ReportSection } from '../document.ts';
import { kindColor, kindLabel, kindShape } from '../render/theme.ts';
import { kindLinesFigure } from './kind-lines.ts';
import { spread } from './stats.ts';

/** `fashion.summary`'s outputs, as declared (stages/fashion/outputs.ts). */
export type FashionSummary = OutputsOf<typeof fashionSummaryStage>;

/** One logged point of one dynamics run (`fashion.summary` → `series`). */
export type FashionSeriesRow = FashionSummary['series'][number];

/**
 * The curvature at one point of one run (`fashion.summary` → `probes`; iteration 0 is the sharp minimum).
 * `sharpnessMode` is `absolute` only under the released flatness protocol, with the mean |Δ test accuracy| of the same draws.
 */
export type FashionProbeRow = FashionSummary['probes'][number];

/** The sharp minimum of one seed (`fashion.summary` → `start`; clean and random-label accuracies are null without random labels). */
export type FashionStart = FashionSummary['start'][number];

/** Per kind at the end of the dynamics: the numbers the claims and the tables use. */
export interface FashionOutcome {
  kind: string;
  traceHSigmaAtStart: number;
  /** Final training loss over the start's. */
  lossRise: number;
  finalTrainLoss: number;
  /** Final random-label accuracy. */
  randomFit: number;
  /** The run's excursion: its largest logged training loss over the start's, and its lowest random-label accuracy. */
  peakLossRise: number;
  lowestRandomFit: number;
  testAccuracy: ReturnType<typeof spread>;
  sharpness: number;
}

/** Final outcomes per kind from the series and the summary table (mean over seeds). */
export function fashionOutcomes(summary: Pick<FashionSummary, 'table' | 'series'>): FashionOutcome[] {
  const { table, series } = summary;
  return table.map((r) => {
    const runs = new Map<number, FashionSeriesRow>();
    for (const s of series) if (s.kind === r.kind && (runs.get(s.seed)?.iteration ?? -1) < s.iteration) runs.set(s.seed, s);
    return {
      kind: r.kind,
      traceHSigmaAtStart: r.traceHSigmaAtStart,
      lossRise: r.lossRise,
      finalTrainLoss: r.finalTrainLoss,
      randomFit: r.randomLabelAccuracy,
      peakLossRise: r.peakLossRise,
      lowestRandomFit: r.lowestRandomFit,
      testAccuracy: spread([...runs.values()].map((s) => s.testAccuracy)),
      sharpness: r.sharpness,
    };
  });
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}`);

/** The section built from `fashion.summary`'s outputs. */
export function fashionSection(summary: FashionSummary): ReportSection {
  const { series, probes } = summary;
  const absoluteSharpness = probes.some((p) => p.sharpnessMode === 'absolute');
  const starts = summary.start;
  const kinds = [...new Set(series.map((r) => r.kind))];
  const outcomes = fashionOutcomes(summary);
  const subsets = series.flatMap((r) => [
    { kind: r.kind, seed: r.seed, iteration: r.iteration, subset: 'clean training images (true labels)', accuracy: r.cleanAccuracy },
    { kind: r.kind, seed: r.seed, iteration: r.iteration, subset: 'random-label training images', accuracy: r.randomAccuracy },
  ]);
  const lastProbe = Math.max(...probes.map((p) => p.iteration));
  const spectrum = [
    ...probes
      .filter((p) => p.iteration === 0 && p.kind === kinds[0])
      .flatMap((p) => p.hessianTop.map((value, i) => ({ series: 'start', kind: null, seed: p.seed, rank: i + 1, value }))),
    ...probes
      .filter((p) => p.iteration === lastProbe)
      .flatMap((p) => p.hessianTop.map((value, i) => ({ series: 'end', kind: p.kind, seed: p.seed, rank: i + 1, value }))),
  ].filter((r) => r.value > 0);
  return {
    id: 'fashion',
    title: 'Fashion-MNIST with random labels (paper Fig. 3)',
    blocks: [
      {
        type: 'text',
        text:
          'Full-batch GD pre-trains the CNN until it fits every training image, the random-labelled ones included: that point is the sharp minimum. ' +
          'Every dynamics then starts from it with the same learning rate. A dynamics that escapes leaves it: its training loss rises and it forgets the random labels; the claims section says which kinds did.',
      },
      {
        type: 'table',
        table: {
          id: 'fashion-start',
          title: 'The sharp minimum (GD pre-training)',
          columns: [
            { key: 'seed', label: 'seed', format: 'integer' },
            { key: 'iterations', label: 'GD iterations', format: 'integer' },
            { key: 'reached', label: '100% reached', format: 'text' },
            { key: 'trainLoss', label: 'training loss', format: 'sig' },
            { key: 'trainAccuracy', label: 'training accuracy', format: 'percent' },
            { key: 'cleanAccuracy', label: 'clean', format: 'percent' },
            { key: 'randomAccuracy', label: 'random labels', format: 'percent' },
            { key: 'testAccuracy', label: 'test accuracy', format: 'percent' },
          ],
          rows: starts.map((s) => ({ ...s, reached: s.reached ? 'yes' : 'no (cap)' })),
        },
      },
      {
        type: 'figure',
        figure: kindLinesFigure({
          id: 'fashion-test-accuracy',
          title: 'Test accuracy from the sharp minimum',
          subtitle: 'Fashion-MNIST test images',
          caption: 'Test accuracy of every dynamics against iteration, all starting at the sharp minimum.',
          rows: series,
          kinds,
          y: 'testAccuracy',
          yTitle: 'test accuracy',
          percent: true,
        }),
      },
      {
        type: 'figure',
        figure: kindLinesFigure({
          id: 'fashion-train-loss',
          title: 'Training loss from the sharp minimum',
          subtitle: 'cross-entropy on all training images, log scale',
          caption: 'Training loss (random labels included) against iteration; a rise by orders of magnitude is an escape.',
          rows: series,
          kinds,
          y: 'trainLoss',
          yTitle: 'training loss (nats)',
          log: true,
        }),
      },
      {
        type: 'figure',
        figure: kindLinesFigure({
          id: 'fashion-clean-vs-random',
          title: 'Training accuracy: clean against random-labelled images',
          caption:
            'Left: the training images with their true labels; right: the images whose labels were replaced at random. Forgetting the random labels while keeping the clean ones is the regularisation effect.',
          rows: subsets,
          kinds,
          y: 'accuracy',
          yTitle: 'training accuracy',
          percent: true,
          groupBy: ['subset'],
          column: { field: 'subset', title: null },
          width: 300,
          height: 240,
        }),
      },
      {
        type: 'figure',
        figure: kindLinesFigure({
          id: 'fashion-sharpness',
          title: absoluteSharpness ? 'Flatness along each dynamics (the released flatness protocol)' : 'Expected sharpness along each dynamics',
          subtitle: absoluteSharpness ? 'E|L(θ + ν) − L(θ)|, ν ~ N(0, δ²I)' : 'E[L(θ + ν)] − L(θ), ν ~ N(0, δ²I)',
          caption: absoluteSharpness
            ? 'Mean absolute change of the training loss under random perturbations (fashion.probe.sharpness.mode = absolute, as the released flatness.py), at the sharp minimum (iteration 0) and at the checkpoints of each run; the mean absolute test-accuracy change of the same draws is in the figure data (testAccuracyChange).'
            : 'Expected sharpness at the sharp minimum (iteration 0) and at the checkpoints of each run.',
          rows: probes,
          kinds,
          y: 'sharpness',
          yTitle: 'expected sharpness (nats)',
        }),
      },
      {
        type: 'figure',
        figure: kindLinesFigure({
          id: 'fashion-indicator',
          title: 'Tr(HΣ) of each dynamics’ own noise over time',
          subtitle: 'at the sharp minimum and at the checkpoints, log scale',
          caption: 'The escaping-efficiency indicator Tr(HΣ_kind) evaluated along each run (for SGD, Σ is the minibatch-gradient covariance; GD has Σ = 0).',
          rows: probes.map((p) => ({ ...p, traceHSigmaOwn: p.traceHSigmaOwn })),
          kinds,
          y: 'traceHSigmaOwn',
          yTitle: 'Tr(HΣ_kind)',
          log: true,
        }),
      },
      {
        type: 'figure',
        figure: {
          id: 'fashion-hessian-spectrum',
          title: 'Top Hessian eigenvalues at the start and at the end of each dynamics',
          caption: `The Hessian’s top eigenvalues (Lanczos) at the sharp minimum (grey, dashed) and at iteration ${lastProbe} of each dynamics.`,
          data: spectrum,
          spec: {
            title: { text: 'Top Hessian eigenvalues', subtitle: `sharp minimum (grey, dashed) and iteration ${lastProbe}, log scale` },
            width: 460,
            height: 280,
            layer: [
              {
                transform: [{ filter: "datum.series === 'end'" }],
                mark: { type: 'line', point: true, strokeWidth: 1.2 },
                encoding: {
                  x: { field: 'rank', type: 'ordinal', title: 'eigenvalue rank' },
                  y: { aggregate: 'mean', field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'eigenvalue (mean over seeds)' },
                  color: kindColor(kinds, { title: 'Dynamics' }),
                  shape: kindShape(kinds, { title: 'Dynamics' }),
                },
              },
              {
                transform: [{ filter: "datum.series === 'start'" }],
                mark: { type: 'line', color: '#7f7f7f', strokeWidth: 3, strokeDash: [6, 3] },
                encoding: { x: { field: 'rank', type: 'ordinal' }, y: { aggregate: 'mean', field: 'value', type: 'quantitative', scale: { type: 'log' } } },
              },
              {
                transform: [{ filter: "datum.series === 'start' && datum.rank === 1" }],
                mark: { type: 'text', align: 'left', dx: 6, dy: -10, fontSize: 11, color: '#555555' },
                encoding: {
                  x: { field: 'rank', type: 'ordinal' },
                  y: { aggregate: 'mean', field: 'value', type: 'quantitative', scale: { type: 'log' } },
                  text: { value: 'sharp minimum' },
                },
              },
            ],
          },
        },
      },
      {
        type: 'table',
        table: {
          id: 'fashion-final',
          title: 'Where each dynamics ends',
          caption:
            'Test accuracy as mean ± sample sd over seeds (range in brackets); the other columns are means over seeds. Loss rise = final training loss ÷ training loss at the sharp minimum; peak loss rise and lowest random-label fit are the extremes over the logged iterations (the run’s excursion, by which escape is judged).',
          columns: [
            { key: 'dynamics', label: 'dynamics', format: 'text' },
            { key: 'traceHSigmaAtStart', label: 'Tr(HΣ) at start', format: 'sig' },
            { key: 'finalTrainLoss', label: 'final training loss', format: 'sig' },
            { key: 'lossRise', label: 'loss rise (×)', format: 'sig' },
            { key: 'randomFit', label: 'random-label fit', format: 'percent' },
            { key: 'peakLossRise', label: 'peak loss rise (×)', format: 'sig' },
            { key: 'lowestRandomFit', label: 'lowest random-label fit', format: 'percent' },
            { key: 'testAccuracy', label: 'test accuracy (%)', format: 'text' },
            { key: 'sharpness', label: 'expected sharpness', format: 'sig' },
          ],
          rows: outcomes.map((o) => ({
            dynamics: kindLabel(o.kind),
            traceHSigmaAtStart: o.traceHSigmaAtStart,
            finalTrainLoss: o.finalTrainLoss,
            lossRise: o.lossRise,
            randomFit: o.randomFit,
            peakLossRise: o.peakLossRise,
            lowestRandomFit: o.lowestRandomFit,
            testAccuracy: o.testAccuracy
              ? `${pct(o.testAccuracy.mean)} ± ${pct(o.testAccuracy.sd)} (${pct(o.testAccuracy.min)}–${pct(o.testAccuracy.max)}, ${o.testAccuracy.n} seed${o.testAccuracy.n === 1 ? '' : 's'})`
              : '–',
            sharpness: o.sharpness,
          })),
        },
      },
      ...lanczosBlocks(summary),
    ],
  };
}

/** One row of the summary's `lanczos` output: the Hessian top-k's cost and worst residual per dynamics. */
type LanczosRow = FashionSummary['lanczos'][number];

/** The table of Hessian top-k costs and residuals (absent in summaries written before it existed). */
function lanczosBlocks(summary: FashionSummary): ReportBlock[] {
  const rows: readonly LanczosRow[] | undefined = summary.lanczos;
  if (!rows?.length) return [];
  const worst = (xs: (number | null)[]) => Math.max(...xs.filter((x): x is number => x !== null));
  const used = worst(rows.map((r) => r.maxUsedPairResidual));
  const probed = worst(rows.map((r) => r.maxProbeResidual));
  const fmt = (x: number) => (Number.isFinite(x) ? x.toExponential(1) : '–');
  return [
    {
      type: 'table',
      table: {
        id: 'fashion-lanczos',
        title: 'Hessian top-k: cost and accuracy',
        caption: `Largest relative residual ‖Hy − θy‖/|θ| of an eigenpair a noise kind used: ${fmt(used)}; of an eigenvalue a probe reported: ${fmt(probed)}. HVPs per refresh are Lanczos's Hessian-vector products each time a kind recomputed its top-k.`,
        columns: [
          { key: 'dynamics', label: 'dynamics', format: 'text' },
          { key: 'seed', label: 'seed', format: 'integer' },
          { key: 'refreshes', label: 'top-k refreshes', format: 'integer' },
          { key: 'hvpsPerRefreshMean', label: 'HVPs per refresh (mean)', format: 'sig' },
          { key: 'hvpsPerRefreshMax', label: 'HVPs per refresh (max)', format: 'integer' },
          { key: 'maxUsedPairResidual', label: 'largest residual used', format: 'sig' },
          { key: 'refreshesUnconverged', label: 'refreshes not converged', format: 'integer' },
          { key: 'maxProbeResidual', label: 'largest probe residual', format: 'sig' },
        ],
        rows: rows.map((r) => ({ ...r, dynamics: kindLabel(r.kind) })),
        keys: ['dynamics', 'seed'],
      },
    },
  ];
}
