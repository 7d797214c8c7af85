import test from 'ava';
import { perturbationChange } from './flatness.ts';
import { Rng } from './random.ts';

/** L(θ) = ½θᵀAθ for a dense symmetric A (row-major). */
const quadratic = (a: Float64Array, n: number) => (w: Float32Array) => {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += w[i]! * a[i * n + j]! * w[j]!;
  return [0.5 * s];
};

test('at the minimum of ½θᵀAθ both modes estimate ½σ²·TrA (the change is nonnegative there)', async (t) => {
  const n = 5;
  const rng = new Rng(11);
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n); // A = BBᵀ + I, positive definite
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k]! * b[j * n + k]!;
  for (let i = 0; i < n; i++) a[i * n + i] += 1;
  const trace = Array.from({ length: n }, (_, i) => a[i * n + i]!).reduce((x, y) => x + y, 0);
  const sigma = 0.1;
  const exact = 0.5 * sigma * sigma * trace;
  for (const mode of ['signed', 'absolute'] as const) {
    const r = await perturbationChange(quadratic(a, n), new Float32Array(n), { delta: sigma, samples: 20_000, rng: new Rng(5), mode });
    t.true(Math.abs(r.mean[0]! - exact) < 4 * r.stderr[0]! + 1e-6, `${mode}: ${r.mean[0]} vs ${exact} ± ${r.stderr[0]}`);
    t.is(r.mode, mode);
    t.is(r.evaluations, mode === 'signed' ? 40_000 : 20_000);
  }
});

test('away from the minimum (L = ½aθ², θ₀ ≠ 0) signed gives ½σ²a and absolute gives E|aθ₀ν + ½aν²| (quadrature)', async (t) => {
  const a = 4;
  const theta0 = 0.5;
  const sigma = 0.1;
  const f = (w: Float32Array) => [0.5 * a * w[0]! * w[0]!];
  // E|aθ₀ν + ½aν²|, ν ~ N(0, σ²), by composite Simpson on [−12σ, 12σ] (error far below the Monte-Carlo error).
  const steps = 200_000;
  const h = (24 * sigma) / steps;
  let integral = 0;
  for (let i = 0; i <= steps; i++) {
    const x = -12 * sigma + i * h;
    const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    integral += weight * Math.abs(a * theta0 * x + 0.5 * a * x * x) * Math.exp((-x * x) / (2 * sigma * sigma));
  }
  const absolute = (integral * h) / 3 / (sigma * Math.sqrt(2 * Math.PI));
  const signed = 0.5 * sigma * sigma * a;
  t.true(absolute > 2 * signed); // the two modes really differ here
  const w = Float32Array.of(theta0);
  const s = await perturbationChange(f, w, { delta: sigma, samples: 20_000, rng: new Rng(1), mode: 'signed' });
  const ab = await perturbationChange(f, w, { delta: sigma, samples: 20_000, rng: new Rng(2), mode: 'absolute' });
  t.true(Math.abs(s.mean[0]! - signed) < 4 * s.stderr[0]!, `${s.mean[0]} vs ${signed} ± ${s.stderr[0]}`);
  t.true(s.stderr[0]! < 0.02 * signed, 'antithetic pairs cancel the linear term: only ½aν² is left to average');
  t.true(Math.abs(ab.mean[0]! - absolute) < 4 * ab.stderr[0]!, `${ab.mean[0]} vs ${absolute} ± ${ab.stderr[0]}`);
  await t.throwsAsync(perturbationChange(f, w, { delta: 0, samples: 10, rng: new Rng(1) }), { message: /delta must be positive, got 0/ });
});

test('awaited metrics give exactly the estimate of synchronous ones (same draws, same arithmetic), errors included', async (t) => {
  const f = (w: Float32Array) => [w.reduce((a, x) => a + x * x * x, 0), w[0]!];
  const w = Float32Array.of(0.3, -1, 2);
  for (const mode of ['signed', 'absolute'] as const) {
    const sync = await perturbationChange(f, w, { delta: 0.1, samples: 7, rng: new Rng(4), mode });
    t.deepEqual(await perturbationChange(async (x: Float32Array) => f(x), w, { delta: 0.1, samples: 7, rng: new Rng(4), mode }), sync);
  }
  await t.throwsAsync(
    perturbationChange(async (x: Float32Array) => f(x), w, { delta: 0.1, samples: 1, rng: new Rng(1) }),
    { message: /need ≥ 2 samples, got 1/ },
  );
});
