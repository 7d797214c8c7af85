/**
 * The batch-size part of "Beyond the paper": SGD's escape from the Fashion-MNIST sharp minimum against its Tr(HΣ_m)
 * over the batch sizes m of `fashion.batchSizes` (from `fashion.batchSummary`), a table, and three findings whose
 * criteria are fixed here.
 */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import type { BatchSeedRow, BatchSizeRow, fashionBatchSummaryStage } from '../../fashion/batch-size.ts';
import { spearman } from '../../numerics/rank-correlation.ts';
import type { ReportBlock } from '../document.ts';
import { OKABE_ITO } from '../render/theme.ts';

/** "Grows with Tr(HΣ_m)": Spearman's ρ over the batch sizes at least this (at most its negative for a falling measure). */
export const BATCH_RHO_MIN = 0.9;
/** "The linear indicator accounts for the m-dependence": measured ÷ linear agrees across the m's within this factor. */
export const BATCH_LINEAR_FACTOR = 2;
/** Fewer batch sizes than this are not judged (a rank correlation of two points says nothing). */
export const BATCH_MIN_SIZES = 3;

/** One finding, as the Beyond section's findings table shows it. */
export interface BatchFinding {
  id: string;
  finding: string;
  criterion: string;
  thisRun: string;
  verdict: 'holds' | 'does not hold' | 'not run';
}

const sig3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toPrecision(3));
const rhoText = (r: number | null) => (r === null ? 'undefined (a constant list)' : r.toFixed(3));

/** The three findings from the per-m table (means over seeds); verdicts from the numbers only. */
export function batchSizeFindings(table: readonly BatchSizeRow[]): BatchFinding[] {
  const traces = table.map((r) => r.traceHSigma);
  const few = table.length < BATCH_MIN_SIZES;
  const notRun = `${table.length} batch size${table.length === 1 ? '' : 's'}: not judged (fewer than ${BATCH_MIN_SIZES})`;
  const per = (f: (r: BatchSizeRow) => number | null) => table.map((r) => `m=${r.batchSize}: ${sig3(f(r))}`).join(', ');

  // Escape is judged by each run's excursion (stages/dynamics/excursion.ts), as the report's escape claim is.
  const fits = table.map((r) => r.lowestRandomFit);
  const rhoRise = spearman(
    traces,
    table.map((r) => r.peakLossRise),
  );
  const rhoFit = fits.every((x) => x !== null) ? spearman(traces, fits as number[]) : null;
  const escapeFinding: BatchFinding = {
    id: 'batch-escape',
    finding: 'SGD escapes the sharp minimum further, and forgets more of the random labels, the larger its Tr(HΣ_m) (the smaller its batch).',
    criterion: `over the batch sizes (means over seeds), judged by each run's excursion: Spearman’s ρ between Tr(HΣ_m) and the peak / start training loss ≥ ${BATCH_RHO_MIN}, and between Tr(HΣ_m) and the lowest random-label fit ≤ −${BATCH_RHO_MIN}`,
    thisRun: few
      ? notRun
      : `ρ(Tr(HΣ_m), peak loss rise) = ${rhoText(rhoRise)}, ρ(Tr(HΣ_m), lowest random-label fit) = ${rhoText(rhoFit)}; peak loss rise ${per((r) => r.peakLossRise)} (final ${per((r) => r.lossRise)})`,
    verdict: few ? 'not run' : rhoRise !== null && rhoFit !== null && rhoRise >= BATCH_RHO_MIN && rhoFit <= -BATCH_RHO_MIN ? 'holds' : 'does not hold',
  };

  const rhoShort = spearman(
    traces,
    table.map((r) => r.shortHorizonRise),
  );
  const short: BatchFinding = {
    id: 'batch-short-horizon',
    finding: 'SGD’s short-horizon noise-induced loss rise from the sharp minimum grows with Tr(HΣ_m).',
    criterion: `over the batch sizes, Spearman’s ρ between Tr(HΣ_m) and the measured rise at the theory horizon (minus GD’s drift) ≥ ${BATCH_RHO_MIN}`,
    thisRun: few ? notRun : `ρ = ${rhoText(rhoShort)}; rise ${per((r) => r.shortHorizonRise)}`,
    verdict: few ? 'not run' : rhoShort !== null && rhoShort >= BATCH_RHO_MIN ? 'holds' : 'does not hold',
  };

  const ratios = table.map((r) => r.ratioToLinear);
  const positive = ratios.every((x): x is number => x !== null && x > 0);
  const spreadOf = positive ? Math.max(...(ratios as number[])) / Math.min(...(ratios as number[])) : null;
  const linear: BatchFinding = {
    id: 'batch-linear',
    finding: 'The linear indicator accounts for how SGD’s short-horizon rise changes with m: the rise scales as Tr(HΣ_m), whatever its constant.',
    criterion: `measured rise ÷ (n·η²/2)·Tr(HΣ_m) is positive at every batch size, and its largest over its smallest is ≤ ${BATCH_LINEAR_FACTOR}`,
    thisRun: few
      ? notRun
      : `measured ÷ linear ${per((r) => r.ratioToLinear)}; largest / smallest ${spreadOf === null ? '– (not all positive)' : sig3(spreadOf)}`,
    verdict: few ? 'not run' : spreadOf !== null && spreadOf <= BATCH_LINEAR_FACTOR ? 'holds' : 'does not hold',
  };
  return [escapeFinding, short, linear];
}

/** The three measures of escape the figure plots, in panel order. */
export const BATCH_MEASURES = ['final / start training loss', 'random-label fit', 'short-horizon loss rise'] as const;
const MEASURED = 'measured';
const LINEAR = 'linear prediction (nη²/2)·Tr(HΣ_m)';

/**
 * The figure's records: per m and measure the mean over seeds and its interval (the range over seeds for the final
 * loss rise and the random-label fit, where there are several seeds; ±2 standard errors of the short-horizon rise),
 * and the short-horizon panel's linear prediction. `labelAbove` alternates along m, so neighbours' labels do not meet.
 */
export function batchSizeFigureData(table: readonly BatchSizeRow[]): Record<string, unknown>[] {
  const several = table.some((r) => r.seeds > 1);
  const order = [...table].sort((a, b) => a.batchSize - b.batchSize).map((r) => r.batchSize);
  return table.flatMap((r) => {
    const base = {
      batchSize: r.batchSize,
      label: `m = ${r.batchSize}`,
      labelAbove: order.indexOf(r.batchSize) % 2 === 0,
      traceHSigma: r.traceHSigma,
      seeds: r.seeds,
    };
    return [
      {
        ...base,
        measure: BATCH_MEASURES[0],
        series: MEASURED,
        value: r.lossRise,
        lower: several ? r.lossRiseMin : null,
        upper: several ? r.lossRiseMax : null,
      },
      {
        ...base,
        measure: BATCH_MEASURES[1],
        series: MEASURED,
        value: r.randomFit,
        lower: several ? r.randomFitMin : null,
        upper: several ? r.randomFitMax : null,
      },
      {
        ...base,
        measure: BATCH_MEASURES[2],
        series: MEASURED,
        value: r.shortHorizonRise,
        lower: r.shortHorizonRise - 2 * r.shortHorizonStderr,
        upper: r.shortHorizonRise + 2 * r.shortHorizonStderr,
      },
      { ...base, measure: BATCH_MEASURES[2], series: LINEAR, value: r.linear, lower: null, upper: null },
    ];
  });
}

/**
 * The y scale of a measure's panel and the lower ends as drawn (`lowerShown`): a log axis when every point is
 * positive, its bottom at a third of the smallest positive value or lower end, and lower ends below it drawn to the
 * bottom (the data keep the true ones); else a symmetric log axis and the lower ends as they are.
 */
export function panelScale(data: Record<string, unknown>[], measure: string): { scale: Record<string, unknown>; clipped: number } {
  const rows = data.filter((d) => d.measure === measure);
  const values = rows.map((d) => d.value).filter((v): v is number => typeof v === 'number');
  if (!values.every((v) => v > 0)) {
    for (const d of rows) d.lowerShown = d.lower;
    return { scale: { type: 'symlog' }, clipped: 0 };
  }
  const lowers = rows.map((d) => d.lower).filter((v): v is number => typeof v === 'number');
  const floor = Math.min(...values, ...lowers.filter((v) => v > 0)) / 3;
  let clipped = 0;
  for (const d of rows) {
    const lower = d.lower;
    d.lowerShown = typeof lower === 'number' ? Math.max(lower, floor) : null;
    if (typeof lower === 'number' && lower < floor) clipped++;
  }
  return { scale: { type: 'log', domainMin: floor }, clipped };
}

/** One panel of the figure: the measure's points joined in order of m, labelled, with interval rules where it has them. */
function panel(
  data: readonly Record<string, unknown>[],
  measure: (typeof BATCH_MEASURES)[number],
  yTitle: string,
  yScale: Record<string, unknown>,
  o: { format?: string; labels?: boolean } = {},
): Record<string, unknown> {
  // an empty layer (no intervals: one seed) would give vega an empty extent
  const intervals = data.some((d) => d.measure === measure && typeof d.lower === 'number');
  const x = { field: 'traceHSigma', type: 'quantitative', title: 'SGD’s Tr(HΣ_m) at the sharp minimum (log)', scale: { type: 'log' } };
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: yScale, ...(o.format ? { axis: { format: o.format } } : {}) };
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [MEASURED, LINEAR], range: [OKABE_ITO.black, OKABE_ITO.vermillion] },
    legend: { orient: 'bottom', labelLimit: 320 },
  };
  const label = (above: boolean) => ({
    transform: [{ filter: `datum.series === '${MEASURED}' && datum.labelAbove === ${above}` }],
    mark: { type: 'text', dx: 6, dy: above ? -8 : 10, align: 'left', fontSize: 9 },
    encoding: { x, y, text: { field: 'label' } },
  });
  return {
    width: 220,
    height: 200,
    transform: [{ filter: { field: 'measure', equal: measure } }],
    layer: [
      { mark: { type: 'line', strokeWidth: 1.2, opacity: 0.7 }, encoding: { x, y, color, order: { field: 'batchSize', type: 'quantitative' } } },
      ...(intervals
        ? [
            {
              mark: { type: 'rule', strokeWidth: 1.2 },
              encoding: { x, y: { field: 'lowerShown', type: 'quantitative', scale: yScale }, y2: { field: 'upper' }, color },
            },
          ]
        : []),
      {
        mark: { type: 'point', filled: true, size: 45 },
        encoding: {
          x,
          y,
          color,
          tooltip: [
            { field: 'label' },
            { field: 'series' },
            { field: 'traceHSigma', format: '.3g' },
            { field: 'value', format: '.3g' },
            { field: 'lower', format: '.3g' },
            { field: 'upper', format: '.3g' },
          ],
        },
      },
      ...(o.labels ? [label(true), label(false)] : []),
    ],
  };
}

/** `fashion.batchSummary`'s outputs, as declared (stages/fashion/outputs.ts). */
export type BatchSummary = OutputsOf<typeof fashionBatchSummaryStage>;

/** The blocks of the batch-size part and its findings, from `fashion.batchSummary`'s outputs. */
export function batchSizeBlocks(summary: Pick<BatchSummary, 'table' | 'perSeed' | 'settings'>): { blocks: ReportBlock[]; findings: BatchFinding[] } {
  const { table, perSeed, settings } = summary;
  const data = batchSizeFigureData(table);
  const rise = panelScale(data, BATCH_MEASURES[0]);
  for (const d of data) if (d.measure === BATCH_MEASURES[1]) d.lowerShown = d.lower;
  // the short-horizon rise may be ≤ 0 at large m (noise below GD's drift): then a symmetric log axis
  const short = panelScale(data, BATCH_MEASURES[2]);
  const clipped = rise.clipped + short.clipped;
  const seeds = Math.max(...table.map((r) => r.seeds));
  const horizon = table[0]?.horizon ?? 0;
  const m0 = settings.estimateBatchSize;
  const N = settings.trainImages;
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        `Batch size: SGD alone from the same sharp minimum at m = ${table.map((r) => r.batchSize).join(', ')}, with the Fashion-MNIST dynamics’ iterations and learning rate η = ${settings.lr} (m = ${m0} is the SGD run of the section above). ` +
        `SGD draws each minibatch uniformly without replacement, so its noise covariance is exactly Σ_m = (N − m)/(m(N − 1))·Σ₁ (Σ₁ the covariance of one example’s gradient, N = ${N}); the paper’s estimator at m₀ = ${m0} (⌊N/m₀⌋ minibatch means of one shuffled pass) has expectation N/(m₀(N − 1))·Σ₁. ` +
        `Each Tr(HΣ_m) is therefore the indicator’s estimate at m₀ times m₀(N − m)/(mN), with no new Hessian work (stages/numerics/batch-scaling.ts): the ratios between the m’s are exact, their common level carries that one estimate’s sampling error, and m·Tr(HΣ_m) falls with m as (N − m), by ${sig3(100 * (1 - (N - Math.max(...table.map((r) => r.batchSize))) / (N - Math.min(...table.map((r) => r.batchSize)))))}% over these m’s. ` +
        `Escape is measured three ways: the final / start training loss and the random-label fit at the end of the run (as in the Fashion-MNIST table), and the short-horizon rise — the mean loss increase after ${horizon} steps over the theory stage’s short runs from the minimum, minus GD’s drift (at m = ${m0} the theory stage’s own runs), beside the linear prediction (nη²/2)·Tr(HΣ_m).`,
    },
    {
      type: 'figure',
      figure: {
        id: 'beyond-batch-size-escape',
        title: 'SGD’s escape against Tr(HΣ_m) over its batch size m',
        caption:
          `One point per batch size (mean over ${seeds} seed${seeds === 1 ? '' : 's'}), joined in order of m, at the same Tr(HΣ_m) in every panel (labelled in the first); log Tr(HΣ_m) axis. Short-horizon rise: L(θ_${horizon}) − L(θ₀) minus GD’s drift. ` +
          `${seeds > 1 ? 'Bars: range over seeds (loss rise, random-label fit); ' : 'One seed, so no range over seeds; '}short-horizon rise: ±2 standard errors over the runs, with the linear prediction in vermillion.` +
          (clipped > 0
            ? ` ${clipped} bar${clipped === 1 ? '' : 's'} reaching the bottom of a log axis extend${clipped === 1 ? 's' : ''} below it (the data hold the true ends).`
            : ''),
        data,
        spec: {
          title: { text: 'Does SGD’s escape follow Tr(HΣ_m) across batch sizes?', subtitle: 'Fashion-MNIST, from the sharp minimum' },
          hconcat: [
            panel(data, BATCH_MEASURES[0], 'final / start training loss (log)', rise.scale, { labels: true }),
            panel(data, BATCH_MEASURES[1], 'random-label fit', { domain: [0, 1] }, { format: '%' }),
            panel(data, BATCH_MEASURES[2], `short-horizon rise after ${horizon} steps (${short.scale.type})`, short.scale),
          ],
          resolve: { scale: { color: 'shared' } },
        },
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-batch-size',
        title: 'SGD per batch size m, Fashion-MNIST (mean over seeds)',
        caption: `Tr(HΣ_m) and TrΣ_m at the sharp minimum derived from fashion.indicator at m₀ = ${m0}; at m₀ it is (N − m₀)/N of the indicator’s value in the Fashion-MNIST tables, which estimates the with-replacement covariance. “× linear”: short-horizon rise ÷ (nη²/2)·Tr(HΣ_m); the theory section’s ratio at m₀ uses that stage’s own estimate of Σ.`,
        columns: [
          { key: 'batchSize', label: 'm', format: 'integer' },
          { key: 'traceHSigma', label: 'Tr(HΣ_m)', format: 'sig' },
          { key: 'traceHSigmaTimesM', label: 'm·Tr(HΣ_m)', format: 'sig' },
          { key: 'traceSigma', label: 'TrΣ_m', format: 'sig' },
          { key: 'peakLossRise', label: 'peak / start training loss', format: 'sig' },
          { key: 'lowestRandomFit', label: 'lowest random-label fit', format: 'percent' },
          { key: 'lossRise', label: 'final / start training loss', format: 'sig' },
          { key: 'randomFit', label: 'random-label fit', format: 'percent' },
          { key: 'testAccuracy', label: 'test accuracy', format: 'percent' },
          { key: 'shortHorizonRise', label: 'short-horizon rise', format: 'sig' },
          { key: 'shortHorizonStderr', label: '± stderr', format: 'sig' },
          { key: 'linear', label: '(nη²/2)·Tr(HΣ_m)', format: 'sig' },
          { key: 'ratioToLinear', label: '× linear', format: 'sig' },
        ],
        rows: table.map((r) => ({ ...r })),
      },
    },
  ];
  if (seeds > 1) {
    blocks.push({
      type: 'table',
      table: {
        id: 'beyond-batch-size-seeds',
        title: 'SGD per batch size and seed',
        columns: [
          { key: 'batchSize', label: 'm', format: 'integer' },
          { key: 'seed', label: 'seed', format: 'integer' },
          { key: 'traceHSigma', label: 'Tr(HΣ_m)', format: 'sig' },
          { key: 'lossRise', label: 'final / start training loss', format: 'sig' },
          { key: 'randomFit', label: 'random-label fit', format: 'percent' },
          { key: 'shortHorizonRise', label: 'short-horizon rise', format: 'sig' },
          { key: 'ratioToLinear', label: '× linear', format: 'sig' },
        ],
        rows: perSeed.map((r: BatchSeedRow) => ({ ...r })),
        keys: ['batchSize', 'seed'],
      },
    });
  }
  return { blocks, findings: batchSizeFindings(table) };
}
