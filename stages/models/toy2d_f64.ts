/**
 * The paper's two-basin toy loss in plain float64 with closed-form gradient and Hessian, for fast vectorised dynamics
 * (no tfjs). Per sample x ∈ R²:
 *   ℓ(w; x) = min( 10(c·u₁ − s·u₂)² + 100(c·u₁ + s·u₂)²,  ‖w − x + (1,1)‖² ),  u = w − x − (1,1),  c = s = cos 45°.
 * The first branch is a sharp basin at (1,1) + x (Hessian eigenvalues 200 along (c,s) and 20 along (c,−s), i.e.
 * [[110, 90], [90, 110]]); the second a flat one at (−1,−1) + x (Hessian 2I). On a tie the sharp branch is used
 * (as tfjs's Minimum gradient does).
 *
 * A `Toy2dShape` {scale, drop} generalises it (the escape-law study, stages/toy2d/escape-*.ts): the sharp branch is
 * multiplied by `scale` (Hessian scale·[[110, 90], [90, 110]]) and the flat branch lowered by `drop`, which lowers the
 * barrier between the basins without changing either basin's curvature. {scale: 1, drop: 0} is the paper's loss,
 * bit for bit (×1 and −0 are exact in float64).
 */
import type { Rng } from '../numerics/random.ts';

/** cos 45° = sin 45°, the rotation of the sharp basin. */
export const TOY2D_C = Math.SQRT1_2;

/** Default number of data points of the toy problem. */
export const TOY2D_N = 100;

/** Hessian [h00, h01, h11] of the sharp branch (constant): 20·(c,−s)(c,−s)ᵀ + 200·(c,s)(c,s)ᵀ. */
export const TOY2D_SHARP_HESSIAN = [110, 90, 110] as const;

/** The sharp branch's scale and the flat branch's drop (see the file's doc comment). */
export interface Toy2dShape {
  readonly scale: number;
  readonly drop: number;
}

/** The paper's loss: scale 1, drop 0. */
export const TOY2D_PAPER_SHAPE: Toy2dShape = { scale: 1, drop: 0 };

/**
 * One sample: writes [ℓ, ∂₀ℓ, ∂₁ℓ, H₀₀, H₀₁, H₁₁, branch] into `out` at `offset` (branch 0 = sharp, 1 = flat).
 * Example: `toy2dSample(1, 1, 0, 0, buf)` gives ℓ = 0 in the sharp branch.
 */
export function toy2dSample(w0: number, w1: number, x0: number, x1: number, out: Float64Array, offset = 0, shape: Toy2dShape = TOY2D_PAPER_SHAPE): void {
  const c = TOY2D_C;
  const s = shape.scale;
  const u0 = w0 - x0 - 1;
  const u1 = w1 - x1 - 1;
  const p = c * u0 - c * u1;
  const q = c * u0 + c * u1;
  const sharp = s * (10 * p * p + 100 * q * q);
  const v0 = w0 - x0 + 1;
  const v1 = w1 - x1 + 1;
  const flat = v0 * v0 + v1 * v1 - shape.drop;
  if (sharp <= flat) {
    out[offset] = sharp;
    out[offset + 1] = s * (20 * p * c + 200 * q * c);
    out[offset + 2] = s * (-20 * p * c + 200 * q * c);
    out[offset + 3] = s * TOY2D_SHARP_HESSIAN[0];
    out[offset + 4] = s * TOY2D_SHARP_HESSIAN[1];
    out[offset + 5] = s * TOY2D_SHARP_HESSIAN[2];
    out[offset + 6] = 0;
  } else {
    out[offset] = flat;
    out[offset + 1] = 2 * v0;
    out[offset + 2] = 2 * v1;
    out[offset + 3] = 2;
    out[offset + 4] = 0;
    out[offset + 5] = 2;
    out[offset + 6] = 1;
  }
}

/** Full-batch (mean over the samples) loss, gradient and Hessian of the toy loss. */
export interface Toy2dEval {
  readonly loss: number;
  readonly grad: [number, number];
  /** [H₀₀, H₀₁, H₁₁]. */
  readonly hessian: [number, number, number];
}

/** Mean loss, gradient and Hessian over data (n×2 row-major); `indices` selects a minibatch; `shape` the loss (default the paper's). */
export function toy2dEvaluate(w: ArrayLike<number>, data: Float64Array, indices?: ArrayLike<number>, shape: Toy2dShape = TOY2D_PAPER_SHAPE): Toy2dEval {
  const n = indices ? indices.length : data.length / 2;
  if (n < 1) throw new Error('toy2dEvaluate: no samples');
  const buf = new Float64Array(7);
  const acc = new Float64Array(6);
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k]! : k;
    toy2dSample(w[0]!, w[1]!, data[2 * i]!, data[2 * i + 1]!, buf, 0, shape);
    for (let j = 0; j < 6; j++) acc[j] = acc[j]! + buf[j]!;
  }
  return {
    loss: acc[0]! / n,
    grad: [acc[1]! / n, acc[2]! / n],
    hessian: [acc[3]! / n, acc[4]! / n, acc[5]! / n],
  };
}

/** Per-sample gradients (n×2 row-major) at w. */
export function toy2dPerExampleGradients(w: ArrayLike<number>, data: Float64Array): Float64Array {
  const n = data.length / 2;
  const out = new Float64Array(2 * n);
  const buf = new Float64Array(7);
  for (let i = 0; i < n; i++) {
    toy2dSample(w[0]!, w[1]!, data[2 * i]!, data[2 * i + 1]!, buf);
    out[2 * i] = buf[1]!;
    out[2 * i + 1] = buf[2]!;
  }
  return out;
}

/** One draw from the data distribution of `toy2dData` (same formula, same variates), written into out[0..1]. */
export function toy2dDraw(rng: Rng, out: Float64Array): void {
  const c = TOY2D_C;
  const a = rng.normal() * Math.sqrt(10);
  const b = rng.normal();
  out[0] = (a * c + b * c) * 1e-2;
  out[1] = (-a * c + b * c) * 1e-2;
}

/**
 * The toy data set: xᵢ = (zᵢ ⊙ (√10, 1))·R·1e−2 with zᵢ ~ N(0, I₂) and R = [[c, −s], [s, c]] (row vector times R),
 * n×2 row-major. Example: `toy2dData(new Rng(0))`.
 */
export function toy2dData(rng: Rng, n = TOY2D_N): Float64Array {
  const c = TOY2D_C;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal() * Math.sqrt(10);
    const b = rng.normal();
    out[2 * i] = (a * c + b * c) * 1e-2; // [a, b]·[[c, −s], [s, c]] = [a·c + b·s, −a·s + b·c]
    out[2 * i + 1] = (-a * c + b * c) * 1e-2;
  }
  return out;
}
