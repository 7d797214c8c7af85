import test from 'ava';
import { symmetricEigen } from './eigen.ts';
import { escapePredictions, linearPrediction, quadraticDiscretePrediction, quadraticPrediction, subspaceTraceHSigma } from './escape-theory.ts';
import { denseMatmul, denseTrace, randomOrthonormalColumns, randomSymmetric } from './testing.ts';
import { Rng } from './random.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** A dense symmetric positive-definite D×D matrix with random eigenvectors (not commuting with anything given). */
function randomSpd(d: number, rng: Rng): Float64Array {
  return randomSymmetric(
    Array.from({ length: d }, () => 0.2 + rng.uniform() * 2),
    rng,
  ).matrix;
}

/** ½Tr(H·C_n) from the exact covariance recursion C_{n+1} = (I − ηH)C_n(I − ηH) + η²Σ, C_0 = 0, at each wanted n. */
function recursionLoss(h: Float64Array, sigma: Float64Array, d: number, lr: number, wanted: readonly number[]): number[] {
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = (i === j ? 1 : 0) - lr * h[i * d + j]!;
  let c: Float64Array = new Float64Array(d * d);
  const out: number[] = [];
  const last = Math.max(...wanted);
  for (let n = 0; n <= last; n++) {
    if (wanted.includes(n)) out.push(0.5 * denseTrace(denseMatmul(h, c, d), d));
    const next = denseMatmul(denseMatmul(a, c, d), a, d); // A is symmetric: A·C·Aᵀ = A·C·A
    for (let i = 0; i < d * d; i++) next[i]! += lr * lr * sigma[i]!;
    c = next;
  }
  return out;
}

/** λ_i and s_ii = u_iᵀΣu_i in the full eigenbasis of H. */
function eigenbasisDiagonal(h: Float64Array, sigma: Float64Array, d: number): { lambdas: Float64Array; sii: Float64Array } {
  const e = symmetricEigen(h, d);
  const sii = Float64Array.from(e.vectors, (u) => {
    let s = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += u[i]! * sigma[i * d + j]! * u[j]!;
    return s;
  });
  return { lambdas: Float64Array.from(e.values), sii };
}

test('diagonal H and Σ: discrete model equals the explicit per-coordinate sum, continuous the integrated OU variance', (t) => {
  const lambdas = Float64Array.of(9, 3, 1, 0.2, 0, -0.5);
  const sii = Float64Array.of(0.3, 1.2, 0.05, 2, 0.7, 0.4);
  const lr = 0.07;
  const steps = [0, 1, 2, 5, 17, 40];
  const discrete = quadraticDiscretePrediction(steps, lr, lambdas, sii);
  const continuous = quadraticPrediction(steps, lr, lambdas, sii);
  steps.forEach((n, j) => {
    // E L = Σ_i ½λ_i·Var_i(n), Var_i(n) = η²σ_i² Σ_{m<n} (1 − ηλ_i)^{2m}, summed term by term.
    let ref = 0;
    for (let i = 0; i < lambdas.length; i++) {
      let v = 0;
      for (let m = 0; m < n; m++) v += lr * lr * sii[i]! * (1 - lr * lambdas[i]!) ** (2 * m);
      ref += 0.5 * lambdas[i]! * v;
    }
    t.true(Math.abs(discrete[j]! - ref) <= 1e-14 + 1e-12 * Math.abs(ref), `discrete n=${n}: ${discrete[j]} vs ${ref}`);
    // OU with S = ηΣ: Var_i(t) = ∫₀ᵗ e^{−2λ_i s}·ησ_i² ds, by Simpson's rule (4000 panels).
    const time = n * lr;
    let cref = 0;
    for (let i = 0; i < lambdas.length; i++) {
      const f = (s: number) => Math.exp(-2 * lambdas[i]! * s) * lr * sii[i]!;
      const panels = 4000;
      const hStep = time / panels;
      let integral = f(0) + f(time);
      for (let p = 1; p < panels; p++) integral += (p % 2 === 1 ? 4 : 2) * f(p * hStep);
      cref += 0.5 * lambdas[i]! * ((integral * hStep) / 3);
    }
    t.true(Math.abs(continuous[j]! - cref) <= 1e-14 + 1e-9 * Math.abs(cref), `continuous n=${n}: ${continuous[j]} vs ${cref}`);
  });
  t.is(discrete[0], 0);
  t.is(continuous[0], 0);
});

test('dense non-commuting H and full-rank Σ: the discrete model over all D pairs is the exact covariance recursion', (t) => {
  const d = 7;
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    // Spectrum with a stiff direction (ηλ > 1: oscillating), a zero and a negative eigenvalue.
    const { matrix: h } = randomSymmetric([25, 8, 3, 1, 0.3, 0, -0.4], rng);
    const sigma = randomSpd(d, rng);
    const { lambdas, sii } = eigenbasisDiagonal(h, sigma, d);
    const lr = 0.07;
    const steps = [0, 1, 3, 10, 30, 60];
    const exact = recursionLoss(h, sigma, d, lr, steps);
    const discrete = quadraticDiscretePrediction(steps, lr, lambdas, sii);
    steps.forEach((n, j) =>
      t.true(Math.abs(discrete[j]! - exact[j]!) <= 1e-15 + 1e-12 * Math.abs(exact[j]!), `seed ${seed} n=${n}: ${discrete[j]} vs ${exact[j]}`),
    );
    // The linear model is the first step of the recursion exactly: ½Tr(H·η²Σ).
    const trHS = denseTrace(denseMatmul(h, sigma, d), d);
    t.true(rel(subspaceTraceHSigma(lambdas, sii), trHS) < 1e-12, 'Σλ_i s_ii = Tr(HΣ) with all pairs');
    t.true(rel(linearPrediction([1], lr, trHS)[0]!, exact[1]!) < 1e-12, 'n = 1: linear = exact');
  }
});

test('dense non-commuting H and Σ: the continuous model is the limit of the recursion as η → 0 at fixed t, error O(η)', (t) => {
  const d = 5;
  const rng = new Rng(11);
  const { matrix: h } = randomSymmetric([6, 2.5, 1, 0.4, 0.1], rng);
  const sigma = randomSpd(d, rng);
  const { lambdas, sii } = eigenbasisDiagonal(h, sigma, d);
  const time = 0.8;
  const errors = [1e-2, 1e-3, 1e-4].map((lr) => {
    const n = Math.round(time / lr);
    const exact = recursionLoss(h, sigma, d, lr, [n])[0]!;
    // Compare the diffusion-normalised losses E L / η (S = ηΣ shrinks with η): both converge to ¼Tr((I − e^{−2Ht})Σ).
    return rel(quadraticPrediction([n], lr, lambdas, sii)[0]!, exact);
  });
  t.true(errors[0]! > 1e-4, `η = 1e-2 should differ visibly: ${errors[0]}`);
  t.true(errors[1]! < errors[0]! / 5 && errors[2]! < errors[1]! / 5, `errors ${errors.join(', ')} shrink like η`);
  t.true(errors[2]! < 1e-3, `η = 1e-4: relative error ${errors[2]}`);
});

test('Monte-Carlo noisy GD on a quadratic matches the discrete model (θ ← θ − η(Hθ + ξ), ξ ~ N(0, Σ))', (t) => {
  const d = 3;
  const rng = new Rng(5);
  const { matrix: h } = randomSymmetric([12, 3, 0.5], rng);
  const cols = randomOrthonormalColumns(d, d, rng);
  const scales = [1.5, 0.7, 0.2];
  const sigma = new Float64Array(d * d); // Σ = Σ_j s_j² q_j q_jᵀ, sampled as ξ = Σ_j s_j z_j q_j
  cols.forEach((q, j) => {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) sigma[a * d + b]! += scales[j]! ** 2 * q[a]! * q[b]!;
  });
  const { lambdas, sii } = eigenbasisDiagonal(h, sigma, d);
  const lr = 0.1;
  const n = 15;
  const runs = 20000;
  const losses = new Float64Array(runs);
  for (let r = 0; r < runs; r++) {
    const theta = new Float64Array(d);
    for (let s = 0; s < n; s++) {
      const xi = new Float64Array(d);
      cols.forEach((q, j) => {
        const z = scales[j]! * rng.normal();
        for (let a = 0; a < d; a++) xi[a]! += z * q[a]!;
      });
      const g = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) g[a]! += h[a * d + b]! * theta[b]!;
      for (let a = 0; a < d; a++) theta[a]! -= lr * (g[a]! + xi[a]!);
    }
    let l = 0;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) l += 0.5 * theta[a]! * h[a * d + b]! * theta[b]!;
    losses[r] = l;
  }
  const mean = losses.reduce((a, b) => a + b, 0) / runs;
  const sd = Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs - 1));
  const predicted = quadraticDiscretePrediction([n], lr, lambdas, sii)[0]!;
  t.true(Math.abs(mean - predicted) < 4 * (sd / Math.sqrt(runs)), `simulated ${mean} ± ${sd / Math.sqrt(runs)} vs ${predicted}`);
});

test('small t: both quadratic models reduce to the linear one', (t) => {
  const rng = new Rng(7);
  const lambdas = Float64Array.from({ length: 6 }, (_, i) => 30 / (i + 1) - 2);
  const sii = Float64Array.from({ length: 6 }, () => rng.uniform());
  const trace = subspaceTraceHSigma(lambdas, sii);
  const lmax = Math.max(...lambdas.map(Math.abs));
  for (const lr of [1e-2, 1e-3, 1e-5]) {
    const p = escapePredictions([1, 2], lr, lambdas, sii, trace);
    t.true(rel(p.quadraticDiscrete[0]!, p.linear[0]!) < 1e-12, `n = 1 is exact: ${p.quadraticDiscrete[0]} vs ${p.linear[0]}`);
    for (const j of [0, 1]) {
      const time = p.steps[j]! * lr;
      t.true(rel(p.quadratic[j]!, p.linear[j]!) <= 2 * lmax * time, `η=${lr}, n=${p.steps[j]}: ${p.quadratic[j]} vs ${p.linear[j]}`);
      t.true(rel(p.quadraticDiscrete[j]!, p.linear[j]!) <= 2 * lmax * time, `η=${lr}, n=${p.steps[j]} discrete`);
    }
  }
  // Far from small t the quadratic model saturates below the linear one (all λ > 0 here would be needed: check one).
  const sat = escapePredictions([1000], 0.1, Float64Array.of(5), Float64Array.of(1), 5);
  t.true(sat.quadratic[0]! < 0.01 * sat.linear[0]!, 'saturation');
  t.true(rel(sat.quadratic[0]!, 0.1 / 4) < 1e-12, 'plateau ¼ηs for t → ∞');
});

test('edge cases: ηλ = 1, ηλ = 2 and λ = 0 follow the term-by-term sum; bad inputs are named', (t) => {
  const lr = 0.5;
  const lambdas = Float64Array.of(2, 4, 0, 1e-12);
  const sii = Float64Array.of(1, 1, 1, 1);
  const steps = [0, 1, 4, 9];
  const got = quadraticDiscretePrediction(steps, lr, lambdas, sii);
  steps.forEach((n, j) => {
    let ref = 0;
    for (let i = 0; i < lambdas.length; i++) for (let m = 0; m < n; m++) ref += 0.5 * lambdas[i]! * lr * lr * (1 - lr * lambdas[i]!) ** (2 * m);
    t.true(Math.abs(got[j]! - ref) <= 1e-14 + 1e-12 * Math.abs(ref), `n=${n}: ${got[j]} vs ${ref}`);
  });
  t.is(quadraticPrediction([5], lr, Float64Array.of(0), Float64Array.of(1))[0], 0);
  t.throws(() => linearPrediction([1.5], 0.1, 1), { message: /step counts must be integers ≥ 0, got 1\.5/ });
  t.throws(() => quadraticPrediction([1], 0, lambdas, sii), { message: /learning rate must be finite and > 0, got 0/ });
  t.throws(() => quadraticDiscretePrediction([1], 0.1, lambdas, Float64Array.of(1)), { message: /4 eigenvalues but 1 values s_ii/ });
  t.throws(() => subspaceTraceHSigma(Float64Array.of(1), Float64Array.of(-1)), { message: /s_ii must be finite and ≥ 0, got -1/ });
});
