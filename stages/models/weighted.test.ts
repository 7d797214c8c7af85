/**
 * `weightedValueAndGrad` (M-SGD's step) against an independent reference: (1/N)Gᵀw and (1/N)Σ w_i ℓ_i from the
 * per-example gradients of a loop of batch-1 gradients (`perExampleGradientsLoop`) and the per-example losses, on
 * every test backend (the native fused path included where it was built).
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { bernoulliWeights, gaussianSgdWeights } from '../noise/example-weights.ts';
import { initBackend } from '../tf/backend.ts';
import { readF64, TEST_BACKENDS, tolFor } from '../tf/testing.ts';
import { perExampleGradientsLoop, valueAndGrad, weightedValueAndGrad } from './curvature.ts';
import { createTinyConvNet } from './tiny.ts';

const N = 24;

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] the weighted loss's gradient is (1/N)Gᵀw from per-example gradients, for Gaussian, Bernoulli and unit weights`, async (t) => {
    await initBackend(backend);
    const model = createTinyConvNet();
    const rng = new Rng(9);
    const train = {
      x: tf.tensor4d(rng.fillNormal(new Float32Array(N * 36)), [N, 6, 6, 1]),
      y: tf.tensor1d(
        Int32Array.from({ length: N }, () => rng.int(3)),
        'int32',
      ),
    };
    const w = model.init(rng);
    const Gt = perExampleGradientsLoop(model, w, train);
    const lt = model.perExampleLoss(tf.tensor1d(w), train);
    const G = await readF64(Gt);
    const losses = await readF64(lt);
    tf.dispose([Gt, lt]);
    const D = model.size;
    const tol = tolFor(backend, 2e-5, 1e-4);
    const cases: [string, Float64Array, number | undefined][] = [
      ['gaussian', gaussianSgdWeights(rng, 5, new Float64Array(N)), undefined],
      ['gaussian, chunks of 7', gaussianSgdWeights(rng, 5, new Float64Array(N)), 7],
      ['bernoulli', bernoulliWeights(rng, 5, new Float64Array(N)), undefined],
      ['unit', new Float64Array(N).fill(1), undefined],
      ['one example at weight 3', Float64Array.from({ length: N }, (_, i) => (i === 4 ? 3 : 0)), undefined],
    ];
    for (const [name, weights, chunkSize] of cases) {
      const { value, grad } = weightedValueAndGrad(model, w, train, weights, { chunkSize });
      const g = await readF64(grad);
      const v = (await readF64(value))[0]!;
      tf.dispose([value, grad]);
      const ref = new Float64Array(D);
      let refValue = 0;
      for (let i = 0; i < N; i++) {
        refValue += (weights[i]! * losses[i]!) / N;
        for (let j = 0; j < D; j++) ref[j]! += (weights[i]! * G[i * D + j]!) / N;
      }
      const scale = Math.max(...ref.map(Math.abs));
      const err = Math.max(...g.map((x, j) => Math.abs(x - ref[j]!))) / scale;
      t.true(err < tol, `${name}: gradient relative error ${err}`);
      t.true(Math.abs(v - refValue) < tol * Math.abs(refValue), `${name}: value ${v} vs ${refValue}`);
    }
    // unit weights are the mean loss: GD's own gradient (float tolerance; the summation order may differ)
    const unit = weightedValueAndGrad(model, w, train, new Float64Array(N).fill(1));
    const plain = valueAndGrad(model, w, train);
    const [u, p] = [await readF64(unit.grad), await readF64(plain.grad)];
    t.true(Math.max(...u.map((x, j) => Math.abs(x - p[j]!))) <= tol * Math.max(...p.map(Math.abs)));
    tf.dispose([unit.value, unit.grad, plain.value, plain.grad]);
    // no example kept: a zero step
    const none = weightedValueAndGrad(model, w, train, new Float64Array(N));
    t.deepEqual(Array.from(await readF64(none.grad)), Array(D).fill(0));
    tf.dispose([none.value, none.grad]);
    t.throws(() => weightedValueAndGrad(model, w, train, new Float64Array(3)), { message: /3 weights for 24 examples/ });
    tf.dispose([train.x, train.y]);
  });
}
