/**
 * The noise-shape study's summary: per shape the escape rate with its Wilson 95% interval beside Tr(HΣ) at (1, 1);
 * per frame Spearman's ρ between them with a bootstrap interval; and where the indicator fails to order escapes:
 * pairs of shapes with equal Tr(HΣ) (within `EQUAL_TRACE`) whose intervals are disjoint, and pairs where the larger
 * Tr(HΣ) escapes significantly less often. Each finding has a criterion fixed here and a verdict.
 */
import { dep, named } from '../../pipeline/deps.ts';
import { defineStage } from '../../pipeline/stage.ts';
import { toy2dShapesSummaryOutputs } from './outputs.ts';
import { wilsonInterval } from '../numerics/intervals.ts';
import { Rng } from '../numerics/random.ts';
import { spearmanBootstrap } from '../numerics/rank-correlation.ts';
import { toy2dConfig } from './config.ts';
import type { ShapeRow } from './shape-stages.ts';
import { shapeFrames, toy2dShapesStage } from './shape-stages.ts';
import type { ShapeFrame } from './shapes.ts';

/** Two values of Tr(HΣ) within this relative distance count as equal. */
export const EQUAL_TRACE = 0.02;
/** Bootstrap resamples of Spearman's ρ. */
export const RHO_RESAMPLES = 2000;
/** The ordering criterion: ρ at least this, with the interval's lower end at least `RHO_LOWER`. */
export const RHO_MIN = 0.8;
export const RHO_LOWER = 0.6;

/** One shape of one frame, with its interval. */
export interface ShapeSummaryRow extends ShapeRow {
  readonly frame: ShapeFrame;
  readonly rate: number;
  readonly lower: number;
  readonly upper: number;
}

/** A pair of shapes the indicator does not order (a has the smaller or equal Tr(HΣ)). */
export interface ShapePair {
  readonly frame: ShapeFrame;
  readonly a: string;
  readonly b: string;
  readonly trA: number;
  readonly trB: number;
  readonly rateA: number;
  readonly rateB: number;
  /** The distance between the two Wilson intervals (how far apart the escape rates are at least). */
  readonly gap: number;
}

/** Spearman's ρ of one frame. */
export interface ShapeCorrelation {
  readonly frame: ShapeFrame;
  readonly shapes: number;
  readonly rho: number;
  readonly lower: number;
  readonly upper: number;
  readonly resamples: number;
  readonly degenerate: number;
}

/** A finding beyond the paper, judged on this run. */
export interface Finding {
  readonly id: string;
  readonly finding: string;
  readonly criterion: string;
  readonly thisRun: string;
  readonly verdict: 'holds' | 'does not hold';
}

/** Everything the report shows of the study. */
export interface ShapeSummary {
  readonly table: ShapeSummaryRow[];
  readonly correlation: ShapeCorrelation[];
  readonly equalTraceDisjoint: ShapePair[];
  readonly misordered: ShapePair[];
  readonly findings: Finding[];
}

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function pair(frame: ShapeFrame, a: ShapeSummaryRow, b: ShapeSummaryRow): ShapePair {
  const gap = Math.max(a.lower - b.upper, b.lower - a.upper);
  return { frame, a: a.label, b: b.label, trA: a.trHSigma, trB: b.trHSigma, rateA: a.rate, rateB: b.rate, gap };
}

/** The worst pair, described; `none` when there is none. */
function worst(pairs: readonly ShapePair[]): string {
  if (pairs.length === 0) return 'none';
  const w = pairs.reduce((p, q) => (q.gap > p.gap ? q : p));
  return `${pairs.length} (largest: ${w.a}, Tr(HΣ) ${f3(w.trA)}, escapes ${pct(w.rateA)} against ${w.b}, Tr(HΣ) ${f3(w.trB)}, escapes ${pct(w.rateB)}; intervals ${pct(w.gap)} apart)`;
}

/** The summary of every frame's rows; `rng` drives the bootstrap. */
export function summarizeShapes(frames: readonly { frame: ShapeFrame; rows: readonly ShapeRow[] }[], rng: Rng): ShapeSummary {
  const table: ShapeSummaryRow[] = [];
  const correlation: ShapeCorrelation[] = [];
  const equalTraceDisjoint: ShapePair[] = [];
  const misordered: ShapePair[] = [];
  const findings: Finding[] = [];
  for (const { frame, rows } of frames) {
    const withCi = rows.map((r) => {
      const w = wilsonInterval(r.escapes, r.repeats);
      return { ...r, frame, rate: w.estimate, lower: w.lower, upper: w.upper };
    });
    table.push(...withCi);
    const tr = withCi.map((r) => r.trHSigma);
    const rate = withCi.map((r) => r.rate);
    let rho: ShapeCorrelation | null = null;
    try {
      const b = spearmanBootstrap(tr, rate, rng, { resamples: RHO_RESAMPLES });
      rho = { frame, shapes: withCi.length, rho: b.rho, lower: b.lower, upper: b.upper, resamples: b.resamples, degenerate: b.degenerate };
      correlation.push(rho);
    } catch {
      // no variation in the rates (e.g. no escapes at all): ρ is undefined and the ordering finding does not hold
    }
    const equal: ShapePair[] = [];
    const wrong: ShapePair[] = [];
    for (let i = 0; i < withCi.length; i++) {
      for (let j = i + 1; j < withCi.length; j++) {
        const [a, b] = withCi[i]!.trHSigma <= withCi[j]!.trHSigma ? [withCi[i]!, withCi[j]!] : [withCi[j]!, withCi[i]!];
        const scale = Math.max(Math.abs(a.trHSigma), Math.abs(b.trHSigma), 1e-300);
        const disjoint = a.lower > b.upper || b.lower > a.upper;
        if (!disjoint) continue;
        if (b.trHSigma - a.trHSigma <= EQUAL_TRACE * scale) equal.push(pair(frame, a, b));
        else if (a.lower > b.upper) wrong.push(pair(frame, a, b));
      }
    }
    equalTraceDisjoint.push(...equal);
    misordered.push(...wrong);
    const where = frame === 'fixed' ? 'Σ held at its value at (1, 1)' : 'Σ re-estimated at every step';
    findings.push({
      id: `shapes-order-${frame}`,
      finding: `Across ${withCi.length} noise shapes of equal total variance (${where}), Tr(HΣ) at (1, 1) orders the escape rates.`,
      criterion: `Spearman ρ(Tr(HΣ), escape rate) ≥ ${RHO_MIN} with the lower end of its 95% bootstrap interval ≥ ${RHO_LOWER}`,
      thisRun: rho ? `ρ = ${f3(rho.rho)} [${f3(rho.lower)}, ${f3(rho.upper)}]` : 'ρ undefined (the escape rates do not vary)',
      verdict: rho && rho.rho >= RHO_MIN && rho.lower >= RHO_LOWER ? 'holds' : 'does not hold',
    });
    findings.push({
      id: `shapes-equal-trace-${frame}`,
      finding: `Shapes with equal Tr(HΣ) escape equally often (${where}).`,
      criterion: `no two shapes whose Tr(HΣ) differ by at most ${100 * EQUAL_TRACE}% have disjoint 95% Wilson intervals of their escape rates`,
      thisRun: `pairs with disjoint intervals: ${worst(equal)}`,
      verdict: equal.length === 0 ? 'holds' : 'does not hold',
    });
    findings.push({
      id: `shapes-monotone-${frame}`,
      finding: `A larger Tr(HΣ) never escapes significantly less often (${where}).`,
      criterion: `no pair where the shape with the larger Tr(HΣ) (by more than ${100 * EQUAL_TRACE}%) has a 95% Wilson interval entirely below the other's`,
      thisRun: `misordered pairs: ${worst(wrong)}`,
      verdict: wrong.length === 0 ? 'holds' : 'does not hold',
    });
  }
  return { table, correlation, equalTraceDisjoint, misordered, findings };
}

/** Collects every frame of the study into the summary the report reads. */
export const toy2dShapesSummaryStage = defineStage({
  id: 'toy2d.shapesSummary',
  version: 1,
  outputs: toy2dShapesSummaryOutputs,
  description: 'toy2d shapes: Wilson intervals, Spearman ρ with a bootstrap interval, where Tr(HΣ) fails to order escapes',
  instances: (cfg) => (shapeFrames(cfg).length > 0 ? [{}] : []),
  reads: ['seed', 'toy2d.shapes.frames'],
  cost: () => ({}),
  deps: (_p, cfg) =>
    named(
      '',
      shapeFrames(cfg).map((frame) => [frame, dep(toy2dShapesStage, { frame })] as const),
    ),
  async run(ctx, inputs) {
    const frames = toy2dConfig(ctx.config)('shapes.frames').map((frame) => ({ frame, rows: inputs[frame].rows }));
    const s = summarizeShapes(frames, new Rng(ctx.seed));
    return {
      table: s.table,
      correlation: s.correlation,
      equalTraceDisjoint: s.equalTraceDisjoint,
      misordered: s.misordered,
      findings: s.findings,
    };
  },
});
