/**
 * The curvature algorithms on real model Hessians: Lanczos (through the Hessian operator) against ml-matrix's dense
 * eigensolver on the dense Hessian assembled column by column; Hutchinson against the dense trace; and the exact
 * HVP of a width-scaled VGG11 checked for symmetry (vᵀHu = uᵀHv) on both backends' path used by the experiments.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { symmetricEigen } from '../numerics/eigen.ts';
import { hutchinson } from '../numerics/hutchinson.ts';
import { lanczos } from '../numerics/lanczos.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { dot, TEST_BACKENDS } from '../tf/testing.ts';

/** wasm, the experiments' backend, and webgpu where an adapter exists (cpu and native add nothing these tests need). */
const BACKENDS = TEST_BACKENDS.filter((b) => b === 'wasm' || b === 'webgpu');
import { denseHessian, disposeBatch, hessianOperator } from './curvature.ts';
import { createOneHidden } from './onehidden.ts';
import { createTinyConvNet } from './tiny.ts';
import { createVgg11 } from './vgg.ts';

for (const backend of BACKENDS) {
  test.serial(`[${backend}] Lanczos on the onehidden Hessian (D = 300) matches the dense eigensolver to 1e-4 relative`, async (t) => {
    await initBackend(backend);
    const model = createOneHidden();
    const rng = new Rng(11);
    const n = 400;
    const x = Float32Array.from({ length: 2 * n }, () => -2 + 4 * rng.uniform());
    const y = Float32Array.from({ length: n }, (_, i) => (x[2 * i]! >= x[2 * i + 1]! ? 1 : 0));
    const batch = { x: tf.tensor2d(x, [n, 2]), y: tf.tensor1d(y) };
    const w = model.init(rng);
    const D = model.size;
    const dense = await denseHessian(model, w, batch);
    const exact = symmetricEigen(dense, D);
    const op = hessianOperator(model, w, batch);
    const res = await lanczos(op, { k: 10, tol: 1e-6, tolPairs: 5, seed: 5 });
    t.true(res.converged && res.matvecs < D, `converged ${res.converged} after ${res.matvecs} HVPs`);
    for (let j = 0; j < 5; j++) {
      const rel = Math.abs(res.eigenvalues[j]! - exact.values[j]!) / Math.abs(exact.values[j]!);
      t.true(rel < 1e-4, `λ${j + 1}: lanczos ${res.eigenvalues[j]} vs dense ${exact.values[j]} (rel ${rel})`);
    }
    t.log(`top-5 ${Array.from(exact.values.slice(0, 5), (v) => v.toPrecision(5)).join(', ')}; ${res.matvecs} HVPs`);
    let trace = 0;
    for (let i = 0; i < D; i++) trace += dense[i * D + i]!;
    const h = await hutchinson(op, { samples: 200, seed: 3 });
    t.true(Math.abs(h.estimate - trace) < 4 * h.stderr, `Hutchinson ${h.estimate} ± ${h.stderr} vs trace ${trace}`);
    op.dispose();
    disposeBatch(batch);
  });
}

for (const backend of BACKENDS) {
  test.serial(`[${backend}] Lanczos on the tiny conv + max-pool net Hessian matches the dense eigensolver to 1e-4 relative`, async (t) => {
    await initBackend(backend);
    const model = createTinyConvNet();
    const rng = new Rng(12);
    const [h, w0, c] = model.inputShape as [number, number, number];
    const n = 12;
    const batch = {
      x: tf.tensor4d(rng.fillNormal(new Float32Array(n * h * w0 * c)), [n, h, w0, c]),
      y: tf.tensor1d(
        Int32Array.from({ length: n }, () => rng.int(3)),
        'int32',
      ),
    };
    const w = model.init(rng);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 5; // away from the near-zero init
    const dense = await denseHessian(model, w, batch);
    const exact = symmetricEigen(dense, model.size);
    const op = hessianOperator(model, w, batch);
    const res = await lanczos(op, { k: 6, tol: 1e-8, seed: 6 });
    for (let j = 0; j < 3; j++) {
      const rel = Math.abs(res.eigenvalues[j]! - exact.values[j]!) / Math.abs(exact.values[j]!);
      t.true(rel < 1e-4, `λ${j + 1}: lanczos ${res.eigenvalues[j]} vs dense ${exact.values[j]} (rel ${rel})`);
    }
    op.dispose();
    disposeBatch(batch);
  });
}

for (const backend of BACKENDS) {
  test.serial(`[${backend}] width-scaled VGG11: the exact HVP is symmetric (vᵀHu = uᵀHv)`, async (t) => {
    await initBackend(backend);
    const model = createVgg11({ width: 0.125 });
    const rng = new Rng(13);
    const batch = {
      x: tf.tensor4d(rng.fillNormal(new Float32Array(4 * 32 * 32 * 3)), [4, 32, 32, 3]),
      y: tf.tensor1d([1, 5, 7, 9], 'int32'),
    };
    const w = model.init(rng);
    const op = hessianOperator(model, w, batch);
    const u = rng.fillNormal(new Float64Array(model.size));
    const v = rng.fillNormal(new Float64Array(model.size));
    const a = dot(v, await op.matvec(u));
    const b = dot(u, await op.matvec(v));
    t.log(`D = ${model.size}: vᵀHu = ${a.toExponential(6)}, uᵀHv = ${b.toExponential(6)}`);
    t.true(Math.abs(a) > 0);
    t.true(Math.abs(a - b) < 1e-3 * Math.max(Math.abs(a), Math.abs(b)));
    op.dispose();
    disposeBatch(batch);
  });
}
