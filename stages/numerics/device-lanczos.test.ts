/**
 * deviceLanczos (the search space as float32 tensors on the backend) on every test backend: random dense symmetric
 * matrices against the dense eigensolver, warm starts, a repeated eigenvalue and a rank-deficient operator
 * (breakdowns), reads per step that are O(m) numbers (never a D-length vector until the final eigenvectors), no
 * leaked tensors, and the Hessian of the paper CNN: device Lanczos on webgpu agrees with host Lanczos on cpu.
 *
 * Float32 tolerances: eigenvalues within 1e-5 relative of the float64 dense solve (measured ≤ 2e-7), eigenvectors
 * within 1e-4 of ±1 in |⟨y, u⟩| on separated eigenvalues, and every reported residual is the true one (recomputed
 * in float64 from the returned vector) to within 1e-6·‖A‖ and meets `tol`·|θ| up to that same float32 slack.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { createCnn } from '../models/cnn.ts';
import { hessianOperator } from '../models/curvature.ts';
import { initBackend } from '../tf/backend.ts';
import { countingReads, TEST_BACKENDS, WEBGPU_TESTS } from '../tf/testing.ts';
import { DEVICE_ROUNDOFF, deviceLanczos, lanczosOnBackend } from './device-lanczos.ts';
import { denseDeviceOperator } from './device-operator.ts';
import { symmetricEigen } from './eigen.ts';
import { denseFromEigen, denseMatvec, randomOrthonormalColumns, randomSymmetric } from './testing.ts';
import { lanczos, type LanczosResult } from './lanczos.ts';
import { denseOperator } from './operator.ts';
import { Rng } from './random.ts';
import { axpy, dot, norm } from './vector.ts';

/** A random symmetric matrix with a decaying, mixed-sign spectrum (largest algebraic ones separated). */
function problem(n: number, seed: number): { matrix: Float64Array; spectrum: number[] } {
  const rng = new Rng(seed);
  const spectrum = Array.from({ length: n }, (_, i) => (i % 3 === 2 ? -1 : 1) * Math.pow(0.93, i) * (1 + 0.01 * rng.uniform()));
  return { matrix: randomSymmetric(spectrum, rng).matrix, spectrum };
}

/** Checks the result against the dense eigensolver; returns the largest relative eigenvalue error. */
function checkAgainstDense(
  t: import('ava').ExecutionContext,
  res: LanczosResult,
  matrix: Float64Array,
  n: number,
  tol: number,
  label: string,
  vectors = true,
): number {
  const ref = symmetricEigen(matrix, n);
  const normA = Math.max(Math.abs(ref.values[0]!), Math.abs(ref.values[n - 1]!));
  let worst = 0;
  for (let i = 0; i < res.eigenvalues.length; i++) {
    const err = Math.abs(res.eigenvalues[i]! - ref.values[i]!) / Math.abs(ref.values[i]!);
    worst = Math.max(worst, err);
    t.true(err <= 1e-5, `${label}: eigenvalue ${i} ${res.eigenvalues[i]} vs ${ref.values[i]} (${err.toExponential(1)})`);
    const y = res.eigenvectors[i]!;
    t.true(Math.abs(norm(y) - 1) < 1e-5, `${label}: ‖y${i}‖ = ${norm(y)}`);
    if (vectors) t.true(Math.abs(Math.abs(dot(y, ref.vectors[i]!)) - 1) < 1e-4, `${label}: eigenvector ${i} up to sign`);
    // The reported residual is the true one, and a converged pair meets its tolerance (up to float32 rounding).
    const r = denseMatvec(matrix, y, n);
    axpy(-res.eigenvalues[i]!, y, r);
    t.true(Math.abs(norm(r) - res.residualNorms[i]!) <= DEVICE_ROUNDOFF * normA, `${label}: residual ${i} ${norm(r)} vs reported ${res.residualNorms[i]}`);
    if (res.convergedPairs[i]) {
      t.true(norm(r) <= tol * Math.abs(res.eigenvalues[i]!) + 2 * DEVICE_ROUNDOFF * normA, `${label}: pair ${i} true residual ${norm(r)}`);
    }
  }
  return worst;
}

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] top-k of random dense symmetric matrices match the dense eigensolver`, async (t) => {
    await initBackend(backend);
    const lines: string[] = [];
    for (const [n, k, tol, seed] of [
      [60, 1, 1e-5, 1],
      [120, 3, 1e-4, 2],
      [200, 5, 1e-5, 3],
    ] as const) {
      const { matrix } = problem(n, seed);
      const op = denseDeviceOperator(matrix, n);
      try {
        const res = await deviceLanczos(op, { k, tol, seed });
        t.true(res.converged, `n=${n} k=${k}`);
        const err = checkAgainstDense(t, res, matrix, n, tol, `n=${n} k=${k}`);
        lines.push(
          `n=${n} k=${k} tol=${tol}: ${res.matvecs} matvecs, max eigenvalue error ${err.toExponential(1)}, max rel. residual ${Math.max(...res.relativeResiduals).toExponential(1)}`,
        );
      } finally {
        op.dispose();
      }
    }
    t.log(lines.join('\n'));
  });

  test.serial(`[${backend}] thick restarts and a warm start from a nearby matrix's eigenvectors`, async (t) => {
    await initBackend(backend);
    const n = 150;
    const { matrix } = problem(n, 4);
    const op = denseDeviceOperator(matrix, n);
    const previous = await deviceLanczos(op, { k: 5, tol: 1e-5, seed: 5, maxBasis: 12, maxIter: 400 });
    op.dispose();
    t.true(previous.converged);
    t.true(previous.restarts > 0);
    checkAgainstDense(t, previous, matrix, n, 1e-5, 'restarted');
    // A symmetric perturbation of relative size 1e-3.
    const rng = new Rng(6);
    const perturbed = Float64Array.from(matrix);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const e = (1e-3 * rng.normal()) / Math.sqrt(n);
        perturbed[i * n + j] = perturbed[i * n + j]! + e;
        if (i !== j) perturbed[j * n + i] = perturbed[j * n + i]! + e;
      }
    }
    const op2 = denseDeviceOperator(perturbed, n);
    try {
      const cold = await deviceLanczos(op2, { k: 5, tol: 1e-4, seed: 7 });
      const warm = await deviceLanczos(op2, { k: 5, tol: 1e-4, seed: 7, start: previous.eigenvectors });
      t.true(warm.converged);
      t.is(warm.startVectors, 5);
      t.true(warm.matvecs < cold.matvecs, `warm ${warm.matvecs} vs cold ${cold.matvecs} matvecs`);
      checkAgainstDense(t, warm, perturbed, n, 1e-4, 'warm');
      t.log(`restarted: ${previous.matvecs} matvecs, ${previous.restarts} restarts; perturbed: cold ${cold.matvecs}, warm ${warm.matvecs} matvecs`);
    } finally {
      op2.dispose();
    }
  });

  test.serial(`[${backend}] a repeated eigenvalue and a rank-3 operator (breakdowns) give the dense answer`, async (t) => {
    await initBackend(backend);
    // λ = 4 three times over a decaying rest: one Krylov space holds one vector of the eigenspace, the others come
    // from breakdown restarts.
    const n = 80;
    const q = randomOrthonormalColumns(n, n, new Rng(8));
    const spectrum = Array.from({ length: n }, (_, i) => (i < 3 ? 4 : 2 * Math.pow(0.9, i)));
    const repeated = denseFromEigen(q, spectrum, n);
    const op = denseDeviceOperator(repeated, n);
    try {
      const res = await deviceLanczos(op, { k: 4, tol: 1e-5, seed: 9 });
      t.true(res.converged);
      // Within the repeated eigenspace the vectors are not unique: check values and residuals only.
      checkAgainstDense(t, res, repeated, n, 1e-5, 'repeated', false);
      for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) t.true(Math.abs(dot(res.eigenvectors[i]!, res.eigenvectors[j]!)) < 1e-5);
      t.log(
        `repeated λ=4 (×3): ${res.matvecs} matvecs, ${res.breakdowns} breakdowns, eigenvalues ${Array.from(res.eigenvalues, (x) => x.toFixed(7)).join(', ')}`,
      );
    } finally {
      op.dispose();
    }
    const m = 50;
    const rank3 = denseFromEigen(randomOrthonormalColumns(m, 3, new Rng(10)), [3, 2, 1], m);
    const op3 = denseDeviceOperator(rank3, m);
    try {
      const res = await deviceLanczos(op3, { k: 6, tol: 1e-5, seed: 11 });
      t.true(res.converged);
      t.true(res.breakdowns >= 1);
      [3, 2, 1].forEach((x, i) => t.true(Math.abs(res.eigenvalues[i]! - x) < 1e-5 * x, `λ${i} = ${res.eigenvalues[i]}`));
      for (let i = 3; i < 6; i++) t.true(Math.abs(res.eigenvalues[i]!) < 1e-6, `λ${i} = ${res.eigenvalues[i]}`);
      for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) t.true(Math.abs(dot(res.eigenvectors[i]!, res.eigenvectors[j]!)) < 1e-5);
    } finally {
      op3.dispose();
    }
  });

  test.serial(`[${backend}] reads per step are O(m) numbers; the one D-length read is the final eigenvectors; nothing leaks`, async (t) => {
    await initBackend(backend);
    const n = 200;
    const k = 4;
    const maxBasis = 12;
    const { matrix } = problem(n, 12);
    const op = denseDeviceOperator(matrix, n);
    const before = tf.memory().numTensors;
    try {
      const { result, reads } = await countingReads(() => deviceLanczos(op, { k, tol: 1e-5, seed: 13, maxBasis, maxIter: 300 }));
      t.true(result.converged);
      t.true(result.restarts > 0, 'the run includes thick restarts');
      t.is(reads.at(-1), k * n, 'the last read is the k eigenvectors');
      const perStep = reads.slice(0, -1);
      // The row of VᵀAV (2m + 1 ≤ 2·maxBasis + 1), two norms, or the k Ritz residuals: never anything of length D.
      t.true(Math.max(...perStep) <= 2 * maxBasis + 1, `largest per-step read ${Math.max(...perStep)}`);
      // At most three reads per matvec (row of VᵀAV, norms of a Gram–Schmidt pass, Ritz residuals), one per thick
      // restart (the kept block's residuals) and a few for the start and breakdown retries.
      const bound = 3 * result.matvecs + result.restarts + 3 * (result.breakdowns + 1);
      t.true(perStep.length <= bound, `${perStep.length} reads for ${result.matvecs} matvecs and ${result.restarts} restarts`);
      t.log(
        `${result.matvecs} matvecs, ${result.restarts} restarts: ${perStep.length} reads of ${perStep.reduce((a, b) => a + b, 0)} numbers in all (largest ${Math.max(...perStep)}), then ${k}×${n}`,
      );
      t.is(tf.memory().numTensors, before, 'no tensor left behind');
      // Again, with a warm start and through lanczosOnBackend; and an operator that fails mid-run.
      await lanczosOnBackend(op, { k, tol: 1e-5, seed: 14, start: result.eigenvectors });
      const bad = { size: n, matvecTensor: (v: tf.Tensor1D) => tf.div(v, 0) as tf.Tensor1D };
      await t.throwsAsync(deviceLanczos(bad, { k: 2, seed: 1 }), { message: /lanczos: matvec 1 returned non-finite values/ });
      t.is(tf.memory().numTensors, before, 'no tensor left behind after a warm start or a failure');
    } finally {
      op.dispose();
    }
  });

  test.serial(`[${backend}] device and host Lanczos agree; errors name the values`, async (t) => {
    await initBackend(backend);
    const n = 100;
    const { matrix } = problem(n, 15);
    const op = denseDeviceOperator(matrix, n);
    try {
      const device = await deviceLanczos(op, { k: 3, tol: 1e-6, seed: 16 });
      const host = await lanczos(denseOperator(matrix, n), { k: 3, tol: 1e-9, seed: 16 });
      for (let i = 0; i < 3; i++) t.true(Math.abs(device.eigenvalues[i]! - host.eigenvalues[i]!) <= 1e-6 * Math.abs(host.eigenvalues[i]!), `λ${i}`);
      await t.throwsAsync(deviceLanczos(op, { k: 101, seed: 1 }), { message: 'lanczos: k=101 exceeds operator size 100' });
      await t.throwsAsync(deviceLanczos(op, { k: 2, seed: 1, start: [new Float64Array(3)] }), { message: /start vector 0 has length 3, expected 100/ });
      const wrong = { size: n, matvecTensor: () => tf.zeros([n - 1]) as tf.Tensor1D };
      await t.throwsAsync(deviceLanczos(wrong, { k: 2, seed: 1 }), { message: /matvec returned shape \[99\], expected \[100\]/ });
    } finally {
      op.dispose();
    }
  });
}

/** A small batch for the paper CNN (28×28×1, 10 classes). */
function cnnBatch(rng: Rng, n: number) {
  return {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 784)), [n, 28, 28, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(10)),
      'int32',
    ),
  };
}

/** Top-3 of the CNN's Hessian at a seeded point on `backend` (device Lanczos there on webgpu, host Lanczos elsewhere). */
async function cnnTop3(backend: 'cpu' | 'webgpu'): Promise<LanczosResult> {
  await initBackend(backend);
  const model = createCnn();
  const rng = new Rng(71);
  const w = model.init(rng);
  const batch = cnnBatch(rng, 6);
  const op = hessianOperator(model, w, batch);
  try {
    return await lanczosOnBackend(op, { k: 3, tol: 1e-4, maxIter: 120, seed: 72 });
  } finally {
    op.dispose();
    tf.dispose([batch.x, batch.y]);
  }
}

(WEBGPU_TESTS.ok ? test.serial : test.serial.skip)('paper CNN Hessian: device Lanczos top-3 on webgpu agrees with host Lanczos on cpu', async (t) => {
  const gpu = await cnnTop3('webgpu');
  const cpu = await cnnTop3('cpu');
  t.true(gpu.converged && cpu.converged);
  const errs = Array.from(gpu.eigenvalues, (x, i) => Math.abs(x - cpu.eigenvalues[i]!) / Math.abs(cpu.eigenvalues[i]!));
  t.log(
    `D=11330: webgpu ${Array.from(gpu.eigenvalues, (x) => x.toPrecision(7)).join(', ')} (${gpu.matvecs} matvecs), cpu ${Array.from(cpu.eigenvalues, (x) => x.toPrecision(7)).join(', ')} (${cpu.matvecs} matvecs); relative differences ${errs.map((e) => e.toExponential(1)).join(', ')}`,
  );
  errs.forEach((e, i) => t.true(e <= 1e-4, `λ${i + 1}: ${e}`));
  for (let i = 0; i < 3; i++) t.true(Math.abs(Math.abs(dot(gpu.eigenvectors[i]!, cpu.eigenvectors[i]!)) - 1) < 1e-2, `eigenvector ${i + 1}`);
});
