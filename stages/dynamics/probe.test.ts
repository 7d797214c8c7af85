import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { valueAndGradRead, denseHessian, expectedSharpness } from '../models/curvature.ts';
import { createTinyConvNet } from '../models/tiny.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { symmetricEigen } from '../numerics/eigen.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { TEST_BACKENDS } from '../tf/testing.ts';
import { probeCurvature } from './probe.ts';

for (const backend of TEST_BACKENDS.filter((b) => b === 'wasm' || b === 'webgpu')) {
  test.serial(`[${backend}] curvature probe on a small net agrees with its dense Hessian and with the kinds' closed forms`, async (t) => {
    await initBackend(backend);
    const model = createTinyConvNet();
    const rng = new Rng(31);
    const n = 40;
    const train = {
      x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
      y: tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(3)),
        'int32',
      ),
    };
    const w = model.init(rng);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 4;
    // every kind of the registry
    const kinds = (Object.keys(NOISE_KINDS) as NoiseKindName[]).map((kind) => ({
      kind,
      config: { sigma: 1e-2, k: 4, rescaleToTrace: false },
    }));
    const r = await probeCurvature(model, w, train, kinds, {
      topK: 5,
      lanczos: { tol: 1e-6, tolPairs: 5, maxIter: 47 },
      hutchinsonSamples: 400,
      batchSize: 5,
      exactTraceHSigma: true,
      sharpness: { delta: 0.01, samples: 20 },
      rng: new Rng(1),
    });
    const D = model.size;
    const H = await denseHessian(model, w, train);
    const eig = symmetricEigen(H, D);
    let trace = 0;
    for (let i = 0; i < D; i++) trace += H[i * D + i]!;
    for (let j = 0; j < 3; j++) t.true(Math.abs(r.hessianTop[j]! - eig.values[j]!) <= 1e-4 * Math.abs(eig.values[j]!), `λ${j + 1}`);
    t.true(Math.abs(r.traceH - trace) <= 4 * r.traceHStderr, `TrH ${r.traceH} ± ${r.traceHStderr} vs ${trace}`);
    const by = Object.fromEntries(r.kinds.map((k) => [k.kind, k]));
    t.is(by.gd!.traceHSigma, 0);
    t.true(Math.abs(by.gld_const!.ratio! - 1) < 1e-12 && Math.abs(by.gld_dynamic!.ratio! - 1) < 1e-12, 'isotropic kinds have ratio 1');
    t.true(Math.abs(by.gld_dynamic!.noiseTrace - r.traceSigma) < 1e-9 * r.traceSigma, 'gld_dynamic has trace TrΣ');
    const top1 = r.traceSigma * r.hessianTop[0]!;
    t.true(Math.abs(by.gld_hessian_top1!.traceHSigma - top1) < 1e-3 * Math.abs(top1), 'top-1: TrΣ·λ₁');
    const pos = r.hessianTop.slice(0, 4).map((l) => Math.max(l, 0));
    const hess = (r.traceSigma * pos.reduce((a, l) => a + l * l, 0)) / pos.reduce((a, l) => a + l, 0);
    t.true(Math.abs(by.gld_hessian!.traceHSigma - hess) < 1e-3 * Math.abs(hess), 'Hessian-shaped: TrΣ·Σλ²/Σλ');
    t.is(by.sgd!.traceHSigma, r.traceHSigma);
    // gld_full is Gaussian with SGD's own Σ: the same Tr Σ and the same exact Tr(HΣ) over the same factor rows.
    t.true(
      Math.abs(by.gld_full!.traceHSigma - by.sgd!.traceHSigma) <= 1e-12 * Math.abs(by.sgd!.traceHSigma),
      `gld_full ${by.gld_full!.traceHSigma} vs sgd ${by.sgd!.traceHSigma}`,
    );
    t.true(Math.abs(by.gld_full!.noiseTrace - r.traceSigma) <= 1e-12 * r.traceSigma);
    t.is(by.gld_full!.ratio, by.sgd!.ratio);
    // M-SGD: Gaussian is SGD's Σ exactly; Bernoulli's is ((N − 1)/N)·Σ + ((N − m)/(mN))·ḡḡᵀ with ḡᵀHḡ from the dense H.
    t.is(by.msgd_gaussian!.traceHSigma, by.sgd!.traceHSigma);
    t.is(by.msgd_gaussian!.noiseTrace, r.traceSigma);
    const g = Float64Array.from((await valueAndGradRead(model, w, train)).grad);
    let gHg = 0;
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) gHg += g[i]! * H[i * D + j]! * g[j]!;
    const [a, b] = [(n - 1) / n, (n - 5) / (5 * n)];
    const expected = a * r.traceHSigma + b * gHg;
    t.true(Math.abs(by.msgd_bernoulli!.traceHSigma - expected) <= 1e-4 * Math.abs(expected), `msgd_bernoulli ${by.msgd_bernoulli!.traceHSigma} vs ${expected}`);
    t.true(r.ratio > 0 && Number.isFinite(r.sharpness.estimate));
    tf.dispose([train.x, train.y]);
  });
}

test.serial('expected sharpness under the released flatness protocol: absolute changes of the loss and of test accuracy', async (t) => {
  await initBackend('wasm');
  const model = createTinyConvNet();
  const rng = new Rng(8);
  const n = 30;
  const train = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
  const w = model.init(rng);
  const common = { delta: 0.5, samples: 30, rng: new Rng(2) };
  const signed = await expectedSharpness(model, w, train, { ...common, rng: new Rng(2) });
  const absolute = await expectedSharpness(model, w, train, { ...common, mode: 'absolute', test: train });
  t.is(signed.mode, 'signed');
  t.is(signed.testAccuracyChange, undefined);
  t.is(absolute.mode, 'absolute');
  t.false(absolute.antithetic);
  t.is(absolute.evaluations, 30);
  t.true(absolute.estimate >= Math.abs(signed.estimate) - 4 * (absolute.stderr + signed.stderr), 'E|ΔL| ≥ |E ΔL| up to sampling error');
  t.true(absolute.testAccuracyChange!.estimate >= 0 && absolute.testAccuracyChange!.estimate <= 1);
  tf.dispose([train.x, train.y]);
});
