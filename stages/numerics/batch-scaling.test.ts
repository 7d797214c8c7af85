/**
 * The batch-size scaling of batch-scaling.ts against dense references on a tiny problem: Σ_m as the covariance of the
 * minibatch mean over every m-subset (SGD's sampling), and the paper's estimator averaged over every shuffle, run
 * through the stages' own `minibatchGradientCovariance` (a model whose per-example gradients are fixed, and an Rng
 * whose permutations enumerate all N! orders).
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { minibatchGradientCovariance } from '../dynamics/statistics.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { initBackend } from '../tf/backend.ts';
import { shuffledPassEstimatorFactor, traceAtBatchSize, withoutReplacementFactor } from './batch-scaling.ts';
import type { Rng } from './random.ts';

const D = 3;
/** Per-example gradients of a tiny problem (small integers and halves: exact in float32, so sums are exact). */
const G7 = [
  [1, 0, 2],
  [-1, 3, 0.5],
  [2, 2, -1],
  [0, -2, 1],
  [4, 1, 0],
  [-3, 0.5, 2],
  [1, -1, -3],
];
/** A symmetric positive definite "Hessian". */
const H = [
  [4, 1, 0.5],
  [1, 3, -1],
  [0.5, -1, 2],
];

const mean = (rows: readonly number[][]) => Array.from({ length: D }, (_, d) => rows.reduce((a, r) => a + r[d]!, 0) / rows.length);
/** Tr(H·S) for a dense D×D matrix S. */
const traceH = (S: number[][]) => S.reduce((a, row, i) => a + row.reduce((b, s, j) => b + H[j]![i]! * s, 0), 0);
const outer = (u: number[], v: number[]) => u.map((a) => v.map((b) => a * b));
const addInto = (acc: number[][], S: number[][], w: number) => acc.forEach((row, i) => row.forEach((_, j) => (row[j] = row[j]! + w * S[i]![j]!)));
const zeros = () => Array.from({ length: D }, () => new Array<number>(D).fill(0));

/** Σ₁ = (1/N) Σ (g_i − ḡ)(g_i − ḡ)ᵀ. */
function sigma1(G: number[][]): number[][] {
  const g = mean(G);
  const S = zeros();
  for (const r of G) {
    const c = r.map((x, d) => x - g[d]!);
    addInto(S, outer(c, c), 1 / G.length);
  }
  return S;
}

function* subsets(n: number, m: number, from = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === m) return yield chosen.slice();
  for (let i = from; i < n; i++) yield* subsets(n, m, i + 1, [...chosen, i]);
}

function* permutations(items: number[]): Generator<number[]> {
  if (items.length <= 1) return yield items.slice();
  for (let i = 0; i < items.length; i++) {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [items[i]!, ...rest];
  }
}

const close = (a: number, b: number, rel = 1e-12) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

test('Σ_m over every m-subset (sampling without replacement) is (N − m)/(m(N − 1))·Σ₁, entry by entry', (t) => {
  const N = G7.length;
  const S1 = sigma1(G7);
  const g = mean(G7);
  for (let m = 1; m <= N; m++) {
    const all = [...subsets(N, m)];
    const S = zeros();
    for (const s of all) {
      const c = mean(s.map((i) => G7[i]!)).map((x, d) => x - g[d]!);
      addInto(S, outer(c, c), 1 / all.length);
    }
    const f = withoutReplacementFactor(N, m);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) t.true(close(S[i]![j]!, f * S1[i]![j]!), `m=${m} (${i},${j}): ${S[i]![j]} vs ${f * S1[i]![j]!}`);
    t.true(close(traceH(S), f * traceH(S1)), `Tr(HΣ_m) at m=${m}`);
  }
  t.is(withoutReplacementFactor(N, N), 0, 'the full batch has no noise');
  t.is(withoutReplacementFactor(N, 1), 1, 'one example: Σ₁ itself');
});

/** A model whose per-example gradients are the rows of G, whatever w. */
function fixedGradients(G: number[][]): { model: FlatModel; batch: Batch } {
  const model = {
    name: 'fixed',
    size: D,
    params: [],
    inputShape: [1],
    init: () => new Float32Array(D),
    perExampleGradients: () => tf.tensor2d(G.flat(), [G.length, D]),
  } as unknown as FlatModel;
  return { model, batch: { x: tf.zeros([G.length, 1]), y: tf.zeros([G.length], 'int32') } };
}

/** An Rng whose `permutation` returns the given orders in turn. */
function enumeratingRng(orders: number[][]): Rng {
  let next = 0;
  return { permutation: (n: number) => Int32Array.from(orders[next++]!.slice(0, n)) } as unknown as Rng;
}

test.serial('the paper’s estimator (the stages’ minibatchGradientCovariance) averages N/(m₀(N − 1))·Σ₁ over every shuffle', async (t) => {
  await initBackend('cpu');
  for (const N of [6, 7]) {
    const G = G7.slice(0, N);
    const S1 = sigma1(G);
    const { model, batch } = fixedGradients(G);
    const orders = [...permutations(Array.from({ length: N }, (_, i) => i))];
    for (const m0 of [1, 2, 3]) {
      const rng = enumeratingRng(orders);
      const S = zeros();
      let trH = 0;
      for (let p = 0; p < orders.length; p++) {
        const cov = await minibatchGradientCovariance(model, new Float32Array(D), batch, m0, rng);
        for (const c of cov.factor) {
          const row = Array.from(c);
          addInto(S, outer(row, row), 1 / orders.length);
          trH += H.reduce((a, h, i) => a + row[i]! * h.reduce((b, x, j) => b + x * row[j]!, 0), 0) / orders.length;
        }
      }
      const f = shuffledPassEstimatorFactor(N, m0);
      const leftover = N - Math.floor(N / m0) * m0;
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) t.true(close(S[i]![j]!, f * S1[i]![j]!, 1e-9), `N=${N} m0=${m0} (leftover ${leftover}) (${i},${j})`);
      t.true(close(trH, f * traceH(S1), 1e-9), `N=${N} m0=${m0}: E Tr(HS) ${trH} vs ${f * traceH(S1)}`);
      // From the estimate at m0, SGD's Tr(HΣ_m) at every m.
      for (let m = 1; m <= N; m++)
        t.true(close(traceAtBatchSize(trH, N, m0, m), withoutReplacementFactor(N, m) * traceH(S1), 1e-9), `N=${N} m0=${m0} → m=${m}`);
    }
    tf.dispose([batch.x, batch.y!]);
  }
});

test('the factors name what is out of range', (t) => {
  t.throws(() => withoutReplacementFactor(10, 11), { message: /m=11 must be an integer in \[1, N=10\]/ });
  t.throws(() => withoutReplacementFactor(1, 1), { message: /N=1 must be an integer ≥ 2/ });
  t.throws(() => shuffledPassEstimatorFactor(10, 6), { message: /gives 1 minibatch\(es\) of m0=6/ });
  t.true(close(traceAtBatchSize(15, 300, 20, 20), (15 * 280) / 300), 'at m₀ itself: the estimate times (N − m₀)/N');
});
