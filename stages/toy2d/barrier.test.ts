import test from 'ava';
import { TOY2D_PAPER_SHAPE, toy2dData, toy2dEvaluate, toy2dPerExampleGradients, toy2dSample, type Toy2dShape } from '../models/toy2d_f64.ts';
import { Rng } from '../numerics/random.ts';
import { dropForBarrier, outsideSharpBasin, toy2dBarrier, toy2dSgdNoiseTrace, toy2dSharpHessian } from './barrier.ts';

/** The data-free loss L₀. */
function L0(w0: number, w1: number, shape: Toy2dShape): number {
  const out = new Float64Array(7);
  toy2dSample(w0, w1, 0, 0, out, 0, shape);
  return out[0]!;
}

/**
 * The mountain-pass height between (1, 1) and (−1, −1) on a grid: the lowest level h at which the cells with L₀ ≤ h
 * connect the two minima (flood fill, bisection on h). An independent reference: it knows nothing of the diagonal.
 */
function gridPass(shape: Toy2dShape, step: number): number {
  const lo = -2.5;
  const n = Math.round(5 / step) + 1;
  const value = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) value[i * n + j] = L0(lo + i * step, lo + j * step, shape);
  const cell = (w: number) => Math.round((w - lo) / step);
  const from = cell(1) * n + cell(1);
  const to = cell(-1) * n + cell(-1);
  const connects = (h: number) => {
    const seen = new Uint8Array(n * n);
    const stack = [from];
    seen[from] = 1;
    while (stack.length) {
      const k = stack.pop()!;
      if (k === to) return true;
      const i = Math.floor(k / n);
      const j = k % n;
      for (const [a, b] of [
        [i + 1, j],
        [i - 1, j],
        [i, j + 1],
        [i, j - 1],
      ] as const) {
        if (a < 0 || b < 0 || a >= n || b >= n) continue;
        const m = a * n + b;
        if (!seen[m] && value[m]! <= h) {
          seen[m] = 1;
          stack.push(m);
        }
      }
    }
    return false;
  };
  let a = 0;
  let b = 20;
  for (let k = 0; k < 40; k++) {
    const m = 0.5 * (a + b);
    if (connects(m)) b = m;
    else a = m;
  }
  return b;
}

test("the paper's loss (scale 1, drop 0): ΔL = 800/121, the saddle on the diagonal where both branches meet", (t) => {
  const b = toy2dBarrier(TOY2D_PAPER_SHAPE);
  t.true(Math.abs(b.deltaL - 800 / 121) < 1e-12);
  const [w0, w1] = b.saddle;
  t.is(w0, w1);
  const out = new Float64Array(7);
  toy2dSample(w0, w1, 0, 0, out);
  t.true(Math.abs((w0 + 1) ** 2 + (w1 + 1) ** 2 - out[0]!) < 1e-9, 'the flat branch equals the sharp one there');
  t.is(b.sharpLambdaMax, 200);
  t.true(Math.abs(b.deltaLogL - Math.log((b.deltaL + 0.02) / 0.02)) < 1e-12);
});

test('ΔL matches the mountain pass of a dense 2-D grid (flood fill) for several scales and drops', (t) => {
  for (const shape of [TOY2D_PAPER_SHAPE, { scale: 0.5, drop: 2 }, { scale: 2, drop: 5 }, { scale: 1.3, drop: 6.5 }]) {
    const closed = toy2dBarrier(shape).deltaL;
    const grid = gridPass(shape, 0.005);
    t.true(Math.abs(grid - closed) / closed < 0.01, `${JSON.stringify(shape)}: grid ${grid}, closed form ${closed}`);
  }
});

test('small barriers: ΔL is the maximum of L₀ along the diagonal (a fine 1-D search)', (t) => {
  for (const [scale, deltaL] of [
    [1, 0.07],
    [0.6, 0.04],
    [1.4, 0.12],
  ] as const) {
    const shape = { scale, drop: dropForBarrier(scale, deltaL) };
    let top = 0;
    let at = 1;
    for (let k = 0; k <= 200_000; k++) {
      const w = 1 - (2 * k) / 200_000;
      if (L0(w, w, shape) > top) [top, at] = [L0(w, w, shape), w];
    }
    // ternary search around the grid's argmax (L₀ rises then falls along the diagonal there)
    let [a, b] = [at - 2e-5, at + 2e-5];
    for (let k = 0; k < 100; k++) {
      const m1 = a + (b - a) / 3;
      const m2 = b - (b - a) / 3;
      if (L0(m1, m1, shape) < L0(m2, m2, shape)) a = m1;
      else b = m2;
    }
    top = L0(a, a, shape);
    t.true(Math.abs(top - deltaL) / deltaL < 1e-9, `s ${scale}: max ${top}, target ${deltaL}`);
    t.true(Math.abs(toy2dBarrier(shape).deltaL - deltaL) < 1e-12, 'dropForBarrier inverts toy2dBarrier');
  }
});

test('the sharp Hessian is scale·[[110, 90], [90, 110]] (against finite differences of the mean gradient)', (t) => {
  const data = toy2dData(new Rng(2), 50);
  for (const shape of [
    { scale: 0.7, drop: 3 },
    { scale: 1.6, drop: 0 },
  ]) {
    const w = [1.004, 0.997];
    const h = 1e-5;
    const g = (u: number[]) => toy2dEvaluate(u, data, undefined, shape).grad;
    const gp0 = g([w[0]! + h, w[1]!]);
    const gm0 = g([w[0]! - h, w[1]!]);
    const gp1 = g([w[0]!, w[1]! + h]);
    const gm1 = g([w[0]!, w[1]! - h]);
    const fd = [(gp0[0] - gm0[0]) / (2 * h), (gp1[0] - gm1[0]) / (2 * h), (gp1[1] - gm1[1]) / (2 * h)];
    const H = toy2dSharpHessian(shape);
    for (let i = 0; i < 3; i++) t.true(Math.abs(fd[i]! - H[i]!) < 1e-5 * H[i]!, `${fd[i]} against ${H[i]}`);
    t.deepEqual(toy2dEvaluate(w, data, undefined, shape).hessian, H);
  }
});

test('the population floor 0.02·s and SGD’s noise trace 4.4·s² against a large sample of the data distribution', (t) => {
  const n = 200_000;
  const data = toy2dData(new Rng(9), n);
  const shape = { scale: 1.5, drop: 0 };
  const floor = toy2dEvaluate([1, 1], data, undefined, shape).loss;
  t.true(Math.abs(floor - toy2dBarrier(shape).floor) / toy2dBarrier(shape).floor < 0.01, `mean loss ${floor}`);
  const g = toy2dPerExampleGradients([1, 1], data); // scale 1
  let m0 = 0;
  let m1 = 0;
  for (let i = 0; i < n; i++) {
    m0 += g[2 * i]! / n;
    m1 += g[2 * i + 1]! / n;
  }
  let tr = 0;
  for (let i = 0; i < n; i++) tr += ((g[2 * i]! - m0) ** 2 + (g[2 * i + 1]! - m1) ** 2) / (n - 1);
  t.true(Math.abs(tr - toy2dSgdNoiseTrace(1)) / 4.4 < 0.01, `tr Σ ${tr}`);
  t.is(toy2dSgdNoiseTrace(2), 4 * toy2dSgdNoiseTrace(1));
});

test('outsideSharpBasin: the sharp minimum is inside, the flat one outside, and the boundary is the ridge', (t) => {
  const shape = { scale: 1, drop: dropForBarrier(1, 0.07) };
  t.false(outsideSharpBasin(1, 1, shape));
  t.true(outsideSharpBasin(-1, -1, shape));
  const [s0] = toy2dBarrier(shape).saddle;
  t.false(outsideSharpBasin(s0 + 1e-6, s0 + 1e-6, shape));
  t.true(outsideSharpBasin(s0 - 1e-6, s0 - 1e-6, shape));
});

test('the default shape is the paper’s loss, bit for bit', (t) => {
  const data = toy2dData(new Rng(4), 30);
  for (const w of [
    [1, 1],
    [0.3, -0.2],
    [-1.1, -0.9],
  ]) {
    t.deepEqual(toy2dEvaluate(w, data), toy2dEvaluate(w, data, undefined, { scale: 1, drop: 0 }));
  }
});

test('infeasible shapes and barriers are refused, naming the value', (t) => {
  t.throws(() => toy2dBarrier({ scale: 0.05, drop: 0 }), { message: /scale must exceed 0.1/ });
  t.throws(() => toy2dBarrier({ scale: 1, drop: 8 }), { message: /drop must lie in/ });
  t.throws(() => dropForBarrier(1, 7), { message: /ΔL = 7 exceeds/ });
  t.throws(() => dropForBarrier(1, 0), { message: /ΔL must be positive/ });
});
