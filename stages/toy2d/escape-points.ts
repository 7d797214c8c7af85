/**
 * The escape-law study's points: each sweep of `toy2d.escapeLaws` as a list of instance parameters {dynamics, batch,
 * lr, scale, barrier}, `barrier` the data-free ΔL₀ that sets the flat basin's drop. A point shared by several sweeps
 * (the base point) is one instance, cached once. Each curvature sweep holds the barrier of the loss its dynamics
 * descends: GLD const's data-free ΔL_G as configured; SGD's population barrier ΔL̄ at the base point's value
 * ΔL̄(s₀, ΔL₀), each scale's ΔL₀ solved for (stages/toy2d/population-match.ts).
 */
import type { ConfigReader } from '../../pipeline/stage.ts';
import { TOY2D_SGD_SHARP_UNIT, toy2dSgdNoiseTrace } from './barrier.ts';
import { toy2dConfig } from './config.ts';
import type { EscapeLawsConfig } from './escape-config.ts';
import type { EscapeDynamics } from './escape-time.ts';
import { sgdCurvatureBarrier } from './population-match.ts';

/** The sweeps, in report order: SGD over B/η; SGD (at ΔL̄(s₀, ΔL₀)) and GLD const (at ΔL_G) over the curvature, and both over the barrier. */
export const ESCAPE_SWEEPS = ['sgd-ratio', 'sgd-curvature', 'gld-curvature', 'sgd-barrier', 'gld-barrier'] as const;
/** One sweep's name. */
export type EscapeSweep = (typeof ESCAPE_SWEEPS)[number];

/** One point's parameters (an instance of `toy2d.escape`). */
export interface EscapePoint {
  readonly dynamics: EscapeDynamics;
  readonly batch: number;
  readonly lr: number;
  /** The sharp basin's scale s. */
  readonly scale: number;
  /** The barrier ΔL. */
  readonly barrier: number;
}

/** The points of one sweep. */
export function sweepPoints(c: EscapeLawsConfig, sweep: EscapeSweep): EscapePoint[] {
  const base = { batch: c.batch, lr: c.lr, scale: c.curvature, barrier: sweep.startsWith('gld') ? c.gldBarrier : c.barrier };
  switch (sweep) {
    case 'sgd-ratio':
      return c.ratios.map((r) => ({ ...base, dynamics: 'sgd', batch: r.batch, lr: r.lr }));
    case 'sgd-curvature':
      return c.curvatures.map((scale, i) => ({ ...base, dynamics: 'sgd', scale, barrier: sgdCurvatureBarrier(c, scale, i) }));
    case 'gld-curvature':
      return c.curvatures.map((scale) => ({ ...base, dynamics: 'gld_const', scale }));
    case 'sgd-barrier':
    case 'gld-barrier':
      return sweep === 'sgd-barrier'
        ? c.barriers.map((barrier) => ({ ...base, dynamics: 'sgd', barrier }))
        : c.gldBarriers.map((barrier) => ({ ...base, dynamics: 'gld_const', barrier }));
  }
}

/** The same point (as instance parameters compare). */
export const samePoint = (a: EscapePoint, b: EscapePoint) =>
  a.dynamics === b.dynamics && a.batch === b.batch && a.lr === b.lr && a.scale === b.scale && a.barrier === b.barrier;

/** Every distinct point of every sweep, or none when the study (or the toy) is off. */
export function escapePoints(cfg: ConfigReader): EscapePoint[] {
  const toy2d = toy2dConfig(cfg);
  return toy2d('enabled') && toy2d('escapeLaws.enabled') ? distinctPoints(toy2d('escapeLaws')) : [];
}

/** Every distinct point of every sweep of `c`, in sweep order. */
export function distinctPoints(c: EscapeLawsConfig): EscapePoint[] {
  const out: EscapePoint[] = [];
  for (const sweep of ESCAPE_SWEEPS) for (const p of sweepPoints(c, sweep)) if (!out.some((q) => samePoint(p, q))) out.push(p);
  return out;
}

/** GLD const's total variance per step: SGD's at the sharp minimum of the scale-s₀ loss for the same B and η, η²·4.4·s₀²/B. */
export function matchedVariance(lr: number, batch: number, referenceScale: number, traceAt: (scale: number) => number): number {
  return (lr * lr * traceAt(referenceScale)) / batch;
}

/**
 * The temperature T = λ·Var(w_q) of a point's linearised stationary law along the sharp eigenvector (the escape
 * direction), in discrete time: SGD Var = η·λ·c_q/(B(2 − ηλ)) with λ²c_q = 4s²; GLD const (V/2)/(ηλ(2 − ηλ)) with V
 * matched at s₀. Both tend to their diffusion limits (2ηs²/B and V/(4η)) as ηλ → 0; ΔL/T is the barrier in these units.
 */
export function escapeTemperature(p: EscapePoint, referenceScale: number): number {
  const lambda = 200 * p.scale;
  const etaLambda = p.lr * lambda;
  if (p.dynamics === 'sgd') return (p.lr * p.scale * p.scale * TOY2D_SGD_SHARP_UNIT) / (p.batch * (2 - etaLambda));
  const v = matchedVariance(p.lr, p.batch, referenceScale, toy2dSgdNoiseTrace);
  return v / (2 * p.lr * (2 - etaLambda));
}
