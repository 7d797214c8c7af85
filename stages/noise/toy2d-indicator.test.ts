/**
 * Closed-form acceptance test: the paper's 2-D toy at its sharp minimum w* = (1, 1).
 *
 * Near w*, the per-sample loss is 10(c·u₁ − s·u₂)² + 100(c·u₁ + s·u₂)² with u = w − x − (1, 1), c = s = cos 45°.
 * With a = (c, −s), b = (c, s) (orthonormal): loss = 10(aᵀu)² + 100(bᵀu)², so H = 2(10·aaᵀ + 100·bbᵀ): eigenpairs
 * (200, b), (20, a); TrH = 220, Tr(H²) = 40400, H₁₁ = H₂₂ = 110.
 *
 * Data x = 1e−2·(√10·z₁, z₂)·R with R = [[c, −s], [s, c]], i.e. x = 1e−2·(√10·z₁·a + z₂·b). At w*, u = −x, so the
 * per-sample gradient is g = −Hx = −1e−2·(20√10·z₁·a + 200·z₂·b), with population covariance 0.4·aaᵀ + 4·bbᵀ.
 * Scaled to trace 0.01: Σ = (0.01/11)(aaᵀ + 10·bbᵀ) = 0.01·H/TrH exactly. Hence, for noise of total variance 0.01:
 *   isotropic (0.005·I):          Tr(HΣ) = 0.005·TrH                 = 1.1
 *   diag(Σ) (= 0.005·I here):     Tr(HΣ) = 110·(d₁ + d₂)             = 1.1   (for ANY diagonal of trace 0.01)
 *   Σ itself:                     Tr(HΣ) = 0.01·Tr(H²)/TrH           = 202/110 = 1.83636…
 *   Hessian-shaped 0.01·H/TrH:    same                               = 1.83636…
 *   top-1 eigenvector 0.01·u₁u₁ᵀ: Tr(HΣ) = 0.01·λ₁                    = 2.0
 * and the paper's alignment u₁ᵀΣu₁ ÷ (λ₁·TrΣ/TrH) = (0.1/11) ÷ (2/220) = 1.
 *
 * For a finite sample (N = 100), let P = Σ(aᵀg̃)², Q = Σ(bᵀg̃)², X = Σ(aᵀg̃)(bᵀg̃) over centred gradients g̃. Then
 * Σ̂ ∝ P·aaᵀ + Q·bbᵀ + X(abᵀ + baᵀ) and, since aᵀHb = 0, Tr(HΣ̂) = 0.01·(20P + 200Q)/(P + Q) exactly; P/Q is
 * 0.1 times an F(N−1, N−1) variate, whose log has standard deviation ≈ √(4/(N−1)), giving the sampling tolerance.
 */
import test from 'ava';
import { perExampleCovariance, type Covariance } from '../numerics/covariance.ts';
import { escapingIndicator, paperConditions, traceHSigma, traceHSigmaIsotropic, traceHSigmaTopK } from '../numerics/indicator.ts';
import { lanczos } from '../numerics/lanczos.ts';
import { denseOperator } from '../numerics/operator.ts';
import { Rng } from '../numerics/random.ts';
import { dot } from '../numerics/vector.ts';
import type { NoiseKindName } from './kind.ts';
import { placeSampler } from './placement.ts';
import { NOISE_KINDS } from './registry.ts';
import { shapeDense } from './shape.ts';
import { computeNoiseStats, mergeNeeds } from './stats.ts';
import { testNoise } from './testing.ts';

const c = Math.SQRT1_2;
const s = Math.SQRT1_2;
const a = Float64Array.of(c, -s);
const b = Float64Array.of(c, s);
const H = new Float64Array(4);
for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) H[i * 2 + j] = 2 * (10 * a[i]! * a[j]! + 100 * b[i]! * b[j]!);
const hessian = denseOperator(H, 2);
const TOTAL = 0.01;
const ISO = 1.1;
const ALIGNED = 202 / 110;

/** Tr(HΣ_kind) for the population covariance, for each kind with a closed form here (a kind without one is skipped). */
const POPULATION = {
  gd: 0,
  sgd: 0,
  gld_const: ISO,
  gld_dynamic: ISO,
  gld_diag: ISO,
  gld_leading: 2,
  gld_hessian: ALIGNED,
  gld_hessian_top1: 2,
  gld_full: ALIGNED, // Σ itself
} satisfies Partial<Record<NoiseKindName, number>>;
type ClosedFormKind = keyof typeof POPULATION;

/** Tr(H·S) for a dense 2×2 S. */
const trHS = (m: Float64Array) => H[0]! * m[0]! + H[1]! * m[2]! + H[2]! * m[1]! + H[3]! * m[3]!;

/** The toy's per-sample gradients at w* for N samples. */
function toyGradients(n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const y0 = Math.sqrt(10) * rng.normal();
    const y1 = rng.normal();
    // x = 1e−2·(y0, y1)·R, R = [[c, −s], [s, c]]
    const x0 = 1e-2 * (y0 * c + y1 * s);
    const x1 = 1e-2 * (-y0 * s + y1 * c);
    return Float32Array.of(-(H[0]! * x0 + H[1]! * x1), -(H[2]! * x0 + H[3]! * x1));
  });
}

/** Tr(HΣ_kind) for each kind with a closed form, with the kind's shape rescaled to total variance 0.01 (the toy's weight noise). */
async function perKind(cov: Covariance): Promise<Record<ClosedFormKind, number>> {
  const config = { sigma: 1, k: 1 };
  const kinds = Object.values(NOISE_KINDS).filter((kind) => Object.hasOwn(POPULATION, kind.name));
  const hessianK = (k: number) => lanczos(hessian, { k, tol: 1e-12, seed: 1 });
  const stats = await computeNoiseStats(mergeNeeds(...kinds.map((k) => k.needs(testNoise(k.name, config))), NOISE_KINDS.gld_hessian.needs({ k: 2 })), {
    size: 2,
    covariance: () => cov,
    hessianTopK: hessianK,
  });
  const out = {} as Record<ClosedFormKind, number>;
  for (const kind of kinds) {
    const cfg = kind.name === 'gld_hessian' ? { k: 2 } : testNoise(kind.name, config);
    const placed = placeSampler(kind.build(stats, cfg), { kind: 'weights', variance: TOTAL });
    ensure(placed.isZero || Math.abs(placed.trace - TOTAL) < 1e-15, `${kind.name}: total variance ${placed.trace}`);
    out[kind.name as ClosedFormKind] = trHS(shapeDense(placed.shape));
  }
  return out;
}
function ensure(ok: boolean, msg: string): void {
  if (!ok) throw new Error(msg);
}

test('population covariance: every closed form holds exactly', async (t) => {
  // Centred gradients realising the population covariance 0.4·aaᵀ + 4·bbᵀ exactly: ±√0.8·a, ±√8·b (N = 4, m = 1).
  const rows = [1, -1].flatMap((sign) => [a.map((x) => sign * Math.sqrt(0.8) * x), b.map((x) => sign * Math.sqrt(8) * x)]);
  const raw = perExampleCovariance(rows, 1);
  t.true(Math.abs(raw.trace - 4.4) < 1e-12);
  const cov = raw.scaled(TOTAL / raw.trace);
  const k = await perKind(cov);
  t.log(
    Object.entries(k)
      .map(([name, v]) => `${name}: ${v.toFixed(6)}`)
      .join(', '),
  );
  const close = (x: number, y: number) => Math.abs(x - y) < 1e-9;
  for (const [name, value] of Object.entries(POPULATION)) {
    const got = k[name as ClosedFormKind];
    if (value === 0) t.is(got, 0, name);
    else t.true(close(got, value), `${name}: ${got} vs ${value}`);
  }
  // Σ itself, three ways: exact over the factor, from H's eigenpairs, and the isotropic reference.
  const hEig = await lanczos(hessian, { k: 2, tol: 1e-12, seed: 2 });
  t.true(close(hEig.eigenvalues[0]!, 200) && close(hEig.eigenvalues[1]!, 20));
  t.true(close(Math.abs(dot(hEig.eigenvectors[0]!, b)), 1));
  const exact = await traceHSigma(hessian, cov);
  t.true(close(exact.value, ALIGNED));
  t.true(close(traceHSigmaTopK(hEig, cov), ALIGNED));
  t.true(close(traceHSigmaIsotropic(220, TOTAL, 2), ISO));
  const ind = escapingIndicator({ traceHSigma: exact.value, traceH: 220, traceSigma: cov.trace, size: 2 });
  t.true(close(ind.ratio, ALIGNED / ISO));
  const cond = paperConditions(hEig, 1, 220, cov);
  t.true(close(cond.alignment, 1));
  t.true(close(cond.lambdaK1, 20));
  t.true(ind.ratio >= cond.ratioLowerBound);
});

test('N = 100 sample: exact sample identities, and the population values within sampling error', async (t) => {
  const n = 100;
  const grads = toyGradients(n, 2019);
  const raw = perExampleCovariance(grads, 1);
  const cov = raw.scaled(TOTAL / raw.trace);
  // P, Q, X from the centred gradients, computed independently of the covariance module.
  const mean = [0, 0];
  for (const g of grads) for (let i = 0; i < 2; i++) mean[i]! += g[i]! / n;
  let P = 0;
  let Q = 0;
  let X = 0;
  for (const g of grads) {
    const ga = a[0]! * (g[0]! - mean[0]!) + a[1]! * (g[1]! - mean[1]!);
    const gb = b[0]! * (g[0]! - mean[0]!) + b[1]! * (g[1]! - mean[1]!);
    P += ga * ga;
    Q += gb * gb;
    X += ga * gb;
  }
  const k = await perKind(cov);
  const exact = (await traceHSigma(hessian, cov)).value;
  const sampleValue = (TOTAL * (20 * P + 200 * Q)) / (P + Q);
  t.true(Math.abs(exact - sampleValue) < 1e-12);
  // Top eigenvector of Σ̂ in the (a, b) basis: β² = (1 + (Q − P)/√((Q − P)² + 4X²))/2, v₁ᵀHv₁ = 20 + 180β².
  const beta2 = (1 + (Q - P) / Math.hypot(Q - P, 2 * X)) / 2;
  t.true(Math.abs(k.gld_leading - TOTAL * (20 + 180 * beta2)) < 1e-12);
  // gld_full is Σ̂ itself: the exact Tr(HΣ̂) of SGD's noise.
  t.true(Math.abs(k.gld_full - exact) < 1e-12, `gld_full ${k.gld_full} vs ${exact}`);
  // Exact whatever the sample: isotropic, diagonal (H₁₁ = H₂₂), Hessian-shaped and top-1 kinds.
  for (const name of ['gld_const', 'gld_dynamic', 'gld_diag'] as const) t.true(Math.abs(k[name] - ISO) < 1e-12, name);
  t.true(Math.abs(k.gld_hessian - ALIGNED) < 1e-12);
  t.true(Math.abs(k.gld_hessian_top1 - 2) < 1e-12);
  // Sampling tolerance (delta method on P/Q = 0.1·F(N−1, N−1)).
  const r = 0.1;
  const sd = ((TOTAL * 180 * r) / (1 + r) ** 2) * Math.sqrt(4 / (n - 1));
  t.log(`Tr(HΣ̂) = ${exact.toFixed(4)} (population ${ALIGNED.toFixed(4)}, sd ${sd.toFixed(4)}); gld_leading ${k.gld_leading.toFixed(4)}`);
  t.true(Math.abs(exact - ALIGNED) < 4 * sd);
  t.true(k.gld_leading > 2 - 0.05 && k.gld_leading <= 2 + 1e-12);
  t.true(exact / ISO > 1.5, 'SGD-like noise beats isotropic noise');
});
