/**
 * Recording the tape once and back-propagating many times equals tf.grad (first order) and double backprop
 * (second order), frees what it holds, and refuses to nest inside tf.grad.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from './backend.ts';
import { gradOf } from './ops.ts';
import { filterTape, recordTape, tapeVjp } from './tape.ts';
import { doubleBackpropHvp, readF64, relErr, seededNormal, TEST_BACKENDS } from './testing.ts';

const f = (w: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => {
    const W = tf.reshape(w, [3, 4]);
    const h = tf.tanh(tf.matMul(W, tf.reshape(tf.range(0, 4, 1, 'float32'), [4, 1])));
    return tf.add(tf.sum(tf.exp(tf.mul(h, 0.5))), tf.sum(tf.square(tf.relu(w)))) as tf.Scalar;
  });

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] a recorded tape gives tf.grad's VJPs and double-backprop HVPs, repeatedly`, async (t) => {
    await initBackend(backend);
    const rng = new Rng(71);
    const w = seededNormal(rng, [12]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    // first order: y = f(w), VJP with dy = 1 is the gradient
    const { result: y, tape } = recordTape(() => tf.keep(f(w)));
    const filtered = filterTape(tape.nodes, [w], y);
    const one = tf.scalar(1);
    const [g1] = tapeVjp(filtered, [w], y, one);
    const g = gradOf(f)(w);
    t.true(relErr(await readF64(g1!), await readF64(g)) < 1e-6);
    tf.dispose([g1!, g, y, one]);
    tape.dispose();
    // second order: g = ∇f recorded once, then VJPs with several v
    const rec = recordTape(() => tf.keep(gradOf(f)(w)));
    const gf = filterTape(rec.tape.nodes, [w], rec.result);
    for (let k = 0; k < 3; k++) {
      const v = seededNormal(rng, [12]) as tf.Tensor1D;
      const [hv] = tapeVjp(gf, [w], rec.result, v);
      const ref = doubleBackpropHvp(f, w, v);
      t.true(relErr(await readF64(hv!), await readF64(ref)) < 1e-6, `HVP ${k}`);
      tf.dispose([v, hv!, ref]);
    }
    rec.tape.dispose();
    rec.result.dispose();
    t.is(tf.memory().numTensors, before, 'disposing the tape frees everything it saved');
    w.dispose();
  });
}

test.serial('recordTape refuses to run inside tf.grad; tapeVjp checks the cotangent shape', async (t) => {
  await initBackend('wasm');
  const w = tf.ones([3]) as tf.Tensor1D;
  t.throws(
    () =>
      gradOf((u: tf.Tensor1D) => {
        recordTape(() => null);
        return tf.sum(u);
      })(w),
    { message: /cannot record inside/ },
  );
  const { result: y, tape } = recordTape(() => tf.keep(tf.sum(tf.square(w))));
  t.throws(() => tapeVjp(filterTape(tape.nodes, [w], y), [w], y, tf.ones([2])), { message: /dy has shape \[2\]/ });
  tape.dispose();
  tf.dispose([y, w]);
});
