import test from 'ava';
import { TOY2D_PAPER_SHAPE, toy2dDraw, toy2dSample } from '../models/toy2d_f64.ts';
import { censoredExponential } from '../numerics/censored-exponential.ts';
import { Rng } from '../numerics/random.ts';
import { dropForBarrier, toy2dSgdNoiseTrace } from './barrier.ts';
import { matchedVariance } from './escape-points.ts';
import { runEscapeTimes } from './escape-time.ts';

const base = { repeats: 20, lr: 0.005, batch: 1, variance: 0, horizon: 300 };

test('the paper’s barrier (ΔL ≈ 6.6) is never crossed in a short horizon: every run is censored at it', (t) => {
  for (const dynamics of ['sgd', 'gld_const'] as const) {
    const r = runEscapeTimes({ ...base, shape: TOY2D_PAPER_SHAPE, dynamics, variance: 1e-5, rng: new Rng(1) });
    t.deepEqual([...r.escaped], new Array(20).fill(0));
    t.deepEqual([...r.times], new Array(20).fill(300));
  }
});

test('GLD const without noise is gradient descent: it stays at the sharp minimum however low the barrier', (t) => {
  const shape = { scale: 1, drop: dropForBarrier(1, 0.01) };
  const r = runEscapeTimes({ ...base, shape, dynamics: 'gld_const', rng: new Rng(2) });
  t.is(
    r.escaped.reduce((a, b) => a + b, 0),
    0,
  );
});

test('a lower barrier is left sooner, for SGD and for GLD const (censored means, disjoint intervals)', (t) => {
  for (const dynamics of ['sgd', 'gld_const'] as const) {
    const tau = [0.04, 0.1].map((dL) => {
      const shape = { scale: 1, drop: dropForBarrier(1, dL) };
      const variance = matchedVariance(0.005, 1, 1, toy2dSgdNoiseTrace);
      const r = runEscapeTimes({ ...base, repeats: 200, horizon: 5000, shape, dynamics, variance, rng: new Rng(3) });
      return censoredExponential(r.times, r.escaped, 5000);
    });
    t.true(tau[0]!.tauUpper < tau[1]!.tauLower, `${dynamics}: ${tau[0]!.tau} against ${tau[1]!.tau}`);
  }
});

test('GLD const’s matched variance is SGD’s step-noise total variance at the minimum, E‖η(g_B − ∇L)‖² (sampled)', (t) => {
  const rng = new Rng(7);
  const x = new Float64Array(2);
  const out = new Float64Array(7);
  const lr = 0.004;
  for (const batch of [1, 3]) {
    let total = 0;
    const n = 100_000;
    for (let k = 0; k < n; k++) {
      let g0 = 0;
      let g1 = 0;
      for (let b = 0; b < batch; b++) {
        toy2dDraw(rng, x);
        toy2dSample(1, 1, x[0]!, x[1]!, out); // ∇L at (1, 1) is 0 under the population
        g0 += out[1]! / batch;
        g1 += out[2]! / batch;
      }
      total += (lr * lr * (g0 * g0 + g1 * g1)) / n;
    }
    const V = matchedVariance(lr, batch, 1, toy2dSgdNoiseTrace);
    t.true(Math.abs(total - V) / V < 0.02, `B ${batch}: sampled ${total}, matched ${V}`);
  }
});
