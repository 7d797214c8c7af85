/** ops.ts: transposeMerged equals tf.transpose; log-softmax and cross-entropy values; stopGradient's value. */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../numerics/random.ts';
import { initBackend } from './backend.ts';
import { logSoftmax, softmaxCrossEntropy, stopGradient, transposeMerged } from './ops.ts';
import { readF64, relErr, seededNormal, TEST_BACKENDS } from './testing.ts';

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] transposeMerged equals tf.transpose for merged and unmerged permutations`, async (t) => {
    await initBackend(backend);
    const x = seededNormal(new Rng(81), [2, 3, 4, 5, 2]);
    for (const perm of [
      [2, 0, 1, 3, 4],
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [3, 4, 0, 1, 2],
      [1, 0, 3, 2, 4],
    ]) {
      const a = transposeMerged(x, perm);
      const b = tf.transpose(x, perm);
      t.deepEqual(a.shape, b.shape);
      t.deepEqual(Array.from(await readF64(a)), Array.from(await readF64(b)), `perm [${perm}]`);
      tf.dispose([a, b]);
    }
    t.throws(() => transposeMerged(x, [0, 1]), { message: /perm \[0,1\] for a rank-5 tensor/ });
    x.dispose();
  });

  test.serial(`[${backend}] logSoftmax and softmaxCrossEntropy match float64 values, also for large logits`, async (t) => {
    await initBackend(backend);
    const z = [
      [1, 2, 3],
      [1000, 1001, 999],
      [-5, 0, 5],
    ];
    const ls = logSoftmax(tf.tensor2d(z));
    const ref = z.flatMap((row) => {
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      return row.map((v) => v - lse);
    });
    const lsErr = relErr(await readF64(ls), ref);
    t.log(`logSoftmax rel err ${lsErr.toExponential(2)}`);
    t.true(lsErr < 1e-6);
    const ce = softmaxCrossEntropy(tf.tensor2d(z), tf.tensor1d([2, 0, 1], 'int32'));
    t.true(relErr(await readF64(ce), [-ref[2]!, -ref[3]!, -ref[7]!]) < 1e-6);
    t.throws(() => softmaxCrossEntropy(tf.tensor2d(z), tf.tensor1d([0, 1], 'int32')), { message: /3 rows of logits but 2 labels/ });
    const s = stopGradient(tf.tensor1d([1, 2]));
    t.deepEqual(Array.from(await readF64(s)), [1, 2]);
    tf.dispose([ls, ce, s]);
  });
}
