/**
 * Closed forms of the toy's barrier for a `Toy2dShape` {scale s, drop b} (stages/models/toy2d_f64.ts), on the
 * data-free loss L₀(w) = min(s·Q(w − (1,1)), ‖w + (1,1)‖² − b), Q(u) = 10p² + 100q², p = c(u₁ − u₂), q = c(u₁ + u₂).
 *
 * For 10s > 1 the lowest point of the ridge {sharp = flat} lies on the diagonal p = 0 (off it the sharp branch grows
 * faster than the flat one, so the crossing moves up). With k = 100s, d = 2√2 and r = q + d the distance from the
 * flat minimum along the diagonal, the ridge solves k(r − d)² = r² − b, so
 *   r* = (k·d − √(k·d² − (k − 1)·b)) / (k − 1),  L* = k·(d − r*)²  (the sharp branch's value there),
 * and conversely, for a barrier height L* at scale s, b = (d − √(L* ∕ k))² − L*.
 * The sharp minimum (1, 1) has L₀ = 0; ΔL = L*. Its Hessian is s·[[110, 90], [90, 110]] (eigenvalues 200s, 20s).
 * The data add a floor: with x ~ toy2dData's distribution (Var along p 1e−3, along q 1e−4),
 * E_x ℓ((1,1); x) = s·(10·1e−3 + 100·1e−4) = 0.02·s, which Δlog L = log((L* + ε)/ε), ε = 0.02·s, uses.
 */
import { TOY2D_C, type Toy2dShape } from '../models/toy2d_f64.ts';

/** Distance from the sharp minimum (1,1) to the flat one (−1,−1): 2√2. */
const D = 2 * Math.SQRT2;
/** E_x Q(x) under toy2dData's distribution: 10·Var(x_p) + 100·Var(x_q) = 10·1e−3 + 100·1e−4. */
export const TOY2D_DATA_Q_MEAN = 0.02;
/** λ_max²·Var(x_q) at unit scale: the SGD noise variance of one example along the sharp eigenvector, 200²·1e−4. */
export const TOY2D_SGD_SHARP_UNIT = 200 * 200 * 1e-4;
/** tr(H₀ C H₀) for the unit-scale sharp Hessian H₀ (eigenvalues 20, 200) and the data covariance C (1e−3, 1e−4 along them). */
export const TOY2D_SGD_TRACE_UNIT = 20 * 20 * 1e-3 + 200 * 200 * 1e-4;

/** The barrier of one shape and the quantities the escape laws are stated in. */
export interface Toy2dBarrier {
  /** The saddle (lowest point of the ridge), on the diagonal. */
  readonly saddle: [number, number];
  /** ΔL = L* − L₀(1,1) = L*. */
  readonly deltaL: number;
  /** ε = 0.02·s: the population loss at the sharp minimum. */
  readonly floor: number;
  /** Δlog L = log((L* + ε)/ε). */
  readonly deltaLogL: number;
  /** The sharp Hessian's largest eigenvalue, 200·s. */
  readonly sharpLambdaMax: number;
}

function check(shape: Toy2dShape): void {
  if (!(shape.scale > 0.1)) throw new Error(`toy2d barrier: scale must exceed 0.1 (the saddle leaves the diagonal below), got ${shape.scale}`);
  if (!(shape.drop >= 0 && shape.drop < 8)) throw new Error(`toy2d barrier: drop must lie in [0, 8) (8 removes the sharp basin), got ${shape.drop}`);
}

/** The sharp branch's Hessian [h00, h01, h11] = s·[110, 90, 110]. */
export function toy2dSharpHessian(shape: Toy2dShape): [number, number, number] {
  return [110 * shape.scale, 90 * shape.scale, 110 * shape.scale];
}

/** The barrier's closed forms. Example: `toy2dBarrier({scale: 1, drop: 0}).deltaL` = 800/121 ≈ 6.61. */
export function toy2dBarrier(shape: Toy2dShape): Toy2dBarrier {
  check(shape);
  const k = 100 * shape.scale;
  const b = shape.drop;
  const r = (k * D - Math.sqrt(k * D * D - (k - 1) * b)) / (k - 1);
  const q = r - D;
  const deltaL = k * q * q;
  const floor = TOY2D_DATA_Q_MEAN * shape.scale;
  const w = 1 + q * TOY2D_C;
  return { saddle: [w, w], deltaL, floor, deltaLogL: Math.log((deltaL + floor) / floor), sharpLambdaMax: 200 * shape.scale };
}

/** The drop b giving barrier ΔL at scale s: (d − √(ΔL/k))² − ΔL; throws, naming both, if no b in [0, 8) gives it. */
export function dropForBarrier(scale: number, deltaL: number): number {
  if (!(deltaL > 0)) throw new Error(`toy2d barrier: ΔL must be positive, got ${deltaL}`);
  const k = 100 * scale;
  const r = D - Math.sqrt(deltaL / k);
  const b = r * r - deltaL;
  if (!(b >= 0)) throw new Error(`toy2d barrier: ΔL = ${deltaL} exceeds the undropped barrier at scale ${scale}`);
  check({ scale, drop: b });
  return b;
}

/** tr Σ of one example's gradient at the sharp minimum under the data distribution: s²·tr(H₀CH₀) = 4.4·s². */
export function toy2dSgdNoiseTrace(scale: number): number {
  return scale * scale * TOY2D_SGD_TRACE_UNIT;
}

/** Whether w has left the sharp basin: the flat branch of the data-free loss is below the sharp one there. */
export function outsideSharpBasin(w0: number, w1: number, shape: Toy2dShape): boolean {
  const u0 = w0 - 1;
  const u1 = w1 - 1;
  const p = TOY2D_C * (u0 - u1);
  const q = TOY2D_C * (u0 + u1);
  const v0 = w0 + 1;
  const v1 = w1 + 1;
  return v0 * v0 + v1 * v1 - shape.drop < shape.scale * (10 * p * p + 100 * q * q);
}
