/** The VGG11 cost model in image-gradients: what each kind's loop computes per iteration, plus evaluation and sharpness. */
import test from 'ava';
import { configReader } from '../../pipeline/estimate.ts';
import { vggDynamicsCost, vggImageGradientOp } from './cost.ts';

const config = {
  svhn: {
    data: { trainCount: 1000, testCount: 300 },
    dynamics: { iterations: 20, batchSize: 10, refresh: 10, covBatches: 5, logEvery: 10, sigma: 1e-3 },
    sharpness: { samples: 4 },
  },
};
const cfg = configReader(config);
const op = vggImageGradientOp('svhn');
// Evaluations at 0, 10 and 20 of 1300 images, a third of a gradient each; sharpness (2·4 + 1)·1000/3.
const tail = (3 * 1300) / 3 + (9 * 1000) / 3;

test('gd: a full-batch gradient per iteration; sgd: a minibatch; gld_diag: plus Σ every refresh', (t) => {
  t.deepEqual(vggDynamicsCost('svhn', 'gd', cfg), { [op]: 20 * 1000 + tail });
  t.deepEqual(vggDynamicsCost('svhn', 'sgd', cfg), { [op]: 20 * 10 + tail });
  t.deepEqual(vggDynamicsCost('svhn', 'gld_diag', cfg), { [op]: 20 * 1000 + 2 * 5 * 10 + tail });
  t.deepEqual(vggDynamicsCost('svhn', 'gld_const', cfg), vggDynamicsCost('svhn', 'gd', cfg));
});

test('released-code options: a per-kind run length, and the absolute flatness protocol (test set too, no antithetic pairs)', (t) => {
  const released = configReader({
    svhn: { ...config.svhn, dynamics: { ...config.svhn.dynamics, kindIterations: { sgd: 10 } }, sharpness: { samples: 4, mode: 'absolute' } },
  });
  // sgd runs 10 iterations (evaluations at 0 and 10); gd keeps 20. Absolute sharpness: (4 + 1)·(1000 + 300)/3.
  t.deepEqual(vggDynamicsCost('svhn', 'sgd', released), { [op]: 10 * 10 + (2 * 1300) / 3 + (5 * 1300) / 3 });
  t.deepEqual(vggDynamicsCost('svhn', 'gd', released), { [op]: 20 * 1000 + (3 * 1300) / 3 + (5 * 1300) / 3 });
});
