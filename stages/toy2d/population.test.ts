import test from 'ava';
import { toy2dDraw, toy2dSample, type Toy2dShape } from '../models/toy2d_f64.ts';
import { Rng } from '../numerics/random.ts';
import { dropForBarrier, toy2dBarrier } from './barrier.ts';
import { populationAt, populationBarrier, toEigen, toy2dPopulationLoss, TOY2D_SPREAD } from './population.ts';

const shapeAt = (scale: number, deltaL: number): Toy2dShape => ({ scale, drop: dropForBarrier(scale, deltaL) });
/** Eigen-coordinates back to w. */
const fromEigen = (P: number, Q: number): [number, number] => {
  const c = Math.SQRT1_2;
  return [1 + c * (Q + P), 1 + c * (Q - P)];
};

test('the quadrature converges: 64 and 128 nodes agree to 1e−9 relative (the error falls as the nodes double) at minima, saddles and off the diagonal', (t) => {
  for (const shape of [shapeAt(1, 0.05), shapeAt(0.8, 0.065), shapeAt(1.2, 0.045), { scale: 1, drop: 0 }, shapeAt(2, 1)]) {
    const b = populationBarrier(shape);
    const pts: [number, number][] = [
      [0, 0],
      [0, b.saddleQ],
      [0.04, b.saddleQ],
      [0.1, -0.01],
      [-0.2, 0.3 * b.saddleQ],
    ];
    for (const [P, Q] of pts) {
      const [v32, v64, v128] = [32, 64, 128].map((n) => populationAt(P, Q, shape, TOY2D_SPREAD, n)) as [number, number, number];
      t.true(Math.abs(v64 - v128) <= 1e-9 * Math.abs(v128), `${JSON.stringify(shape)} at (${P}, ${Q}): ${v64} against ${v128}`);
      t.true(Math.abs(v32 - v128) >= Math.abs(v64 - v128), `${JSON.stringify(shape)} at (${P}, ${Q}): 32 nodes ${v32}`);
    }
  }
});

test('L̄ against a Monte-Carlo mean of ℓ over 400,000 draws of the data distribution (within 4.5 standard errors)', (t) => {
  const rng = new Rng(11);
  const x = new Float64Array(2);
  const out = new Float64Array(7);
  for (const shape of [shapeAt(1, 0.05), shapeAt(1.2, 0.065)]) {
    const b = populationBarrier(shape);
    for (const [P, Q] of [
      [0, b.saddleQ],
      [0, 0],
      [0.03, -0.02],
    ] as const) {
      const [w0, w1] = fromEigen(P, Q);
      const n = 400_000;
      let m = 0;
      let m2 = 0;
      for (let i = 0; i < n; i++) {
        toy2dDraw(rng, x);
        toy2dSample(w0, w1, x[0]!, x[1]!, out, 0, shape);
        m += out[0]!;
        m2 += out[0]! * out[0]!;
      }
      m /= n;
      const se = Math.sqrt((m2 / n - m * m) / n);
      const exact = toy2dPopulationLoss(w0, w1, shape);
      t.true(Math.abs(m - exact) < 4.5 * se, `(${P}, ${Q}): MC ${m} ± ${se}, quadrature ${exact}`);
    }
  }
});

test('as the spread → 0, L̄ → the data-free loss and ΔL̄ → the closed-form ΔL; far from the ridge L̄ = L₀ + 0.02s exactly', (t) => {
  const out = new Float64Array(7);
  const tiny = { p: Math.sqrt(10) * 1e-7, q: 1e-7 };
  for (const shape of [shapeAt(1, 0.05), shapeAt(1.3, 2), { scale: 1, drop: 0 }]) {
    for (const [w0, w1] of [
      [1, 1],
      [0.9, 0.95],
      [0.3, 0.1],
      [-0.5, -1],
    ] as const) {
      toy2dSample(w0, w1, 0, 0, out, 0, shape);
      t.true(Math.abs(toy2dPopulationLoss(w0, w1, shape, tiny) - out[0]!) < 1e-9 + 1e-6 * Math.abs(out[0]!), `${w0}, ${w1}`);
    }
    const closed = toy2dBarrier(shape).deltaL;
    const pb = populationBarrier(shape, tiny);
    t.true(Math.abs(pb.deltaL - closed) < 1e-4 * closed, `ΔL̄ ${pb.deltaL} against ΔL ${closed}`);
  }
  // the paper's loss: the ridge is 27σ_q from (1, 1), so L̄ there is s(10σ_p² + 100σ_q²) = 0.02s
  for (const s of [1, 1.5]) t.true(Math.abs(toy2dPopulationLoss(1, 1, { scale: s, drop: 0 }) - 0.02 * s) < 1e-14);
});

test('L̄ keeps the mirror symmetry P → −P, and the data lower the barrier (ΔL̄ < ΔL)', (t) => {
  const shape = shapeAt(1, 0.05);
  for (const [P, Q] of [
    [0.05, -0.01],
    [0.13, -0.02],
    [0.3, 0.01],
  ] as const)
    t.true(Math.abs(populationAt(P, Q, shape) - populationAt(-P, Q, shape)) < 1e-14);
  const [a, b] = toEigen(1.2, 0.7);
  t.true(Math.abs(a - Math.SQRT1_2 * 0.5) < 1e-15 && Math.abs(b + Math.SQRT1_2 * 0.1) < 1e-15);
  for (const dl of [0.045, 0.065, 1]) t.true(populationBarrier(shapeAt(1, dl)).deltaL < dl);
});

/** The mountain pass of L̄ between its sharp minimum and the flat side on a (P, Q) grid, by flood fill and bisection. */
function gridPass(shape: Toy2dShape, target: number): number {
  const [pLo, pHi, nP] = [-0.45, 0.45, 181];
  const [qLo, qHi, nQ] = [-0.06, 0.03, 361];
  const value = new Float64Array(nP * nQ);
  for (let i = 0; i < nP; i++)
    for (let j = 0; j < nQ; j++) value[i * nQ + j] = populationAt(pLo + ((pHi - pLo) * i) / (nP - 1), qLo + ((qHi - qLo) * j) / (nQ - 1), shape);
  const cell = (Q: number) => ((nP - 1) / 2) * nQ + Math.round(((Q - qLo) / (qHi - qLo)) * (nQ - 1));
  const from = cell(0); // at L̄'s sharp minimum's level set below the pass, (0, 0) lies in its basin
  const to = cell(target);
  const connects = (h: number) => {
    const seen = new Uint8Array(nP * nQ);
    const stack = [from];
    seen[from] = 1;
    while (stack.length) {
      const k = stack.pop()!;
      if (k === to) return true;
      const i = Math.floor(k / nQ);
      const j = k % nQ;
      for (const [a, b] of [
        [i + 1, j],
        [i - 1, j],
        [i, j + 1],
        [i, j - 1],
      ] as const) {
        if (a < 0 || b < 0 || a >= nP || b >= nQ) continue;
        const m = a * nQ + b;
        if (!seen[m] && value[m]! <= h) {
          seen[m] = 1;
          stack.push(m);
        }
      }
    }
    return false;
  };
  let [lo, hi] = [0, 1];
  for (let k = 0; k < 40; k++) {
    const m = 0.5 * (lo + hi);
    if (connects(m)) hi = m;
    else lo = m;
  }
  return hi;
}

test('the diagonal saddle is the mountain pass of L̄ on a 2-D grid (flood fill, no lower pass off the diagonal)', (t) => {
  for (const shape of [shapeAt(1, 0.05), shapeAt(0.8, 0.065)]) {
    const b = populationBarrier(shape);
    const pass = gridPass(shape, -0.05);
    t.true(Math.abs(pass - b.saddleLoss) < 0.02 * b.deltaL, `${JSON.stringify(shape)}: grid ${pass}, saddle ${b.saddleLoss} (ΔL̄ ${b.deltaL})`);
    t.true(b.deltaL > 0 && b.minLoss < b.saddleLoss && b.minQ > b.saddleQ);
    t.true(Math.abs(b.deltaLogL - Math.log(b.saddleLoss / b.minLoss)) < 1e-12);
  }
});

test('a data-free barrier within the data spread leaves L̄ no sharp basin: ΔL̄ = 0 and L̄ falls along the diagonal', (t) => {
  const shape = shapeAt(1, 0.006);
  const b = populationBarrier(shape);
  t.is(b.deltaL, 0);
  t.is(b.deltaLogL, 0);
  let prev = Number.POSITIVE_INFINITY;
  for (let Q = 0.02; Q > -0.05; Q -= 0.0005) {
    const v = populationAt(0, Q, shape);
    t.true(v < prev, `L̄ rises at Q = ${Q}`);
    prev = v;
  }
});
