import test from 'ava';
import { fillStableSymmetric } from './random-stable.ts';
import { Rng } from './random.ts';
import { tailIndex, tailIndexInterval } from './tail-index.ts';

const K = 20_000;
const SEEDS = 20;
const ALPHAS = [1.1, 1.5, 1.8, 2.0];

const sample = (alpha: number, seed: number) => fillStableSymmetric(new Rng(1000 * alpha + seed), alpha, new Float64Array(K), 0.3);

test('tailIndex recovers α of symmetric α-stable samples within 4 measured standard deviations', (t) => {
  for (const alpha of ALPHAS) {
    const est = Array.from({ length: SEEDS }, (_, s) => tailIndex(sample(alpha, s)));
    t.is(est[0]!.k1, 141);
    t.is(est[0]!.k2, 141);
    const inv = est.map((e) => e.inverseAlpha);
    const mInv = inv.reduce((a, b) => a + b, 0) / SEEDS;
    const sInv = Math.sqrt(inv.reduce((a, b) => a + (b - mInv) ** 2, 0) / (SEEDS - 1));
    const a = est.map((e) => e.alpha);
    const mA = a.reduce((x, y) => x + y, 0) / SEEDS;
    const sA = Math.sqrt(a.reduce((x, y) => x + (y - mA) ** 2, 0) / (SEEDS - 1));
    // 1/α̂ is unbiased for 1/α: its mean over seeds is within 4 standard errors.
    t.true(Math.abs(mInv - 1 / alpha) < (4 * sInv) / Math.sqrt(SEEDS), `α=${alpha}: mean 1/α̂ ${mInv} vs ${1 / alpha} (sd ${sInv})`);
    // Each α̂: within 4 sd, the sd of α̂ = 1/(1/α̂) taken by the delta method, α²·sd(1/α̂) (clipping at 2 only shrinks errors).
    const tol = 4 * alpha * alpha * sInv;
    for (const e of est) t.true(e.alpha > 0 && e.alpha <= 2 && Math.abs(e.alpha - alpha) < tol, `α=${alpha}: α̂ ${e.alpha}, tolerance ${tol}`);
    t.log(`α=${alpha}: α̂ mean ${mA.toFixed(4)}, sd ${sA.toFixed(4)} over ${SEEDS} seeds; seed 0 α̂ ${a[0]!.toFixed(4)}; tolerance ${tol.toFixed(4)}`);
  }
});

test('tailIndexInterval covers α: on one seed at 95%, and in most of 20 seeds', (t) => {
  for (const alpha of ALPHAS) {
    const r = tailIndexInterval(sample(alpha, 0), new Rng(7), { resamples: 1000, permutations: 4 });
    t.true(r.lower <= alpha && alpha <= r.upper, `α=${alpha}: [${r.lower}, ${r.upper}]`);
    t.true(r.lower <= r.alpha + 1e-12 || r.alpha === 2);
    let covered = 0;
    for (let s = 0; s < SEEDS; s++) {
      const b = tailIndexInterval(sample(alpha, s), new Rng(s), { resamples: 200, permutations: 4 });
      if (b.lower <= alpha && alpha <= b.upper) covered++;
      t.true(
        b.lower <= b.alpha + 1e-12 && b.alpha <= b.upper + 1e-12,
        `α=${alpha}, seed ${s}: the estimate ${b.alpha} lies in its own interval [${b.lower}, ${b.upper}]`,
      );
    }
    t.log(`α=${alpha}: seed 0 α̂ ${r.alpha.toFixed(4)} [${r.lower.toFixed(4)}, ${r.upper.toFixed(4)}]; 95% intervals covered α in ${covered}/${SEEDS} seeds`);
    // At 95% nominal, P(covered ≤ 15 of 20) ≈ 0.3%.
    t.true(covered >= 16, `α=${alpha}: ${covered}/${SEEDS}`);
  }
});

test('tailIndex: deterministic intervals, block size, and bad input', (t) => {
  const x = sample(1.5, 3);
  t.deepEqual(tailIndexInterval(x, new Rng(1), { resamples: 50 }), tailIndexInterval(x, new Rng(1), { resamples: 50 }));
  const e = tailIndex(x, { k1: 100 });
  t.deepEqual([e.k1, e.k2], [100, 200]);
  t.deepEqual([tailIndex(x.subarray(0, 1000)).k1, tailIndex(x.subarray(0, 1000)).k2], [31, 32]);
  t.throws(() => tailIndex(Float64Array.of(1, 0, 2, 3)), { message: /sample 1 is 0; the estimator takes log\|X\|/ });
  t.throws(() => tailIndex(Float64Array.of(1, 2, 3), { k1: 1 }), { message: /K1 must be an integer ≥ 2, got 1/ });
  t.throws(() => tailIndex(Float64Array.of(1, 2, 3), { k1: 5 }), { message: /3 samples make no block of K1 = 5/ });
  t.throws(() => tailIndexInterval(x, new Rng(1), { resamples: 0 }), { message: /resamples must be a positive integer, got 0/ });
});
