import test, { type ExecutionContext } from 'ava';
import { Rng } from '../numerics/random.ts';
import { withoutReplacementFactor } from '../numerics/batch-scaling.ts';
import { bernoulliCovariance, bernoulliWeights, gaussianCovariance, gaussianSgdWeights } from './example-weights.ts';
import { NO_NEEDS } from './kind.ts';
import { msgdBernoulli } from './msgd-bernoulli.ts';
import { msgdGaussian } from './msgd-gaussian.ts';

// A small problem with known per-example gradients G (N × D, non-zero mean) and batch size m.
const N = 8;
const D = 4;
const M = 3;
const G: Float64Array[] = (() => {
  const rng = new Rng(3);
  return Array.from({ length: N }, (_, i) => Float64Array.from({ length: D }, (_, j) => 0.5 * (j + 1) + (1 + 0.3 * i) * rng.normal()));
})();
const gbar = Float64Array.from({ length: D }, (_, j) => G.reduce((a, g) => a + g[j]!, 0) / N);
/** Σ₁ = (1/N)Σ(g_i − ḡ)(g_i − ḡ)ᵀ, dense. */
const sigma1 = (() => {
  const s = new Float64Array(D * D);
  for (const g of G) for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) s[a * D + b]! += ((g[a]! - gbar[a]!) * (g[b]! - gbar[b]!)) / N;
  return s;
})();
/** SGD's Σ_m = (N − m)/(m(N − 1))·Σ₁ (drawing without replacement). */
const sigmaM = sigma1.map((x) => withoutReplacementFactor(N, M) * x);
/** (1/N)GᵀG. */
const second = (() => {
  const s = new Float64Array(D * D);
  for (const g of G) for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) s[a * D + b]! += (g[a]! * g[b]!) / N;
  return s;
})();

/** SGD's own noise (1/N)GᵀW − ḡ, enumerated over every m-subset: its covariance is Σ_m exactly (the reference's reference). */
test('the dense Σ_m here is the covariance of SGD’s minibatch gradient, by enumeration of every m-subset', (t) => {
  const subsets: number[][] = [];
  const walk = (start: number, chosen: number[]) => {
    if (chosen.length === M) return void subsets.push(chosen);
    for (let i = start; i < N; i++) walk(i + 1, [...chosen, i]);
  };
  walk(0, []);
  const cov = new Float64Array(D * D);
  for (const s of subsets) {
    const d = Float64Array.from({ length: D }, (_, j) => s.reduce((a, i) => a + G[i]![j]!, 0) / M - gbar[j]!);
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) cov[a * D + b]! += (d[a]! * d[b]!) / subsets.length;
  }
  for (let i = 0; i < D * D; i++) t.true(Math.abs(cov[i]! - sigmaM[i]!) < 1e-12 * Math.max(1, Math.abs(sigmaM[i]!)), `${i}: ${cov[i]} vs ${sigmaM[i]}`);
});

/**
 * Draws `draws` weight vectors, forms ξ = (1/N)Gᵀ(w − 1), and checks its mean against 0 and every entry of its second
 * moment against `target` within 5 standard errors, each standard error from the sample variance of ξ_aξ_b itself
 * (no Gaussian assumption: Bernoulli noise is not Gaussian). Returns the largest |error| / se.
 */
function checkNoiseCovariance(
  t: ExecutionContext,
  draw: (rng: Rng, m: number, out: Float64Array) => Float64Array,
  target: Float64Array,
  draws: number,
): number {
  const rng = new Rng(11);
  const w = new Float64Array(N);
  const xi = new Float64Array(D);
  const mean = new Float64Array(D);
  const s1 = new Float64Array(D * D);
  const s2 = new Float64Array(D * D);
  for (let r = 0; r < draws; r++) {
    const wv = draw(rng, M, w);
    xi.fill(0);
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) xi[j]! += ((wv[i]! - 1) * G[i]![j]!) / N;
    for (let a = 0; a < D; a++) {
      mean[a]! += xi[a]! / draws;
      for (let b = 0; b < D; b++) {
        const p = xi[a]! * xi[b]!;
        s1[a * D + b]! += p / draws;
        s2[a * D + b]! += (p * p) / draws;
      }
    }
  }
  let worst = 0;
  for (let a = 0; a < D; a++) {
    const sdMean = Math.sqrt(target[a * D + a]! / draws);
    t.true(Math.abs(mean[a]!) <= 5 * sdMean, `mean ${a}: ${mean[a]} (sd ${sdMean})`);
    for (let b = 0; b < D; b++) {
      const k = a * D + b;
      const se = Math.sqrt((s2[k]! - s1[k]! ** 2) / draws);
      worst = Math.max(worst, Math.abs(s1[k]! - target[k]!) / se);
      t.true(Math.abs(s1[k]! - target[k]!) <= 5 * se, `(${a}, ${b}): ${s1[k]} vs ${target[k]} (se ${se})`);
    }
  }
  return worst;
}

test('msgd_gaussian: the noise (1/N)Gᵀε has covariance Σ_m within sampling error, and ε has covariance C_m', (t) => {
  t.deepEqual({ ...msgdGaussian.needs({}) }, { ...NO_NEEDS, exampleWeights: true });
  t.is(msgdGaussian.exampleWeights?.draw, gaussianSgdWeights);
  t.deepEqual(gaussianCovariance(N, M), { sigmaM: 1, meanOuter: 0 });
  const worst = checkNoiseCovariance(t, gaussianSgdWeights, sigmaM, 200_000);
  t.log(`largest |Σ̂ − Σ_m| / se = ${worst.toFixed(2)} over ${D * D} entries`);
  // the weights themselves: Cov(ε) = c·(N·I − 11ᵀ), and Σ_i ε_i = 0 exactly (the noise is a mean-zero reweighting)
  const rng = new Rng(4);
  const w = new Float64Array(N);
  const c = withoutReplacementFactor(N, M);
  const draws = 100_000;
  const cov = new Float64Array(N * N);
  for (let r = 0; r < draws; r++) {
    gaussianSgdWeights(rng, M, w);
    t.true(Math.abs(w.reduce((a, x) => a + x - 1, 0)) < 1e-12, `draw ${r}: Σε ≠ 0`);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) cov[i * N + j]! += ((w[i]! - 1) * (w[j]! - 1)) / draws;
  }
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const target = c * ((i === j ? N : 0) - 1);
      const se = Math.sqrt((target * target + (c * (N - 1)) ** 2) / draws);
      t.true(Math.abs(cov[i * N + j]! - target) <= 5 * se, `C(${i}, ${j}): ${cov[i * N + j]} vs ${target}`);
    }
  }
});

test('msgd_bernoulli: its noise covariance is (N − m)/(mN)·(1/N)GᵀG = ((N − 1)/N)·Σ_m + ((N − m)/(mN))·ḡḡᵀ, within sampling error', (t) => {
  t.deepEqual({ ...msgdBernoulli.needs({}) }, { ...NO_NEEDS, exampleWeights: true });
  const exact = second.map((x) => ((N - M) / (M * N)) * x);
  // the stated relation to SGD's Σ_m, exactly (and that it is not Σ_m: ḡ ≠ 0 here)
  const { sigmaM: a, meanOuter: b } = bernoulliCovariance(N, M);
  t.is(a, (N - 1) / N);
  t.is(b, (N - M) / (M * N));
  let gap = 0;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      const rel = a * sigmaM[i * D + j]! + b * gbar[i]! * gbar[j]!;
      t.true(Math.abs(rel - exact[i * D + j]!) < 1e-12 * Math.max(1, Math.abs(exact[i * D + j]!)), `(${i}, ${j}): ${rel} vs ${exact[i * D + j]}`);
      gap = Math.max(gap, Math.abs(exact[i * D + j]! - sigmaM[i * D + j]!) / Math.abs(sigmaM[i * D + i]!));
    }
  }
  t.true(gap > 0.05, `Bernoulli's covariance differs from Σ_m here (largest gap ${gap} of a diagonal entry)`);
  const worst = checkNoiseCovariance(t, bernoulliWeights, exact, 200_000);
  t.log(`largest |Σ̂ − Σ_bernoulli| / se = ${worst.toFixed(2)} over ${D * D} entries; largest gap to Σ_m ${gap.toFixed(2)}`);
});

test('the sampling check can fail: Bernoulli draws are not Σ_m, Gaussian draws scaled by N/(N − m) are not Σ_m', (t) => {
  const failing = (draw: (rng: Rng, m: number, out: Float64Array) => Float64Array, target: Float64Array) => {
    const fake = { true: () => true } as unknown as ExecutionContext;
    return checkNoiseCovariance(fake, draw, target, 200_000);
  };
  t.true(failing(bernoulliWeights, sigmaM) > 5);
  const inflated = (rng: Rng, m: number, out: Float64Array) => gaussianSgdWeights(rng, m, out).map((w) => 1 + Math.sqrt(N / (N - M)) * (w - 1));
  t.true(failing(inflated, sigmaM) > 5);
});

test('at m = N every weight is exactly 1 (M-SGD is GD); m outside [1, N] is an error naming the kind', (t) => {
  const rng = new Rng(1);
  for (const draw of [gaussianSgdWeights, bernoulliWeights]) {
    t.deepEqual(Array.from(draw(rng, N, new Float64Array(N))), Array(N).fill(1));
  }
  t.throws(() => gaussianSgdWeights(rng, N + 1, new Float64Array(N)), { message: /msgd_gaussian: batch size m=9 must be an integer in \[1, N=8\]/ });
  t.throws(() => bernoulliWeights(rng, 0, new Float64Array(N)), { message: /msgd_bernoulli: batch size m=0/ });
  t.throws(() => bernoulliCovariance(1, 1), { message: /msgd_bernoulli: N=1/ });
});
