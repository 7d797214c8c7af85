import test from 'ava';
import { minibatchCovariance } from './covariance.ts';
import { symmetricEigen } from './eigen.ts';
import { denseMatmul, denseTrace, randomSymmetric } from './testing.ts';
import { escapingIndicator, paperConditions, traceHSigma, traceHSigmaIsotropic, traceHSigmaTopK } from './indicator.ts';
import { denseOperator } from './operator.ts';
import { Rng } from './random.ts';

const d = 20;

/** A PSD Hessian with a few outliers and gradient samples whose noise is partly aligned with it. */
function problem(seed: number) {
  const rng = new Rng(seed);
  const spectrum = Array.from({ length: d }, (_, i) => (i < 3 ? 50 / (i + 1) : Math.exp(-i / 4)));
  const { matrix: h, eigenvectors } = randomSymmetric(spectrum, rng);
  const grads = Array.from({ length: 15 }, () => {
    const g = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const z = rng.normal() * Math.sqrt(spectrum[j]!);
      for (let i = 0; i < d; i++) g[i]! += z * eigenvectors[j]![i]!;
    }
    return g;
  });
  const cov = minibatchCovariance(grads);
  const sigma = new Float64Array(d * d);
  for (const c of cov.factor) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sigma[i * d + j]! += c[i]! * c[j]!;
  return { h, cov, sigma };
}

test('exact Tr(HΣ) over the factor equals the dense trace(H·Σ)', async (t) => {
  for (const seed of [1, 2, 3]) {
    const { h, cov, sigma } = problem(seed);
    const direct = denseTrace(denseMatmul(h, sigma, d), d);
    const res = await traceHSigma(denseOperator(h, d), cov);
    t.is(res.hvps, 15);
    t.true(Math.abs(res.value - direct) < 1e-10 * Math.abs(direct), `${res.value} vs ${direct}`);
  }
});

test('top-k approximation: exact with all D pairs, and Σ_{j≤k} λ_j u_jᵀΣu_j otherwise', (t) => {
  const { h, cov, sigma } = problem(4);
  const e = symmetricEigen(h, d);
  const all = { eigenvalues: e.values, eigenvectors: e.vectors };
  const direct = denseTrace(denseMatmul(h, sigma, d), d);
  t.true(Math.abs(traceHSigmaTopK(all, cov) - direct) < 1e-10 * direct);
  // Top-3 against the dense projection: trace(P H P Σ) with P the projector on the top-3 eigenvectors.
  const top3 = { eigenvalues: e.values.slice(0, 3), eigenvectors: e.vectors.slice(0, 3) };
  const h3 = new Float64Array(d * d);
  for (let j = 0; j < 3; j++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) h3[a * d + b]! += e.values[j]! * e.vectors[j]![a]! * e.vectors[j]![b]!;
  const direct3 = denseTrace(denseMatmul(h3, sigma, d), d);
  t.true(Math.abs(traceHSigmaTopK(top3, cov) - direct3) < 1e-10 * direct3);
  t.true(traceHSigmaTopK(top3, cov) <= direct + 1e-9);
});

test('isotropic reference, ratio, and paper conditions against dense computations', async (t) => {
  const { h, cov, sigma } = problem(5);
  const trH = denseTrace(h, d);
  const trS = denseTrace(sigma, d);
  // Tr(H·(TrΣ/D)I) computed densely.
  const iso = new Float64Array(d * d);
  for (let i = 0; i < d; i++) iso[i * d + i] = trS / d;
  t.true(Math.abs(traceHSigmaIsotropic(trH, trS, d) - denseTrace(denseMatmul(h, iso, d), d)) < 1e-12 * trH * trS);
  const exact = (await traceHSigma(denseOperator(h, d), cov)).value;
  const ind = escapingIndicator({ traceHSigma: exact, traceH: trH, traceSigma: cov.trace, size: d });
  t.true(Math.abs(ind.ratio - (exact * d) / (trH * trS)) < 1e-10 * ind.ratio);
  t.true(ind.ratio > 1, `aligned noise should beat isotropic noise, ratio ${ind.ratio}`);
  const e = symmetricEigen(h, d);
  const cond = paperConditions({ eigenvalues: e.values, eigenvectors: e.vectors }, 3, trH, cov);
  t.is(cond.lambda1, e.values[0]!);
  t.is(cond.lambdaK, e.values[2]!);
  t.is(cond.lambdaK1, e.values[3]!);
  let u1su1 = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) u1su1 += e.vectors[0]![a]! * sigma[a * d + b]! * e.vectors[0]![b]!;
  t.true(Math.abs(cond.u1SigmaU1 - u1su1) < 1e-10 * u1su1);
  t.true(Math.abs(cond.alignment - u1su1 / ((e.values[0]! * trS) / trH)) < 1e-10 * cond.alignment);
  t.true(ind.ratio >= cond.ratioLowerBound * (1 - 1e-12), `ratio ${ind.ratio} ≥ bound ${cond.ratioLowerBound}`);
  t.throws(() => paperConditions({ eigenvalues: e.values.slice(0, 3), eigenvectors: e.vectors.slice(0, 3) }, 3, trH, cov), {
    message: /k=3 needs k\+1 ≤ 3 Hessian eigenpairs/,
  });
});

test('size mismatch is named', async (t) => {
  const { cov } = problem(6);
  await t.throwsAsync(traceHSigma(denseOperator(new Float64Array(9), 3), cov), { message: /Hessian size 3 ≠ covariance size 20/ });
});
