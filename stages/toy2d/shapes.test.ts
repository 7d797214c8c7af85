import test from 'ava';
import { toy2dData } from '../models/toy2d_f64.ts';
import { symmetricEigen } from '../numerics/eigen.ts';
import { Rng } from '../numerics/random.ts';
import { toy2dIndicators } from './indicator.ts';
import { cholesky2, eigenbasis2, geometricCovariance, runShapeDynamics, shapeCovariance, shapeFamily, shapeLabel, traceProduct2 } from './shapes.ts';
import { toy2dPoint } from './statistics.ts';

const NOISE = { k: 2, sigma: 1e-3, rescaleToTrace: false } as const;
const SHARP = [110, 90, 90, 110] as const; // the sharp basin's Hessian: eigenvalues 200 along (1,1)/√2, 20 along (1,−1)/√2

function dataSets(repeats: number, samples: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const data = new Float64Array(repeats * samples * 2);
  for (let r = 0; r < repeats; r++) data.set(toy2dData(rng, samples), r * samples * 2);
  return data;
}

test('the family: 32 angles in [0, π), 11 mixtures from 0 to 1, then the kinds, with stable labels', (t) => {
  const f = shapeFamily(32, 11, ['gld_const', 'gld_hessian']);
  t.is(f.length, 45);
  t.deepEqual(f[1], { family: 'rank1', angle: Math.PI / 32 });
  t.true(f.slice(0, 32).every((s) => s.family === 'rank1' && s.angle >= 0 && s.angle < Math.PI));
  t.deepEqual(
    f.slice(32, 43).map((s) => (s.family === 'mixture' ? s.alpha : -1)),
    [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((_a, i) => i / 10),
  );
  t.is(shapeLabel(f[44]!), 'gld_hessian');
  t.is(shapeLabel(f[8]!), 'rank1 φ=0.785');
});

test('eigenbasis2 equals a dense eigendecomposition, with fixed signs', (t) => {
  const rng = new Rng(2);
  for (let i = 0; i < 50; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const d = rng.normal();
    const { e1, e2 } = eigenbasis2([a, b, b, d]);
    const ref = symmetricEigen(Float64Array.of(a, b, b, d), 2).vectors[0]!;
    t.true(Math.abs(Math.abs(e1[0] * ref[0]! + e1[1] * ref[1]!) - 1) < 1e-12);
    t.true(Math.abs(e1[0] * e2[0] + e1[1] * e2[1]) < 1e-15);
    t.true(e1[0] > 0 || (e1[0] === 0 && e1[1] > 0));
  }
  t.deepEqual(
    eigenbasis2(SHARP).e1.map((x) => +x.toFixed(12)),
    [Math.SQRT1_2, Math.SQRT1_2].map((x) => +x.toFixed(12)),
  );
});

test('Tr(HΣ) of rank-1 and mixture shapes at the sharp Hessian has the closed forms v(λ₁cos²φ + λ₂sin²φ) and v((1−α)TrH/2 + αλ₁)', (t) => {
  const v = 0.01;
  for (const angle of [0, 0.3, Math.PI / 4, Math.PI / 2, 2.5]) {
    const s = geometricCovariance({ family: 'rank1', angle }, SHARP, v);
    t.true(Math.abs(s[0]! + s[3]! - v) < 1e-15, 'trace v');
    t.true(Math.abs(traceProduct2(SHARP, s) - v * (200 * Math.cos(angle) ** 2 + 20 * Math.sin(angle) ** 2)) < 1e-12);
  }
  for (const alpha of [0, 0.25, 1]) {
    const s = geometricCovariance({ family: 'mixture', alpha }, SHARP, v);
    t.true(Math.abs(s[0]! + s[3]! - v) < 1e-15);
    t.true(Math.abs(traceProduct2(SHARP, s) - v * ((1 - alpha) * 110 + alpha * 200)) < 1e-12);
  }
});

test("a kind's shape at (1,1) is its own covariance: Tr(HΣ) equals the toy indicator stage's", (t) => {
  const data = dataSets(3, 100, 4);
  const ind = toy2dIndicators(data, 3, 100, ['gld_const', 'gld_leading', 'gld_hessian_top1'], NOISE, 0.01);
  for (const row of ind) {
    let tr = 0;
    for (let r = 0; r < 3; r++) {
      const point = toy2dPoint([1, 1], data.subarray(r * 200, (r + 1) * 200));
      tr += traceProduct2(point.hessian, shapeCovariance({ family: 'kind', kind: row.kind }, point, 0.01, NOISE)) / 3;
    }
    t.true(Math.abs(tr - row.mean) < 1e-12, `${row.kind}: ${tr} vs ${row.mean}`);
  }
});

test('cholesky2 factors every positive semi-definite 2×2, rank 1 included, and the samples have that covariance', (t) => {
  for (const s of [
    [2, 0.5, 0.5, 1],
    [1, 1, 1, 1],
    [0, 0, 0, 3],
    [4, -2, -2, 1],
  ]) {
    const [a, b, c] = cholesky2(s);
    t.true(Math.abs(a * a - s[0]!) < 1e-12 && Math.abs(a * b - s[1]!) < 1e-12 && Math.abs(b * b + c * c - s[3]!) < 1e-12, `${s}`);
  }
  const s = geometricCovariance({ family: 'rank1', angle: 0.7 }, SHARP, 1);
  const [a, b, c] = cholesky2(s);
  const rng = new Rng(8);
  const n = 200_000;
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  for (let i = 0; i < n; i++) {
    const z0 = rng.normal();
    const z1 = rng.normal();
    const x = a * z0;
    const y = b * z0 + c * z1;
    s00 += x * x;
    s01 += x * y;
    s11 += y * y;
  }
  // standard error of an entry of a sample covariance: sqrt((Σᵢᵢ Σⱼⱼ + Σᵢⱼ²) / n) ≤ sqrt(2/n) here
  for (const [got, want] of [
    [s00 / n, s[0]!],
    [s01 / n, s[1]!],
    [s11 / n, s[3]!],
  ] as const)
    t.true(Math.abs(got - want) < 4 * Math.sqrt(2 / n), `${got} vs ${want}`);
});

test('noise along the sharp direction escapes far more often than along the flat one, with the same total variance', (t) => {
  const repeats = 60;
  const data = dataSets(repeats, 100, 6);
  const run = (angle: number, frame: 'fixed' | 'local') =>
    runShapeDynamics({
      data,
      repeats,
      samples: 100,
      spec: { family: 'rank1', angle },
      frame,
      noise: NOISE,
      lr: 0.005,
      iterations: 500,
      variance: 0.01,
      start: [1, 1],
      rng: new Rng(9),
    });
  for (const frame of ['fixed', 'local'] as const) {
    const sharp = run(0, frame);
    const flat = run(Math.PI / 2, frame);
    t.true(Math.abs(sharp.trHSigma - 2) < 1e-9 && Math.abs(flat.trHSigma - 0.2) < 1e-9);
    t.log(`${frame}: sharp ${sharp.escapes}/${repeats}, flat ${flat.escapes}/${repeats}`);
    t.true(sharp.escapes >= flat.escapes + 8, `${frame}: ${sharp.escapes} vs ${flat.escapes}`);
  }
  t.deepEqual(run(0.4, 'fixed'), run(0.4, 'fixed'), 'deterministic for a fixed seed');
});
