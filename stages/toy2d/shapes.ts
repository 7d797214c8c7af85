/**
 * A family of noise covariances on the 2-D toy at one total variance v, and their escape dynamics: does Tr(HΣ)
 * alone order the escapes across noise shapes?
 *
 * Shapes, all with trace v, described in the Hessian's eigenbasis (e₁ the sharp direction, e₂ the flat one):
 * - rank 1 at angle φ from e₁: Σ = v·uuᵀ, u = cos φ·e₁ + sin φ·e₂ (so Tr(HΣ) = v·(λ₁cos²φ + λ₂sin²φ));
 * - mixtures (1 − α)·(v/2)·I + α·v·e₁e₁ᵀ;
 * - the paper's GLD kinds (the kind's own covariance, rescaled to trace v).
 * Two frames: `fixed` computes Σ once at the start (1, 1) and holds it; `local` recomputes it at every step from the
 * current point's Hessian and statistics, as the paper's kinds do. The dynamics are the toy's: full-batch gradient
 * step, then ξ ~ N(0, Σ) added to the weights; an escape ends in the flat basin (`isEscaped`).
 */
import type { NoiseConfig, NoiseKindName } from '../noise/kind.ts';
import { placeSampler } from '../noise/placement.ts';
import { noiseKind } from '../noise/registry.ts';
import { shapeDense } from '../noise/shape.ts';
import type { Rng } from '../numerics/random.ts';
import { toy2dEvaluate } from '../models/toy2d_f64.ts';
import { isEscaped } from './dynamics.ts';
import { toy2dNoiseStats, toy2dPoint, type Toy2dPoint } from './statistics.ts';

/** One member of the family. */
export type ShapeSpec =
  | { readonly family: 'rank1'; readonly angle: number }
  | { readonly family: 'mixture'; readonly alpha: number }
  | { readonly family: 'kind'; readonly kind: NoiseKindName };

/** Where Σ comes from: computed at the start and held, or recomputed at every step. */
export type ShapeFrame = 'fixed' | 'local';

/** The family: `angles` rank-1 directions φ = iπ/angles in [0, π), `alphas` mixtures α = i/(alphas − 1), and `kinds`. */
export function shapeFamily(angles: number, alphas: number, kinds: readonly NoiseKindName[]): ShapeSpec[] {
  const out: ShapeSpec[] = [];
  for (let i = 0; i < angles; i++) out.push({ family: 'rank1', angle: (i * Math.PI) / angles });
  for (let i = 0; i < alphas; i++) out.push({ family: 'mixture', alpha: alphas === 1 ? 1 : i / (alphas - 1) });
  for (const kind of kinds) out.push({ family: 'kind', kind });
  return out;
}

/** A short stable label: `rank1 φ=0.098`, `mixture α=0.3`, `gld_hessian`. */
export function shapeLabel(spec: ShapeSpec): string {
  if (spec.family === 'rank1') return `rank1 φ=${spec.angle.toFixed(3)}`;
  if (spec.family === 'mixture') return `mixture α=${spec.alpha.toFixed(2)}`;
  return spec.kind;
}

/** The shape's parameter (φ, α) or null for a kind. */
export function shapeParameter(spec: ShapeSpec): number | null {
  return spec.family === 'rank1' ? spec.angle : spec.family === 'mixture' ? spec.alpha : null;
}

/**
 * Unit eigenvectors of a symmetric 2×2 (row-major) in closed form: e₁ of the larger eigenvalue, e₂ ⟂ e₁, each sign
 * fixed so that its first non-zero entry is positive (a repeated eigenvalue gives the coordinate axes).
 */
export function eigenbasis2(h: ArrayLike<number>): { e1: [number, number]; e2: [number, number] } {
  const a = h[0]!;
  const b = 0.5 * (h[1]! + h[2]!);
  const d = h[3]!;
  let e1: [number, number];
  if (b === 0) e1 = a >= d ? [1, 0] : [0, 1];
  else {
    const l1 = (a + d) / 2 + Math.hypot((a - d) / 2, b);
    const x = l1 - d;
    const n = Math.hypot(x, b);
    e1 = [x / n, b / n];
  }
  if (e1[0] < 0 || (e1[0] === 0 && e1[1] < 0)) e1 = [-e1[0], -e1[1]];
  let e2: [number, number] = [-e1[1], e1[0]];
  if (e2[0] < 0 || (e2[0] === 0 && e2[1] < 0)) e2 = [-e2[0], -e2[1]];
  return { e1, e2 };
}

/** Σ of a paper kind (row-major 2×2, trace `variance`) at a toy point. */
export function kindCovariance(name: NoiseKindName, point: Toy2dPoint, variance: number, noise: NoiseConfig): Float64Array {
  const kind = noiseKind(name);
  const sampler = placeSampler(kind.build(toy2dNoiseStats(point, kind.needs(noise)), noise), { kind: 'weights', variance });
  return sampler.isZero ? new Float64Array(4) : shapeDense(sampler.shape);
}

/** Σ (row-major 2×2, trace `variance`) of a rank-1 or mixture shape for the Hessian `h` (row-major 2×2). */
export function geometricCovariance(spec: Exclude<ShapeSpec, { family: 'kind' }>, h: ArrayLike<number>, variance: number): Float64Array {
  const { e1, e2 } = eigenbasis2(h);
  if (spec.family === 'rank1') {
    const c = Math.cos(spec.angle);
    const s = Math.sin(spec.angle);
    const u = [c * e1[0] + s * e2[0], c * e1[1] + s * e2[1]];
    return Float64Array.of(variance * u[0]! * u[0]!, variance * u[0]! * u[1]!, variance * u[1]! * u[0]!, variance * u[1]! * u[1]!);
  }
  const iso = ((1 - spec.alpha) * variance) / 2;
  const a = spec.alpha * variance;
  return Float64Array.of(iso + a * e1[0] * e1[0], a * e1[0] * e1[1], a * e1[1] * e1[0], iso + a * e1[1] * e1[1]);
}

/** Σ (row-major 2×2, trace `variance`) of `spec` at `point`. */
export function shapeCovariance(spec: ShapeSpec, point: Toy2dPoint, variance: number, noise: NoiseConfig): Float64Array {
  return spec.family === 'kind' ? kindCovariance(spec.kind, point, variance, noise) : geometricCovariance(spec, point.hessian, variance);
}

/** Tr(HΣ) for row-major 2×2 H and Σ. */
export function traceProduct2(h: ArrayLike<number>, s: ArrayLike<number>): number {
  return h[0]! * s[0]! + h[1]! * s[2]! + h[2]! * s[1]! + h[3]! * s[3]!;
}

/** Lower Cholesky factor [l00, l10, l11] of a symmetric positive semi-definite 2×2 (row-major); exact zeros kept. */
export function cholesky2(s: ArrayLike<number>): [number, number, number] {
  const l00 = Math.sqrt(Math.max(0, s[0]!));
  const l10 = l00 > 0 ? s[2]! / l00 : 0;
  const l11 = Math.sqrt(Math.max(0, s[3]! - l10 * l10));
  return [l00, l10, l11];
}

/** Settings of `runShapeDynamics`. */
export interface ShapeDynamicsOptions {
  /** Data sets, repeats × samples × 2. */
  readonly data: Float64Array;
  readonly repeats: number;
  readonly samples: number;
  readonly spec: ShapeSpec;
  readonly frame: ShapeFrame;
  readonly noise: NoiseConfig;
  readonly lr: number;
  readonly iterations: number;
  readonly variance: number;
  readonly start: readonly [number, number];
  readonly rng: Rng;
}

/** Escapes over the repeats and Tr(HΣ) at the start (mean over the repeats' data sets). */
export interface ShapeDynamicsResult {
  readonly escapes: number;
  readonly repeats: number;
  readonly trHSigma: number;
}

/** Runs one shape's dynamics on every repeat; throws, naming the shape, repeat and iteration, if w stops being finite. */
export function runShapeDynamics(o: ShapeDynamicsOptions): ShapeDynamicsResult {
  let escapes = 0;
  let tr = 0;
  for (let r = 0; r < o.repeats; r++) {
    const data = o.data.subarray(r * o.samples * 2, (r + 1) * o.samples * 2);
    const startPoint = toy2dPoint(o.start, data);
    const fixed = shapeCovariance(o.spec, startPoint, o.variance, o.noise);
    tr += traceProduct2(startPoint.hessian, fixed);
    let l = cholesky2(fixed);
    let w0 = o.start[0];
    let w1 = o.start[1];
    const spec = o.spec;
    for (let t = 1; t <= o.iterations; t++) {
      let g: readonly [number, number];
      if (o.frame === 'local' && spec.family === 'kind') {
        const point = toy2dPoint([w0, w1], data);
        g = point.grad;
        if (t > 1) l = cholesky2(kindCovariance(spec.kind, point, o.variance, o.noise));
      } else {
        const e = toy2dEvaluate([w0, w1], data);
        g = e.grad;
        if (o.frame === 'local' && spec.family !== 'kind' && t > 1) {
          const [h00, h01, h11] = e.hessian;
          l = cholesky2(geometricCovariance(spec, [h00, h01, h01, h11], o.variance));
        }
      }
      const z0 = o.rng.normal();
      const z1 = o.rng.normal();
      w0 += -o.lr * g[0] + l[0] * z0;
      w1 += -o.lr * g[1] + l[1] * z0 + l[2] * z1;
      if (!Number.isFinite(w0) || !Number.isFinite(w1)) {
        throw new Error(`toy2d shapes: ${shapeLabel(o.spec)} (${o.frame}) diverged at iteration ${t} of repeat ${r}`);
      }
    }
    if (isEscaped(w0, w1)) escapes++;
  }
  return { escapes, repeats: o.repeats, trHSigma: tr / o.repeats };
}
