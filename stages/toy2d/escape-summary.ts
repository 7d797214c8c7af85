/**
 * The escape-law study's summary: per point the censored mean escape time τ̂ with its 95% likelihood-ratio interval
 * (stages/numerics/censored-exponential.ts); per sweep the weighted line of log τ̂ (variance 1/escapes) against its
 * variable; and four findings, each with a criterion fixed here (Xie, Sato & Sugiyama, ICLR 2021; Mori et al., ICML
 * 2022). Points where no run escaped have no finite log τ̂: they are left out of the fits and counted.
 *
 * Each point's barrier is that of the loss its dynamics descends: SGD draws fresh examples, so its mean drift is the
 * population gradient −∇L̄ and its barrier ΔL̄ is L̄'s (stages/toy2d/population.ts); GLD const descends the data-free
 * loss L₀, so its barrier is ΔL₀ (stages/toy2d/barrier.ts). The data-free ΔL₀ of every point is kept beside it.
 * Each curvature sweep holds its dynamics' barrier fixed: SGD's ΔL̄ (each scale's ΔL₀ solved for), GLD const's ΔL₀.
 */
import { dep, named } from '../../pipeline/deps.ts';
import { defineStage } from '../../pipeline/stage.ts';
import { censoredExponential } from '../numerics/censored-exponential.ts';
import { weightedLineFit, type LineFit } from '../numerics/weighted-fit.ts';
import { dropForBarrier, toy2dBarrier } from './barrier.ts';
import { toy2dConfig } from './config.ts';
import type { EscapeLawsConfig } from './escape-config.ts';
import { distinctPoints, ESCAPE_SWEEPS, escapePoints, escapeTemperature, samePoint, sweepPoints, type EscapePoint, type EscapeSweep } from './escape-points.ts';
import { toy2dEscapeStage } from './escape-stages.ts';
import { toy2dEscapeSummaryOutputs } from './outputs.ts';
import { type PopulationBarrier, populationBarrier } from './population.ts';
import type { Finding } from './shape-summary.ts';

/** log τ_SGD is linear in B/η: the weighted R² of the line at least this. */
export const RATIO_R2_MIN = 0.9;
/** A fit needs at least this many points with escapes. */
export const MIN_FIT_POINTS = 3;

/** The x each sweep is fitted against. */
export const SWEEP_X: Record<EscapeSweep, { key: 'batchOverLr' | 'logLambdaMax' | 'deltaL'; label: string }> = {
  'sgd-ratio': { key: 'batchOverLr', label: 'B/η' },
  'sgd-curvature': { key: 'logLambdaMax', label: 'log λ_max' },
  'gld-curvature': { key: 'logLambdaMax', label: 'log λ_max' },
  'sgd-barrier': { key: 'deltaL', label: 'ΔL̄' },
  'gld-barrier': { key: 'deltaL', label: 'ΔL' },
};
/** The Δlog L fit's label per barrier sweep (SGD: of the population loss; GLD const: of the data-free loss). */
const LOG_LABEL: Partial<Record<EscapeSweep, string>> = { 'sgd-barrier': 'Δlog L̄', 'gld-barrier': 'Δlog L' };

/** Which loss a dynamics descends, and hence whose barrier its row carries. */
export const BARRIER_LOSS = { sgd: 'population', gld_const: 'data-free' } as const;

/** One point of one sweep, with its barrier's closed forms and τ̂. */
export interface EscapeRow {
  readonly sweep: EscapeSweep;
  readonly dynamics: EscapePoint['dynamics'];
  readonly batch: number;
  readonly lr: number;
  readonly batchOverLr: number;
  readonly scale: number;
  readonly lambdaMax: number;
  readonly logLambdaMax: number;
  /** η·λ_max (the study keeps it ≤ ESCAPE_ETA_LAMBDA_MAX). */
  readonly etaLambdaMax: number;
  /** 1/(η·λ_min), λ_min = λ_max/10: steps per relaxation time of the basin's slowest mode. */
  readonly relaxation: number;
  readonly drop: number;
  /** The loss whose barrier deltaL and deltaLogL are: SGD's population loss L̄, GLD const's data-free L₀. */
  readonly barrierLoss: (typeof BARRIER_LOSS)[keyof typeof BARRIER_LOSS];
  /** SGD: ΔL̄ = L̄(saddle) − L̄(min) (0 where L̄ has no sharp basin); GLD const: ΔL₀. */
  readonly deltaL: number;
  /** SGD: log L̄(saddle) − log L̄(min); GLD const: log((ΔL₀ + ε)/ε), ε = 0.02s. */
  readonly deltaLogL: number;
  /** The data-free barrier ΔL₀ (the config's barrier), for every dynamics. */
  readonly dataFreeDeltaL: number;
  /** deltaL over the linearised stationary temperature along the escape direction (escapeTemperature). */
  readonly barrierOverT: number;
  readonly repeats: number;
  readonly escapes: number;
  readonly timeAtRisk: number;
  /** τ̂ and its interval in iterations; null where infinite (no escape). */
  readonly tau: number | null;
  readonly tauLower: number;
  readonly tauUpper: number | null;
  readonly logTau: number | null;
}

/** The weighted line of log τ̂ against one variable over one sweep. */
export interface EscapeFit extends LineFit {
  readonly sweep: EscapeSweep;
  readonly x: string;
  /** Points left out because no run escaped. */
  readonly excluded: number;
}

/** Everything the report shows of the study. */
export interface EscapeSummary {
  readonly table: EscapeRow[];
  readonly fits: EscapeFit[];
  readonly findings: Finding[];
}

/** A point's measured runs. */
export interface MeasuredPoint {
  readonly point: EscapePoint;
  readonly times: ArrayLike<number>;
  readonly escaped: ArrayLike<number>;
}

const inf = (x: number) => (Number.isFinite(x) ? x : null);
const f3 = (x: number | null) => (x === null ? 'undefined' : x.toPrecision(3));
const r2Of = (f: LineFit | null) => f?.r2 ?? Number.NEGATIVE_INFINITY;
const ci = (f: LineFit) => `${f3(f.slope)} [${f3(f.slopeLower)}, ${f3(f.slopeUpper)}]`;

const populationCache = new Map<string, PopulationBarrier>();
/** L̄'s barrier for a shape, computed once per shape (a pure function of it). */
function populationBarrierOf(scale: number, drop: number): PopulationBarrier {
  const key = `${scale}/${drop}`;
  let b = populationCache.get(key);
  if (!b) populationCache.set(key, (b = populationBarrier({ scale, drop })));
  return b;
}

/** One row from a point's runs; `referenceScale` is s₀, at which GLD const's variance is matched. */
export function escapeRow(sweep: EscapeSweep, m: MeasuredPoint, horizon: number, referenceScale: number): EscapeRow {
  const p = m.point;
  const drop = dropForBarrier(p.scale, p.barrier);
  const b = toy2dBarrier({ scale: p.scale, drop });
  const barrier = p.dynamics === 'sgd' ? populationBarrierOf(p.scale, drop) : b;
  const e = censoredExponential(m.times, m.escaped, horizon);
  return {
    sweep,
    dynamics: p.dynamics,
    batch: p.batch,
    lr: p.lr,
    batchOverLr: p.batch / p.lr,
    scale: p.scale,
    lambdaMax: b.sharpLambdaMax,
    logLambdaMax: Math.log(b.sharpLambdaMax),
    etaLambdaMax: p.lr * b.sharpLambdaMax,
    relaxation: 10 / (p.lr * b.sharpLambdaMax),
    drop,
    barrierLoss: BARRIER_LOSS[p.dynamics],
    deltaL: barrier.deltaL,
    deltaLogL: barrier.deltaLogL,
    dataFreeDeltaL: b.deltaL,
    barrierOverT: barrier.deltaL / escapeTemperature(p, referenceScale),
    repeats: m.times.length,
    escapes: e.escapes,
    timeAtRisk: e.timeAtRisk,
    tau: inf(e.tau),
    tauLower: e.tauLower,
    tauUpper: inf(e.tauUpper),
    logTau: e.escapes > 0 ? Math.log(e.tau) : null,
  };
}

/** The weighted line of log τ̂ (variance 1/escapes, the delta method on a Poisson count) against `x`; null with too few points. */
export function fitLogTau(sweep: EscapeSweep, rows: readonly EscapeRow[], x: (r: EscapeRow) => number, label: string): EscapeFit | null {
  const used = rows.filter((r) => r.logTau !== null);
  if (used.length < MIN_FIT_POINTS || new Set(used.map(x)).size < 2) return null;
  const f = weightedLineFit(
    used.map(x),
    used.map((r) => r.logTau!),
    used.map((r) => 1 / r.escapes),
  );
  return { ...f, sweep, x: label, excluded: rows.length - used.length };
}

const tooFew = (n: number) => `fewer than ${MIN_FIT_POINTS} points with escapes (${n} points)`;

/** The four findings from the sweeps' fits. */
export function escapeFindings(rows: readonly EscapeRow[], fits: readonly EscapeFit[]): Finding[] {
  const fitOf = (sweep: EscapeSweep, x: string) => fits.find((f) => f.sweep === sweep && f.x === x) ?? null;
  const count = (sweep: EscapeSweep) => rows.filter((r) => r.sweep === sweep).length;
  const ratio = fitOf('sgd-ratio', 'B/η');
  const sgdCurv = fitOf('sgd-curvature', 'log λ_max');
  const gldCurv = fitOf('gld-curvature', 'log λ_max');
  const byDL = fitOf('sgd-barrier', 'ΔL̄');
  const byDLog = fitOf('sgd-barrier', 'Δlog L̄');
  return [
    {
      id: 'escape-ratio-linear',
      finding: 'log τ_SGD is linear in B/η on the toy (Xie, Sato & Sugiyama, ICLR 2021).',
      criterion: `the weighted line of log τ̂ against B/η over the B/η sweep has R² ≥ ${RATIO_R2_MIN} and a positive slope whose 95% interval excludes 0`,
      thisRun: ratio ? `R² = ${f3(ratio.r2)}, slope ${ci(ratio)} per unit B/η over ${ratio.points} points` : tooFew(count('sgd-ratio')),
      verdict: ratio && r2Of(ratio) >= RATIO_R2_MIN && ratio.slopeLower > 0 ? 'holds' : 'does not hold',
    },
    {
      id: 'escape-curvature-sgd',
      finding: 'log τ_SGD falls with the sharp basin’s curvature at a fixed barrier (the population barrier ΔL̄ SGD escapes over).',
      criterion: 'the slope of log τ̂ against log λ_max over the curvature sweep has its 95% interval below 0',
      thisRun: sgdCurv ? `slope ${ci(sgdCurv)} over ${sgdCurv.points} points` : tooFew(count('sgd-curvature')),
      verdict: sgdCurv && sgdCurv.slopeUpper < 0 ? 'holds' : 'does not hold',
    },
    {
      id: 'escape-curvature-gld',
      finding: 'GLD const’s escape time depends on the curvature more weakly than SGD’s (isotropic noise at SGD’s total variance).',
      criterion: 'the 95% interval of SGD’s slope of log τ̂ against log λ_max lies entirely below GLD const’s',
      thisRun:
        sgdCurv && gldCurv
          ? `SGD ${ci(sgdCurv)}; GLD const ${ci(gldCurv)}`
          : `SGD: ${sgdCurv ? ci(sgdCurv) : tooFew(count('sgd-curvature'))}; GLD const: ${gldCurv ? ci(gldCurv) : tooFew(count('gld-curvature'))}`,
      verdict: sgdCurv && gldCurv && sgdCurv.slopeUpper < gldCurv.slopeLower ? 'holds' : 'does not hold',
    },
    {
      id: 'escape-barrier-log',
      finding:
        'The log-loss barrier Δlog L̄ (Mori et al., ICML 2022) predicts log τ_SGD better than the loss barrier ΔL̄ (Xie et al.), both of the population loss L̄ SGD descends.',
      criterion: 'over the barrier sweep, the weighted R² of the line of log τ̂ against Δlog L̄ exceeds that against ΔL̄',
      thisRun: byDL && byDLog ? `R² against Δlog L̄ ${f3(byDLog.r2)}, against ΔL̄ ${f3(byDL.r2)}` : tooFew(count('sgd-barrier')),
      verdict: byDL && byDLog && r2Of(byDLog) > r2Of(byDL) ? 'holds' : 'does not hold',
    },
  ];
}

/** The summary of every measured point, by the sweeps of `c` (a point shared by sweeps appears in each). */
export function summarizeEscapeLaws(c: EscapeLawsConfig, measured: readonly MeasuredPoint[]): EscapeSummary {
  const table: EscapeRow[] = [];
  const fits: EscapeFit[] = [];
  for (const sweep of ESCAPE_SWEEPS) {
    const rows = sweepPoints(c, sweep).map((p) => {
      const m = measured.find((q) => samePoint(p, q.point));
      if (!m) throw new Error(`toy2d escape summary: no measurement of ${JSON.stringify(p)} (sweep ${sweep})`);
      return escapeRow(sweep, m, c.horizon, c.curvature);
    });
    table.push(...rows);
    const x = SWEEP_X[sweep];
    const f = fitLogTau(sweep, rows, (r) => r[x.key], x.label);
    if (f) fits.push(f);
    if (sweep.endsWith('barrier')) {
      const g = fitLogTau(sweep, rows, (r) => r.deltaLogL, LOG_LABEL[sweep]!);
      if (g) fits.push(g);
    }
  }
  return { table, fits, findings: escapeFindings(table, fits) };
}

const pointKey = (p: EscapePoint) => `${p.dynamics}_B${p.batch}_lr${p.lr}_s${p.scale}_dL${p.barrier}`;

/** Collects every point into the summary the report reads and `export` tabulates. */
export const toy2dEscapeSummaryStage = defineStage({
  id: 'toy2d.escapeSummary',
  version: 4,
  outputs: toy2dEscapeSummaryOutputs,
  description: 'toy2d escape laws: censored mean escape times with 95% intervals, the fitted laws, and the findings',
  instances: (cfg) => (escapePoints(cfg).length > 0 ? [{}] : []),
  reads: ['toy2d.escapeLaws'],
  cost: () => ({}),
  deps: (_p, cfg) =>
    named(
      '',
      escapePoints(cfg).map((p) => [pointKey(p), dep(toy2dEscapeStage, { ...p })] as const),
    ),
  async run(ctx, inputs) {
    const c = toy2dConfig(ctx.config)('escapeLaws');
    const measured = distinctPoints(c).map((point) => {
      const r = inputs[pointKey(point)]!;
      return { point, times: r.times.data, escaped: r.escaped.data };
    });
    const s = summarizeEscapeLaws(c, measured);
    return { table: s.table, fits: s.fits, findings: s.findings };
  },
});
