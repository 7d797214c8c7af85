/**
 * The toy's population loss L̄(w) = E_x ℓ(w; x) under toy2dData's distribution, and its barrier. SGD on the escape-law
 * study draws a fresh example every step, and each example shifts the whole two-basin loss (ℓ(w; x) = L₀(w − x)), so
 * SGD's mean drift is −∇L̄: it escapes over L̄'s data-smeared ridge, lower than the data-free ΔL (barrier.ts).
 *
 * In the eigen-coordinates of the sharp basin, p = c(u₀ − u₁) and q = c(u₀ + u₁) with u = w − (1,1), the data are
 * independent normals x_p ~ N(0, σ_p²), x_q ~ N(0, σ_q²) (σ_p = √10·1e−2, σ_q = 1e−2). With a = P − x_p and
 * y = Q − x_q, the sharp branch is A = s(10a² + 100y²) and the flat one B = a² + (y + 2√2)² − b, so
 * A − B = (100s − 1)y² − 4√2·y + (10s − 1)a² − 8 + b: for s > 0.1 the set {A < B} is an ellipse, nonempty for
 * |a| < a_t. Hence L̄ = E[B] − E[(B − A)₊] with E[B] in closed form and the second term an integral over the ellipse:
 * exact in x_q (Gaussian partial moments of a quadratic between the roots) and by Gauss–Legendre in x_p after
 * a = a_t·sin θ, which turns the (a_t² − a²)^{3/2} edge into an analytic integrand (spectral convergence; the
 * x_p range is cut at ±12σ_p, a tail below e^{−72}).
 */
import { TOY2D_C, type Toy2dShape } from '../models/toy2d_f64.ts';
import { gaussLegendre } from '../numerics/gauss-legendre.ts';
import { normalCdf } from '../numerics/normal.ts';

/** 2√2, the distance between the two minima along q. */
const D = 2 * Math.SQRT2;
/** The data's standard deviations along the sharp basin's eigenvectors p (λ = 20s) and q (λ = 200s). */
export interface DataSpread {
  readonly p: number;
  readonly q: number;
}
/** toy2dData's distribution: σ_p = √10·1e−2, σ_q = 1e−2. */
export const TOY2D_SPREAD: DataSpread = { p: Math.sqrt(10) * 1e-2, q: 1e-2 };
/** Gauss–Legendre nodes in x_p by default (the tests show 64 agrees with 128 to 1e−12 relative). */
export const POPULATION_NODES = 64;
/** Where the x_p integral is cut, in σ_p. */
const CUT = 12;

const phi = (t: number) => (Number.isFinite(t) ? Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI) : 0);
/** Φ(hi) − Φ(lo), from the nearer tail for accuracy. */
function mass(lo: number, hi: number): number {
  if (lo >= 0) return normalCdf(-lo) - normalCdf(-hi);
  return normalCdf(hi) - normalCdf(lo);
}
/** ∫_lo^hi (c0 + c1 t + c2 t²) φ(t) dt. */
function partial(c0: number, c1: number, c2: number, lo: number, hi: number): number {
  const m0 = mass(lo, hi);
  const m1 = phi(lo) - phi(hi);
  const m2 = m0 + lo * phi(lo) - hi * phi(hi);
  return c0 * m0 + c1 * m1 + c2 * m2;
}

/** w in the sharp basin's coordinates: P = c(w₀ − w₁), Q = c(w₀ + w₁) − √2. */
export function toEigen(w0: number, w1: number): [number, number] {
  return [TOY2D_C * (w0 - w1), TOY2D_C * (w0 + w1) - Math.SQRT2];
}

/**
 * L̄(w) = E_x ℓ(w; x) for the shape {s, b} and a data spread (default toy2dData's), exactly up to the x_p quadrature
 * (`nodes` Gauss–Legendre points). Example: `toy2dPopulationLoss(1, 1, {scale: 1, drop: 0})` = 0.02 (the floor).
 */
export function toy2dPopulationLoss(w0: number, w1: number, shape: Toy2dShape, spread: DataSpread = TOY2D_SPREAD, nodes = POPULATION_NODES): number {
  const [P, Q] = toEigen(w0, w1);
  return populationAt(P, Q, shape, spread, nodes);
}

/** L̄ at eigen-coordinates (P, Q) (see toy2dPopulationLoss). */
export function populationAt(P: number, Q: number, shape: Toy2dShape, spread: DataSpread = TOY2D_SPREAD, nodes = POPULATION_NODES): number {
  const s = shape.scale;
  const b = shape.drop;
  if (!(s > 0.1) || !(b < D * D)) throw new Error(`toy2d population loss: needs scale > 0.1 and drop < 8, got ${s}, ${b}`);
  const sp = spread.p;
  const sq = spread.q;
  const meanB = P * P + sp * sp + (Q + D) * (Q + D) + sq * sq - b;
  const kappa = 100 * s - 1;
  const mu = 10 * s - 1;
  const at = Math.sqrt(((D * D) / kappa + D * D - b) / mu); // the ellipse's half-width in a
  // a = P − x_p over [−a_t, a_t] ∩ [P − CUT·σ_p, P + CUT·σ_p], parametrised a = a_t·sin θ
  const aLo = Math.max(-at, P - CUT * sp);
  const aHi = Math.min(at, P + CUT * sp);
  if (!(aLo < aHi)) return meanB;
  const thLo = Math.asin(Math.max(-1, aLo / at));
  const thHi = Math.asin(Math.min(1, aHi / at));
  const half = 0.5 * (thHi - thLo);
  const mid = 0.5 * (thHi + thLo);
  const rule = gaussLegendre(nodes);
  let inside = 0;
  for (let k = 0; k < nodes; k++) {
    const th = mid + half * rule.nodes[k]!;
    const a = at * Math.sin(th);
    const xp = (P - a) / sp;
    const dens = Math.exp(-0.5 * xp * xp) / (Math.sqrt(2 * Math.PI) * sp);
    // roots of (A − B)(y) = κy² − 2Dy + μa² − D² + b: y = (D ± √disc)/κ, disc = κμ(a_t² − a²) = (κ·μ)·a_t²cos²θ
    const root = Math.sqrt(kappa * mu) * at * Math.cos(th);
    const y1 = (D - root) / kappa;
    const y2 = (D + root) / kappa;
    // y = Q − σ_q t ∈ [y1, y2] ⇔ t ∈ [(Q − y2)/σ_q, (Q − y1)/σ_q]; (B − A)(y) = −κ(y − y1)(y − y2)
    const gamma = mu * a * a - D * D + b;
    const c0 = -(kappa * Q * Q - 2 * D * Q + gamma);
    const c1 = sq * (2 * kappa * Q - 2 * D);
    const c2 = -kappa * sq * sq;
    const inner = partial(c0, c1, c2, (Q - y2) / sq, (Q - y1) / sq);
    inside += rule.weights[k]! * dens * inner * at * Math.cos(th);
  }
  return meanB - half * inside;
}

/** The population barrier of one shape: L̄'s sharp minimum and saddle on the diagonal, ΔL̄ and Δlog L̄. */
export interface PopulationBarrier {
  /** Q of L̄'s local minimum near (1, 1) on the diagonal (P = 0), and L̄ there. */
  readonly minQ: number;
  readonly minLoss: number;
  /** Q of the saddle (the maximum of L̄ along the diagonal between the two basins), and L̄ there. */
  readonly saddleQ: number;
  readonly saddleLoss: number;
  /** ΔL̄ = L̄(saddle) − L̄(min); 0 where L̄ has no local minimum near (1, 1) (the sharp basin is gone). */
  readonly deltaL: number;
  /** Δlog L̄ = log L̄(saddle) − log L̄(min); 0 with ΔL̄. */
  readonly deltaLogL: number;
}

/** Golden-section search for the minimum of f on [a, b] (f unimodal there). */
function golden(f: (x: number) => number, a: number, b: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let k = 0; k < 80 && b - a > 1e-13; k++) {
    if (f1 < f2) {
      [b, x2, f2] = [x2, x1, f1];
      x1 = b - g * (b - a);
      f1 = f(x1);
    } else {
      [a, x1, f1] = [x1, x2, f2];
      x2 = a + g * (b - a);
      f2 = f(x2);
    }
  }
  return 0.5 * (a + b);
}

/**
 * L̄'s barrier between the sharp minimum and the flat basin. L̄ keeps the loss's mirror symmetry P → −P (both branches
 * and the data are even in p), so its saddle lies on the diagonal P = 0 (the flood-fill test checks that no lower
 * pass exists off it): a scan of L̄(0, Q) from Q = 10σ_q + |q*|/4 down past the data-free saddle q* brackets the first local
 * minimum and the next maximum, each refined by golden section.
 */
export function populationBarrier(shape: Toy2dShape, spread: DataSpread = TOY2D_SPREAD, nodes = POPULATION_NODES): PopulationBarrier {
  const s = shape.scale;
  const k = 100 * s;
  const r = (k * D - Math.sqrt(k * D * D - (k - 1) * shape.drop)) / (k - 1);
  const qStar = r - D; // the data-free saddle (< 0)
  const width = Math.max(spread.q, 1e-9);
  const hi = 10 * width + 0.25 * -qStar;
  const lo = 2 * qStar - 10 * width;
  const n = 200; // scan points: 600 gave the same solved barriers to 10 digits at 2.5× the cost on every CLI start
  const f = (Q: number) => populationAt(0, Q, shape, spread, nodes);
  const qs = Array.from({ length: n + 1 }, (_, i) => hi - ((hi - lo) * i) / n);
  const v = qs.map(f);
  let iMin = -1;
  for (let i = 1; i < n; i++)
    if (v[i]! <= v[i - 1]! && v[i]! <= v[i + 1]!) {
      iMin = i;
      break;
    }
  let iMax = -1;
  if (iMin > 0)
    for (let i = iMin + 1; i < n; i++)
      if (v[i]! >= v[i - 1]! && v[i]! >= v[i + 1]!) {
        iMax = i;
        break;
      }
  if (iMin < 0 || iMax < 0) {
    const m = f(0);
    return { minQ: Number.NaN, minLoss: m, saddleQ: Number.NaN, saddleLoss: m, deltaL: 0, deltaLogL: 0 };
  }
  const minQ = golden(f, qs[iMin + 1]!, qs[iMin - 1]!);
  const saddleQ = golden((q) => -f(q), qs[iMax + 1]!, qs[iMax - 1]!);
  const minLoss = f(minQ);
  const saddleLoss = f(saddleQ);
  return { minQ, minLoss, saddleQ, saddleLoss, deltaL: saddleLoss - minLoss, deltaLogL: Math.log(saddleLoss) - Math.log(minLoss) };
}
