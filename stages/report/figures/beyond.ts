/**
 * The "Beyond the paper" section: questions the paper leaves open, each answered by this run with a criterion fixed
 * in code (stages/toy2d/shape-summary.ts) and a verdict. First: does Tr(HΣ) alone order escapes across noise shapes?
 */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import type { fashionSpectrumStage } from '../../fashion/spectrum.ts';
import type { fashionTailIndexStage } from '../../fashion/tail-index.ts';
import type { toy2dShapesSummaryStage } from '../../toy2d/shape-summary.ts';
import type { ReportBlock, ReportSection } from '../document.ts';
import { runExcursion } from '../../dynamics/excursion.ts';
import { kindLabel, kindStyle } from '../render/theme.ts';
import { batchSizeBlocks, type BatchSummary } from './batch-size.ts';
import { edgeOfStabilityBlocks } from './edge-of-stability.ts';
import { escapeLawBlocks, type EscapeLawsSummary } from './escape-laws.ts';
import { fashionOutcomes, type FashionSummary } from './fashion.ts';
import { LIKE_SGD_CRITERION, msgdFinding, type EscapeNumbers, type LikeSgd } from './msgd-criterion.ts';
import { theoryAtHorizon, theoryRows, type FashionTheory } from './theory.ts';

/** `toy2d.shapesSummary`'s outputs, as declared (stages/toy2d/outputs.ts). */
export type ShapesSummary = OutputsOf<typeof toy2dShapesSummaryStage>;
/** `fashion.tailIndex[seed]`'s outputs, as declared (stages/fashion/outputs.ts). */
export type TailIndex = OutputsOf<typeof fashionTailIndexStage>;
/** `fashion.spectrum[seed]`'s outputs, as declared (stages/fashion/outputs.ts). */
export type Spectrum = OutputsOf<typeof fashionSpectrumStage>;

/** The cached outputs the section reads; each part is left out when its input is absent. */
export interface BeyondInputs {
  /** `toy2d.shapesSummary`. */
  readonly shapes?: ShapesSummary;
  /** `fashion.summary` and the `fashion.theory[seed]` outputs (SGD against gld_full). */
  readonly fashion?: FashionSummary;
  readonly theory?: readonly FashionTheory[];
  /** `fashion.tailIndex[seed]` outputs in seed order. */
  readonly tailIndex?: readonly TailIndex[];
  /** `fashion.spectrum[seed]` outputs in seed order (the figure shows the first seed). */
  readonly spectrum?: readonly Spectrum[];
  /** `fashion.batchSummary` (SGD's escape against Tr(HΣ_m) over batch sizes). */
  readonly batchSize?: BatchSummary;
  /** `toy2d.escapeSummary` (escape-time laws on the toy). */
  readonly escapeLaws?: EscapeLawsSummary;
}

/** Densities below this are drawn at it on the log axis (SLQ's Gaussian smoothing has no exact zeros). */
export const DENSITY_FLOOR = 1e-8;

/**
 * The kinds compared with SGD: Gaussian with SGD's full covariance and with its top-k part, and SGD's multiplicative
 * noise with Gaussian and Bernoulli example weights (M-SGD; Wu et al., ICML 2020).
 */
export const COMPARED_WITH_SGD = ['sgd', 'gld_full', 'gld_leading', 'msgd_gaussian', 'msgd_bernoulli'] as const;
/** The M-SGD kinds of the M-SGD finding. */
export const MSGD_KINDS = ['msgd_gaussian', 'msgd_bernoulli'] as const;
/** gld_full "behaves like SGD" when each compared ratio gld_full / sgd lies in [1/FACTOR, FACTOR]. */
export const LIKE_SGD_FACTOR = 2;
/** Heavy-tailed: the upper end of α̂'s 95% interval below this. */
export const HEAVY_TAIL_UPPER = 1.9;

/** The protocol numbers the section's text quotes. */
export interface BeyondProtocol {
  readonly lr: number;
  readonly iterations: number;
  readonly variance: number;
  readonly shapes: { readonly repeats: number; readonly angles: number; readonly alphas: number };
}

/** One row of the findings table (the shapes', the SGD comparison's, the tail index's and the batch sizes'). */
interface Finding {
  id: string;
  finding: string;
  criterion: string;
  thisRun: string;
  verdict: string;
}

const FAMILY_LABEL: Record<string, string> = { rank1: 'rank 1 at angle φ', mixture: 'isotropic/top-eigenvector mixture', kind: 'GLD kind' };
const FRAME_LABEL: Record<string, string> = { fixed: 'Σ fixed at (1, 1)', local: 'Σ re-estimated along the path' };

/** The noise-shape part, from `toy2d.shapesSummary`'s outputs. */
function shapeBlocks(shapes: ShapesSummary, protocol: BeyondProtocol): { blocks: ReportBlock[]; findings: Finding[] } {
  const { table: rows, correlation, findings } = shapes;
  const data = rows.map((r) => ({
    frame: FRAME_LABEL[r.frame] ?? r.frame,
    family: FAMILY_LABEL[r.family] ?? r.family,
    shape: r.label,
    parameter: r.parameter,
    trHSigma: r.trHSigma,
    escapeRate: r.rate,
    lower: r.lower,
    upper: r.upper,
    escapes: r.escapes,
    repeats: r.repeats,
  }));
  const x = { field: 'trHSigma', type: 'quantitative', title: 'Tr(HΣ) at (1, 1)' };
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        `The paper compares a handful of hand-picked noise kinds. Here every covariance of a family has the toy's total variance ${protocol.variance}: ` +
        `rank-1 noise along ${protocol.shapes.angles} directions φ ∈ [0, π) measured from the sharp Hessian eigenvector, ` +
        `${protocol.shapes.alphas} mixtures (1 − α)·isotropic + α·(top Hessian eigenvector), and the paper's GLD kinds. ` +
        `Each runs ${protocol.shapes.repeats} repeats (each with its own data set) of ${protocol.iterations} iterations at learning rate ${protocol.lr} from the sharp minimum (1, 1), once with Σ held at its value there and once re-estimated at every step as the paper's kinds are. ` +
        'Escape rates carry Wilson 95% intervals; ρ is Spearman’s rank correlation with a 95% percentile bootstrap interval (2000 resamples of the shapes).',
    },
    {
      type: 'figure',
      figure: {
        id: 'beyond-shapes-escape',
        title: 'Escape rate against Tr(HΣ) across noise shapes of equal total variance',
        caption:
          'One point per covariance, coloured by family; bars are Wilson 95% intervals of the escape rate. Left: Σ held at its value at (1, 1); right: re-estimated along the path.',
        data,
        spec: {
          title: { text: 'Does Tr(HΣ) order escapes across noise shapes?', subtitle: 'same total variance; escape = ends in the flat basin' },
          facet: { field: 'frame', type: 'nominal', title: null },
          spec: {
            width: 300,
            height: 260,
            layer: [
              {
                mark: { type: 'rule', strokeWidth: 1, opacity: 0.6 },
                encoding: {
                  x,
                  y: { field: 'lower', type: 'quantitative', title: 'escape rate', scale: { domain: [0, 1] } },
                  y2: { field: 'upper' },
                  color: { field: 'family', type: 'nominal', title: 'shape', legend: { labelLimit: 320 } },
                },
              },
              {
                mark: { type: 'point', filled: true, size: 40 },
                encoding: {
                  x,
                  y: { field: 'escapeRate', type: 'quantitative', title: 'escape rate', axis: { format: '%' }, scale: { domain: [0, 1] } },
                  color: { field: 'family', type: 'nominal', title: 'shape', legend: { labelLimit: 320 } },
                  tooltip: [{ field: 'shape' }, { field: 'trHSigma', format: '.3f' }, { field: 'escapes' }, { field: 'repeats' }],
                },
              },
            ],
          },
        },
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-shapes-rho',
        title: 'Spearman’s ρ between Tr(HΣ) and the escape rate',
        caption: 'Over every shape of the family; bootstrap resamples where all rates or all traces came out equal have no ρ and are counted as dropped.',
        columns: [
          { key: 'frame', label: 'Σ', format: 'text' },
          { key: 'shapes', label: 'shapes', format: 'integer' },
          { key: 'rho', label: 'ρ', format: 'sig' },
          { key: 'lower', label: '95% lower', format: 'sig' },
          { key: 'upper', label: '95% upper', format: 'sig' },
          { key: 'degenerate', label: 'resamples dropped', format: 'integer' },
        ],
        rows: correlation.map((c) => ({ ...c, frame: FRAME_LABEL[c.frame] ?? c.frame })),
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-shapes',
        title: 'Every shape: escapes and Tr(HΣ) at (1, 1)',
        columns: [
          { key: 'frame', label: 'Σ', format: 'text' },
          { key: 'shape', label: 'shape', format: 'text' },
          { key: 'trHSigma', label: 'Tr(HΣ)', format: 'sig' },
          { key: 'escapes', label: 'escapes', format: 'integer' },
          { key: 'repeats', label: 'repeats', format: 'integer' },
          { key: 'escapeRate', label: 'rate', format: 'percent' },
          { key: 'lower', label: '95% lower', format: 'percent' },
          { key: 'upper', label: '95% upper', format: 'percent' },
        ],
        rows: data,
        keys: ['frame', 'shape'],
      },
    },
  ];
  return { blocks, findings };
}

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
const within = (r: number | null) => r !== null && r >= 1 / LIKE_SGD_FACTOR && r <= LIKE_SGD_FACTOR;
const sig3 = (x: number | null) => (x === null ? '–' : x.toPrecision(3));

/** SGD against Gaussian noise of SGD's covariance (gld_full) and of its top-k part (gld_leading), Fashion-MNIST. */
function sgdBlocks(fashion: FashionSummary, theory: readonly FashionTheory[]): { blocks: ReportBlock[]; findings: Finding[] } {
  const outcomes = new Map(fashionOutcomes(fashion).map((o) => [o.kind, o]));
  const horizon = theory.length ? new Map(theoryAtHorizon(theoryRows(theory)).map((p) => [p.kind, p])) : new Map();
  const rows = COMPARED_WITH_SGD.filter((k) => outcomes.has(k)).map((kind) => {
    const o = outcomes.get(kind)!;
    const h = horizon.get(kind);
    return {
      dynamics: kindLabel(kind),
      kind,
      traceHSigma: o.traceHSigmaAtStart,
      lossRise: o.lossRise,
      randomFit: o.randomFit,
      peakLossRise: o.peakLossRise,
      lowestRandomFit: o.lowestRandomFit,
      testAccuracy: o.testAccuracy?.mean ?? null,
      shortHorizonRise: h ? h.noiseInduced : null,
      ratioToLinear: h ? h.ratioToLinear : null,
    };
  });
  const by = new Map(rows.map((r) => [r.kind, r]));
  const sgd = by.get('sgd');
  const full = by.get('gld_full');
  const findings: Finding[] = [];
  if (sgd && full) {
    const rises = [ratio(full.lossRise, sgd.lossRise), ratio(full.shortHorizonRise, sgd.shortHorizonRise)];
    findings.push({
      id: 'sgd-vs-gld-full',
      finding: 'SGD’s escape is explained by its covariance: Gaussian noise with SGD’s full minibatch covariance (GLD full) raises the loss as SGD does.',
      criterion: `the ratios GLD full / SGD of the final training-loss rise and of the short-horizon noise-induced rise both lie in [1/${LIKE_SGD_FACTOR}, ${LIKE_SGD_FACTOR}]`,
      thisRun: `final loss rise ${sig3(full.lossRise)} against ${sig3(sgd.lossRise)} (ratio ${sig3(rises[0]!)}); short-horizon rise ${sig3(full.shortHorizonRise)} against ${sig3(sgd.shortHorizonRise)} (ratio ${sig3(rises[1]!)})`,
      verdict: rises.every(within) ? 'holds' : 'does not hold',
    });
  }
  const msgd = msgdFinding(perSeedEscape(fashion), MSGD_KINDS);
  if (msgd.verdict !== null) {
    const describe = (k: string, m: LikeSgd) =>
      `${kindLabel(k)}: loss rise ${m.lossRise ? 'matches' : 'differs'}, random-label fit ${m.randomFit ? 'matches' : 'differs'}, test accuracy ${m.testAccuracy ? 'matches' : 'differs'}`;
    findings.push({
      id: 'msgd-like-sgd',
      finding:
        'SGD’s multiplicative noise with SGD’s covariance (M-SGD, Gaussian and Bernoulli example weights; Wu et al., ICML 2020) escapes as SGD does — loss rise, random-label fit and test accuracy — where Gaussian noise of SGD’s covariance re-estimated at every step (GLD full, refresh 1) does not.',
      criterion: LIKE_SGD_CRITERION,
      thisRun: `${Object.entries(msgd.matches)
        .map(([k, m]) => describe(k, m))
        .join('; ')} (${Object.values(msgd.matches)[0]!.rule === 'spread' ? 'seeds’ spread' : 'one seed: fixed tolerances'})`,
      verdict: msgd.verdict ? 'holds' : 'does not hold',
    });
  }
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        'Is SGD’s escape explained by its covariance alone, or also by its non-Gaussian minibatch sampling? GLD full adds Gaussian noise with exactly SGD’s minibatch-gradient covariance Σ (sampled from its low-rank factor, re-estimated every `refresh` steps), GLD leading only Σ’s top eigenpairs. ' +
        'M-SGD (Wu, Hu, Xiong, Huan, Braverman & Zhu, ICML 2020) is GD on the loss with random example weights 1 + ε drawn at every step — Gaussian with the covariance of SGD’s sampling vector (its noise covariance is exactly Σ), or each example kept with probability m/N (Σ up to a small mean-gradient term) — so its noise comes from the per-example gradients at the current iterate, where GLD full’s Σ is an estimate; with GLD full at refresh 1 that is the one difference. ' +
        'All start from the same sharp minimum as the other Fashion-MNIST dynamics. The short-horizon rise is the theory stage’s measured noise-induced loss increase at its horizon (runs from the minimum with each kind’s Σ held fixed there), and “× linear” its ratio to the first-order prediction (t/2)·Tr(HΣ).',
    },
    {
      type: 'table',
      table: {
        id: 'beyond-sgd-gaussian',
        title: 'SGD against Gaussian noise of SGD’s covariance, Fashion-MNIST (mean over seeds)',
        columns: [
          { key: 'dynamics', label: 'dynamics', format: 'text' },
          { key: 'traceHSigma', label: 'Tr(HΣ) at the start', format: 'sig' },
          { key: 'lossRise', label: 'final / start training loss', format: 'sig' },
          { key: 'randomFit', label: 'random-label fit', format: 'percent' },
          { key: 'peakLossRise', label: 'peak / start training loss', format: 'sig' },
          { key: 'lowestRandomFit', label: 'lowest random-label fit', format: 'percent' },
          { key: 'testAccuracy', label: 'test accuracy', format: 'percent' },
          { key: 'shortHorizonRise', label: 'short-horizon rise', format: 'sig' },
          { key: 'ratioToLinear', label: '× linear', format: 'sig' },
        ],
        rows: rows.map(({ kind: _kind, ...r }) => r),
      },
    },
  ];
  return { blocks, findings };
}

/** Per kind, per seed: the final training loss over that seed's start loss, the random-label fit and the test accuracy. */
export function perSeedEscape(fashion: Pick<FashionSummary, 'series' | 'start'>): Record<string, EscapeNumbers[]> {
  const runs = new Map<string, (typeof fashion.series)[number][]>();
  for (const r of fashion.series) {
    const key = `${r.kind}|${r.seed}`;
    if (!runs.has(key)) runs.set(key, []);
    runs.get(key)!.push(r);
  }
  const out: Record<string, EscapeNumbers[]> = {};
  for (const rows of runs.values()) {
    const { kind, seed } = rows[0]!;
    const start = fashion.start.find((s) => s.seed === seed)?.trainLoss;
    if (start === undefined) continue;
    const last = rows.reduce((a, r) => (r.iteration >= a.iteration ? r : a));
    const excursion = runExcursion(rows);
    (out[kind] ??= []).push({ lossRise: excursion.peakTrainLoss / start, randomFit: excursion.lowestRandomFit, testAccuracy: last.testAccuracy });
  }
  return out;
}

/** The tail index of SGD's gradient noise at the sharp minimum, per seed and direction. */
function tailBlocks(tails: readonly TailIndex[]): { blocks: ReportBlock[]; findings: Finding[] } {
  const rows = tails.flatMap((t, seed) => t.rows.map((r) => ({ seed, ...r })));
  const top = rows.filter((r) => r.direction.startsWith('top'));
  const random = rows.filter((r) => r.direction.startsWith('random'));
  const list = (rs: typeof rows) => rs.map((r) => `${r.alpha.toFixed(2)} [${r.lower.toFixed(2)}, ${r.upper.toFixed(2)}]`).join('; ');
  const findings: Finding[] = [
    {
      id: 'tail-top',
      finding: 'SGD’s gradient noise at the sharp minimum is heavy-tailed (α < 2) along the top Hessian eigenvector.',
      criterion: `on every seed the upper end of α̂’s 95% interval is below ${HEAVY_TAIL_UPPER}`,
      thisRun: top.length ? `α̂ ${list(top)}` : 'not measured',
      verdict: top.length > 0 && top.every((r) => r.upper < HEAVY_TAIL_UPPER) ? 'holds' : 'does not hold',
    },
    {
      id: 'tail-random',
      finding: 'SGD’s gradient noise at the sharp minimum is heavy-tailed along random directions.',
      criterion: `in every random direction of every seed the upper end of α̂’s 95% interval is below ${HEAVY_TAIL_UPPER}`,
      thisRun: random.length ? `α̂ ${list(random)}` : 'not measured',
      verdict: random.length > 0 && random.every((r) => r.upper < HEAVY_TAIL_UPPER) ? 'holds' : 'does not hold',
    },
  ];
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        'The tail index α of SGD’s gradient noise (Şimşekli, Sagun & Gürbüzbalaban 2019): the projections uᵀ(g_B − g) of minibatch gradients minus the full-batch gradient at the sharp minimum, along the top Hessian eigenvector and random unit directions, by the estimator of Mohammadi et al. (2015) averaged over random blockings, with a 95% percentile bootstrap interval. ' +
        'α = 2 is Gaussian; smaller is heavier-tailed. The estimate is clipped to 2, so a Gaussian-like direction reads α̂ = 2.',
    },
    {
      type: 'table',
      table: {
        id: 'beyond-tail-index',
        title: 'Tail index of SGD’s gradient noise at the sharp minimum',
        columns: [
          { key: 'seed', label: 'seed', format: 'integer' },
          { key: 'direction', label: 'direction', format: 'text' },
          { key: 'alpha', label: 'α̂', format: 'sig' },
          { key: 'lower', label: '95% lower', format: 'sig' },
          { key: 'upper', label: '95% upper', format: 'sig' },
          { key: 'samples', label: 'minibatches', format: 'integer' },
          { key: 'k1', label: 'block size K1', format: 'integer' },
        ],
        rows,
        keys: ['seed', 'direction'],
      },
    },
  ];
  return { blocks, findings };
}

/** The Hessian's spectral density at the sharp minimum and at the end of each dynamics (first seed), top-k marked. */
function spectrumBlocks(spectrum: Spectrum): ReportBlock[] {
  const { density, top } = spectrum;
  const label = (p: string) => (p === 'sharp minimum' ? p : kindLabel(p));
  const data = [
    ...density.map((d) => ({ layer: 'density', point: label(d.point), lambda: d.lambda, density: Math.max(d.density, DENSITY_FLOOR) })),
    ...top.map((t) => ({ layer: 'top', point: label(t.point), lambda: t.eigenvalue, rank: t.rank, relativeResidual: t.relativeResidual })),
  ];
  const x = { field: 'lambda', type: 'quantitative', title: 'Hessian eigenvalue λ' };
  // each kind in its fixed colour and dash (gld_full shares SGD's colour, not its dash); the start in grey, solid
  const points = [...new Set(density.map((d) => d.point))];
  const domain = points.map(label);
  const styleOf = (p: string) =>
    p === 'sharp minimum' ? { color: '#7f7f7f', dash: [] as number[] } : { color: kindStyle(p).color, dash: [...kindStyle(p).dash] };
  const color = { field: 'point', type: 'nominal', title: 'point', scale: { domain, range: points.map((p) => styleOf(p).color) }, legend: { labelLimit: 320 } };
  const dash = { field: 'point', type: 'nominal', title: 'point', scale: { domain, range: points.map((p) => styleOf(p).dash) }, legend: null };
  return [
    {
      type: 'figure',
      figure: {
        id: 'beyond-hessian-spectrum',
        title: 'Hessian spectral density at the sharp minimum and at the end of each dynamics',
        caption: `Stochastic Lanczos quadrature (Gaussian smoothing of width range/100), log density axis (floored at ${DENSITY_FLOOR}); ticks at the top mark each point's top-${Math.max(...top.map((t) => t.rank))} Lanczos eigenvalues. First seed.`,
        data,
        spec: {
          title: { text: 'Hessian spectral density', subtitle: 'sharp minimum and the end of every dynamics' },
          width: 620,
          height: 320,
          layer: [
            {
              transform: [{ filter: "datum.layer === 'density'" }],
              mark: { type: 'line', strokeWidth: 1.2 },
              encoding: { x, y: { field: 'density', type: 'quantitative', title: 'density (log)', scale: { type: 'log' } }, color, strokeDash: dash },
            },
            {
              transform: [{ filter: "datum.layer === 'top'" }],
              mark: { type: 'tick', orient: 'vertical', thickness: 1.5, size: 14 },
              encoding: { x, y: { value: 0 }, color },
            },
          ],
        },
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-hessian-top',
        title: 'Top Hessian eigenvalues at the same points (Lanczos)',
        columns: [
          { key: 'point', label: 'point', format: 'text' },
          { key: 'rank', label: 'rank', format: 'integer' },
          { key: 'eigenvalue', label: 'λ', format: 'sig' },
          { key: 'relativeResidual', label: 'relative residual', format: 'sig' },
        ],
        rows: top.map((t) => ({ ...t, point: label(t.point) })),
        keys: ['point', 'rank'],
      },
    },
  ];
}

/** The "Beyond the paper" section from whichever of its inputs this run has; null when it has none. */
export function beyondSection(inputs: BeyondInputs, protocol: BeyondProtocol): ReportSection | null {
  const parts = [
    inputs.shapes ? shapeBlocks(inputs.shapes, protocol) : null,
    inputs.fashion ? sgdBlocks(inputs.fashion, inputs.theory ?? []) : null,
    inputs.tailIndex?.length ? tailBlocks(inputs.tailIndex) : null,
    inputs.batchSize ? batchSizeBlocks(inputs.batchSize) : null,
    inputs.fashion ? edgeOfStabilityBlocks(inputs.fashion) : null,
    inputs.escapeLaws ? escapeLawBlocks(inputs.escapeLaws) : null,
  ].filter((p): p is { blocks: ReportBlock[]; findings: Finding[] } => p !== null);
  if (inputs.spectrum?.length) parts.push({ blocks: spectrumBlocks(inputs.spectrum[0]!), findings: [] });
  if (parts.length === 0) return null;
  const findings = parts.flatMap((p) => p.findings);
  const table: ReportBlock = {
    type: 'table',
    table: {
      id: 'beyond-findings',
      title: 'Findings beyond the paper',
      caption:
        'Each criterion is fixed in code (stages/toy2d/shape-summary.ts, stages/toy2d/escape-summary.ts, stages/report/figures/beyond.ts, stages/report/figures/batch-size.ts, stages/report/figures/msgd-criterion.ts, stages/report/figures/edge-of-stability.ts) before any run.',
      columns: [
        { key: 'finding', label: 'finding', format: 'text' },
        { key: 'thisRun', label: 'this run', format: 'text' },
        { key: 'criterion', label: 'criterion', format: 'text' },
        { key: 'verdict', label: 'verdict', format: 'text' },
      ],
      rows: findings.map((f) => ({ ...f })),
    },
  };
  return { id: 'beyond', title: 'Beyond the paper', blocks: [table, ...parts.flatMap((p) => p.blocks)] };
}
