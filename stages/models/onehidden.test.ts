/**
 * The one-hidden-layer network: size, fixed ±1 output layer and clipping, and its dense Hessian from HVPs against
 * the hand-derived form H = (2/n) Σ_{i unclipped} Jᵢ Jᵢᵀ (the output is piecewise linear in the parameters, so the
 * Gauss–Newton term is the whole Hessian away from kinks), on wasm and cpu.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, relErr, TEST_BACKENDS } from '../tf/testing.ts';
import { denseHessian, valueAndGrad } from './curvature.ts';
import { createOneHidden } from './onehidden.ts';

const DELTA = 1e-3;

/** Output p, loss, gradient and Hessian of the mean squared error, by hand, in float64 (layout W [2,K], b [K]). */
function handDerived(w: ArrayLike<number>, x: Float64Array, y: Float64Array, K: number) {
  const n = y.length;
  const D = 3 * K;
  const grad = new Float64Array(D);
  const H = new Float64Array(D * D);
  let loss = 0;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const J = new Float64Array(D);
    let p = 0;
    for (let k = 0; k < K; k++) {
      const a = k < K / 2 ? 1 : -1;
      const z = x[2 * i]! * w[k]! + x[2 * i + 1]! * w[K + k]! + w[2 * K + k]!;
      if (z > 0) {
        p += a * z;
        J[k] = a * x[2 * i]!;
        J[K + k] = a * x[2 * i + 1]!;
        J[2 * K + k] = a;
      }
    }
    const pc = Math.min(1 - DELTA, Math.max(DELTA, p));
    loss += (pc - y[i]!) ** 2 / n;
    if (pc !== p) {
      clipped++;
      continue;
    }
    for (let a = 0; a < D; a++) {
      grad[a] = grad[a]! + (2 / n) * (p - y[i]!) * J[a]!;
      if (J[a] === 0) continue;
      for (let b = 0; b < D; b++) H[a * D + b] = H[a * D + b]! + (2 / n) * J[a]! * J[b]!;
    }
  }
  return { loss, grad, H, clipped };
}

test('onehidden has D = 300, ±1 output weights and an output clipped to [δ, 1−δ]', async (t) => {
  await initBackend('wasm');
  const model = createOneHidden();
  t.is(model.size, 300);
  t.deepEqual(
    model.params.map((p) => [p.name, p.shape]),
    [
      ['hidden.weight', [2, 100]],
      ['hidden.bias', [100]],
    ],
  );
  const w = new Float32Array(300);
  w[0] = 1; // unit 0 (+1): z = x₀
  w[99] = 1; // unit 99 (−1): z = x₀
  w[1] = 0.25; // unit 1 (+1): z = x₀/4
  const p = model.predict(tf.tensor1d(w), tf.tensor2d([0.8, 0, 100, 0, -100, 0], [3, 2]));
  t.deepEqual(
    Array.from(p.dataSync()).map((v) => +v.toFixed(6)),
    [0.2, 1 - DELTA, DELTA],
  );
  p.dispose();
  t.throws(() => createOneHidden({ hidden: 3 }), { message: /even/ });
});

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] onehidden: loss, gradient and dense Hessian (from HVPs) equal the hand-derived forms`, async (t) => {
    await initBackend(backend);
    const model = createOneHidden();
    const rng = new Rng(41);
    const n = 40;
    const x = Float64Array.from(Float32Array.from(rng.fillNormal(new Float64Array(2 * n))));
    const y = Float64Array.from({ length: n }, () => rng.int(2));
    const w = model.init(rng);
    const batch = { x: tf.tensor2d(Float32Array.from(x), [n, 2]), y: tf.tensor1d(Float32Array.from(y)) };
    const ref = handDerived(Float64Array.from(w), x, y, 100);
    t.true(ref.clipped > 0 && ref.clipped < n, `${ref.clipped} of ${n} outputs clipped: both regimes are exercised`);
    const { value, grad } = valueAndGrad(model, w, batch);
    t.true(Math.abs((await readF64(value))[0]! - ref.loss) < 1e-5 * ref.loss);
    const gradErr = relErr(await readF64(grad), ref.grad);
    t.true(gradErr < 1e-4, `gradient rel err ${gradErr}`);
    const H = await denseHessian(model, w, batch);
    const err = relErr(H, ref.H);
    t.log(`dense Hessian rel err vs hand-derived: ${err.toExponential(2)}`);
    t.true(err < 1e-5);
    tf.dispose([value, grad, batch.x, batch.y]);
  });
}
