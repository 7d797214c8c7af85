/**
 * Timing of the paper CNN's gradient, HVP and per-example gradients on random data (not a test). Prints JSON lines
 * to stdout. Run: `node --import tsx stages/models/bench.ts [--backend wasm|cpu] [--n 1200] [--reps 5]`.
 * Each figure is the minimum over `reps` runs after one warm-up (the machines are noisy).
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { Rng } from '../numerics/random.ts';
import { initBackend, type BackendName } from '../tf/backend.ts';
import { createCnn } from './cnn.ts';
import { hvp, hvpSession, perExampleGradients, perExampleGradientsLoop, valueAndGrad } from './curvature.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    n: { type: 'string', default: '1200' },
    reps: { type: 'string', default: '5' },
    loop: { type: 'boolean', default: false },
  },
});
const backend = values.backend as BackendName;
const n = Number(values.n);
const reps = Number(values.reps);

/** Minimum wall time in ms of `f` over `reps` runs after a warm-up; `f`'s tensors are read back and disposed. */
function minTime(f: () => tf.Tensor[], count = reps): number {
  const run = () => {
    const out = f();
    for (const t of out) t.dataSync();
    tf.dispose(out);
  };
  run();
  let best = Infinity;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

await initBackend(backend);
const model = createCnn();
const rng = new Rng(1);
const w = tf.tensor1d(model.init(rng));
const x = tf.tensor4d(rng.fillNormal(new Float32Array(n * 784)), [n, 28, 28, 1]);
const y = tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(10)), 'int32');
const batch = { x, y };
const v = tf.tensor1d(rng.fillNormal(new Float32Array(model.size)));
const report = (what: string, ms: number, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ backend, n, what, ms: Math.round(ms), ...extra }));

const forward = minTime(() => [model.loss(w, batch)]);
report('forward (mean loss)', forward);
const grad = minTime(() => {
  const r = valueAndGrad(model, w, batch);
  return [r.value, r.grad];
});
report('value + gradient', grad);
const h = minTime(() => [hvp(model, w, batch, v)]);
report('hvp (double backprop)', h, { gradients: +(h / grad).toFixed(2) });
const session = hvpSession(model, w, batch);
const hs = minTime(() => [session.hvp(v)]);
session.dispose();
report('hvp in an hvpSession (recorded forward + first backward reused)', hs, { gradients: +(hs / grad).toFixed(2) });
const pe = minTime(() => [perExampleGradients(model, w, batch)], Math.min(reps, 3));
report('per-example gradients', pe, { gradients: +(pe / grad).toFixed(2) });
if (values.loop) report('per-example gradients, loop of batch-1 gradients', minTime(() => [perExampleGradientsLoop(model, w, batch)], 1));
