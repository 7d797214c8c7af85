/**
 * λ_max tracking against a dense float64 eigensolver: along full-batch GD on the tiny conv net, each warm-started
 * Lanczos top-1 agrees with the largest eigenvalue of the dense Hessian (assembled from HVPs) at that iterate, within
 * its relative-residual tolerance; pre-training's track measures at 0, every k, the first fit and the end.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { denseHessian, valueAndGradRead } from '../models/curvature.ts';
import { evaluateClassifier } from '../models/evaluate.ts';
import { createTinyConvNet } from '../models/tiny.ts';
import { symmetricEigen } from '../numerics/eigen.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { pretrainGd } from './pretrain.ts';
import { SharpnessTrack } from './sharpness-track.ts';

const TOL = 1e-4;

function tinyBatch(seed: number, n: number) {
  const rng = new Rng(seed);
  return {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
}

async function denseTop(model: ReturnType<typeof createTinyConvNet>, w: Float32Array, batch: ReturnType<typeof tinyBatch>) {
  return symmetricEigen(await denseHessian(model, w, batch), model.size).values[0]!;
}

test.serial('warm-started Lanczos top-1 matches the dense Hessian’s λ_max at several GD iterates', async (t) => {
  await initBackend('wasm');
  const model = createTinyConvNet();
  const batch = tinyBatch(7, 16);
  const w = model.init(new Rng(3));
  const track = new SharpnessTrack(model, batch, { every: 20, tol: TOL, maxIter: 47, seed: 11 });
  const checked: number[] = [];
  for (let it = 0; it <= 60; it++) {
    if (track.due(it, 60)) {
      const p = await track.measure(w, it);
      const exact = await denseTop(model, w, batch);
      t.true(p.converged, `iteration ${it}: residual ${p.relativeResidual}`);
      t.true(p.relativeResidual <= TOL);
      const err = Math.abs(p.lambdaMax - exact) / Math.abs(exact);
      t.true(err <= TOL, `iteration ${it}: λ_max ${p.lambdaMax} against dense ${exact} (rel err ${err.toExponential(2)})`);
      checked.push(it);
    }
    const { grad } = await valueAndGradRead(model, w, batch);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - 0.5 * grad[i]!;
  }
  t.deepEqual(checked, [0, 20, 40, 60]);
  t.deepEqual(
    track.points.map((p) => p.iteration),
    [0, 20, 40, 60],
  );
  // warm starts: later measurements take no more products than the cold first one
  t.true(
    track.points.slice(1).every((p) => p.hvps <= track.points[0]!.hvps),
    track.points.map((p) => p.hvps).join(', '),
  );
  tf.dispose([batch.x, batch.y]);
});

test.serial('pre-training tracks λ_max at 0, every k, the first fit and the end; fixed length runs past the fit', async (t) => {
  await initBackend('wasm');
  const model = createTinyConvNet();
  const train = tinyBatch(4, 12);
  const test_ = tinyBatch(5, 20);
  const w0 = model.init(new Rng(4));
  const track = { every: 100, tol: TOL, maxIter: 47, seed: 2 };
  const early = await pretrainGd(model, w0, train, { lr: 0.5, maxIterations: 3000, targetAccuracy: 1, checkEvery: 10, test: test_, track });
  t.true(early.reached);
  const fit = early.firstFit!;
  t.is(fit.iteration, early.iterations, 'the early stop is the first fit');
  t.is(fit.lambdaMax, early.sharpness.at(-1)!.lambdaMax);
  t.is(fit.testAccuracy, null, 'an early stop leaves the end’s test evaluation to the caller');
  const its = early.sharpness.map((p) => p.iteration);
  t.deepEqual(
    its,
    [...new Set([0, ...its.filter((i) => i % 100 === 0), early.iterations])].sort((a, b) => a - b),
  );
  t.true(its.filter((i) => i % 100 === 0).length === Math.floor(early.iterations / 100) + 1);
  const exact = await denseTop(model, early.w, train);
  t.true(Math.abs(early.sharpness.at(-1)!.lambdaMax - exact) <= TOL * Math.abs(exact), `${early.sharpness.at(-1)!.lambdaMax} against ${exact}`);

  // the same run continued to a fixed length: the same first fit, then on to the last iteration
  const length = early.iterations + 150;
  const fixed = await pretrainGd(model, w0, train, {
    lr: 0.5,
    maxIterations: length,
    iterations: length,
    targetAccuracy: 1,
    checkEvery: 10,
    test: test_,
    track,
  });
  t.is(fixed.iterations, length);
  t.is(fixed.firstFit!.iteration, fit.iteration);
  t.is(fixed.firstFit!.testAccuracy, (await evaluateClassifier(model, early.w, test_)).accuracy, 'the test accuracy at the first fit');
  t.is(fixed.firstFit!.lambdaMax, fit.lambdaMax);
  t.is(fixed.sharpness.at(-1)!.iteration, length);
  const exactEnd = await denseTop(model, fixed.w, train);
  t.true(Math.abs(fixed.sharpness.at(-1)!.lambdaMax - exactEnd) <= TOL * Math.abs(exactEnd));
  await t.throwsAsync(() => pretrainGd(model, w0, train, { lr: 0.5, maxIterations: 5, iterations: 6, targetAccuracy: 1, checkEvery: 10 }), {
    message: /iterations 6 exceed maxIterations 5/,
  });
  tf.dispose([train.x, train.y, test_.x, test_.y]);
});
