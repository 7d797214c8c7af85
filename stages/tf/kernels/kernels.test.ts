/**
 * The kernel replacements against the backends' own kernels: the conv filter gradient on wasm (which has no kernel)
 * and cpu against cpu's stock kernel; the input gradient and MaxPoolGrad (ties included) against each backend's own;
 * fallbacks, clear errors, idempotent registration and no leaks.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../numerics/random.ts';
import { initBackend } from '../backend.ts';
import { gradOf } from '../ops.ts';
import { refConv2dFilterGrad, refMaxPoolArgmax } from '../reference.ts';
import { readFloat32 } from '../read.ts';
import { readF64, relErr, seededNormal, TEST_BACKENDS } from '../testing.ts';
import { flipTransposeFilter } from './conv2d_backprop_input.ts';
import { maxPoolArgmaxMask, maxPoolPick } from './max_pool_grad.ts';
import { registerAllKernels, restoreStockKernels, stockKernel } from './register_all_kernels.ts';

/** Runs the backend's stock kernel (the one registerAllKernels replaced) and returns its output as float64. */
async function runStock(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): Promise<Float64Array> {
  const stock = stockKernel(kernelName, tf.getBackend());
  if (!stock) throw new Error(`no stock ${kernelName} on ${tf.getBackend()}`);
  const info = stock.kernelFunc({ inputs, backend: tf.backend(), attrs }) as tf.TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const out = (await readF64(t)).map((v) => v + 0); // −0 → 0
  t.dispose();
  return out;
}

/** Runs whatever kernel is registered now (ours after initBackend). */
async function runKernel(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): Promise<Float64Array> {
  const t = tf.engine().runKernel(kernelName, inputs, attrs) as tf.Tensor;
  const out = (await readF64(t)).map((v) => v + 0); // −0 → 0
  t.dispose();
  return out;
}

interface ConvCase {
  id: string;
  x: number[];
  k: number;
  co: number;
  pad: 'valid' | 'same';
}
const convCases: ConvCase[] = [
  { id: 'paper CNN conv1 (5×5 valid, 1→10)', x: [6, 28, 28, 1], k: 5, co: 10, pad: 'valid' },
  { id: 'paper CNN conv2 (5×5 valid, 10→10)', x: [5, 12, 12, 10], k: 5, co: 10, pad: 'valid' },
  { id: 'VGG-like (3×3 same, 8→16)', x: [3, 8, 8, 8], k: 3, co: 16, pad: 'same' },
];

for (const c of convCases) {
  test.serial(`Conv2DBackpropFilter: ${c.id}: wasm and cpu replacements equal cpu's stock kernel and a loop reference`, async (t) => {
    await initBackend('cpu');
    const rng = new Rng(3);
    const x = seededNormal(rng, c.x) as tf.Tensor4D;
    const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3]!, c.co];
    const p = c.pad === 'same' ? (c.k - 1) / 2 : 0;
    const dyShape = [c.x[0]!, c.x[1]! + 2 * p - c.k + 1, c.x[2]! + 2 * p - c.k + 1, c.co];
    const dy = seededNormal(rng, dyShape) as tf.Tensor4D;
    const attrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
    const stock = await runStock('Conv2DBackpropFilter', { x, dy }, attrs);
    const xs = await readFloat32(x);
    const dys = await readFloat32(dy);
    const loop = refConv2dFilterGrad({ shape: x.shape, data: xs }, { shape: dyShape as [number, number, number, number], data: dys }, c.k, c.k, p);
    t.true(relErr(stock, loop) < 1e-5, 'cpu stock kernel agrees with the loop reference');
    tf.dispose([x, dy]);
    for (const backend of TEST_BACKENDS) {
      await initBackend(backend);
      const before = tf.memory().numTensors;
      const xb = tf.tensor4d(xs, x.shape);
      const dyb = tf.tensor4d(dys, dyShape as [number, number, number, number]);
      // webgpu has no replacement: its own kernel runs, against the same cpu reference
      const ours = await runKernel('Conv2DBackpropFilter', { x: xb, dy: dyb }, attrs);
      t.log(`[${backend}] rel err ${relErr(ours, stock).toExponential(2)}`);
      t.true(relErr(ours, stock) < 1e-5, `[${backend}] rel err ${relErr(ours, stock)}`);
      // through the public API: the stock Conv2D gradient now runs on wasm too
      const viaGrad = tf.tidy(() => gradOf((w: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(xb, w, 1, c.pad), dyb)))(tf.zeros(filterShape)));
      t.true(relErr(await readF64(viaGrad), stock) < 1e-5, `[${backend}] via tf.grad`);
      tf.dispose([xb, dyb, viaGrad]);
      t.is(tf.memory().numTensors, before, 'no leaked tensors');
    }
  });
}

// webgpu keeps its own Conv2DBackpropInput (no replacement is registered there, so there is nothing to compare here);
// its agreement with cpu is checked by the Conv2DBackpropFilter tests above (through tf.grad) and webgpu.test.ts.
for (const backend of TEST_BACKENDS.filter((b) => b !== 'webgpu')) {
  test.serial(`[${backend}] Conv2DBackpropInput replacement equals the backend's own kernel (valid and same)`, async (t) => {
    await initBackend(backend);
    const rng = new Rng(4);
    for (const [pad, k] of [
      ['valid', 5],
      ['same', 3],
      ['valid', 3],
    ] as const) {
      const inputShape: [number, number, number, number] = [3, 9, 7, 4];
      const p = pad === 'same' ? (k - 1) / 2 : 0;
      const dy = seededNormal(rng, [3, 9 + 2 * p - k + 1, 7 + 2 * p - k + 1, 5]);
      const filter = seededNormal(rng, [k, k, 4, 5]);
      const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', inputShape } as unknown as tf.NamedAttrMap;
      const err = relErr(await runKernel('Conv2DBackpropInput', { dy, filter }, attrs), await runStock('Conv2DBackpropInput', { dy, filter }, attrs));
      t.true(err < 1e-5, `${pad} ${k}×${k}: rel err ${err}`);
      tf.dispose([dy, filter]);
    }
  });
}

for (const backend of TEST_BACKENDS) {
  test.serial(`[${backend}] MaxPoolGrad replacement equals a loop reference (no ties)`, async (t) => {
    await initBackend(backend);
    const rng = new Rng(5);
    const x = seededNormal(rng, [3, 8, 6, 4]) as tf.Tensor4D;
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = seededNormal(rng, y.shape);
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as unknown as tf.NamedAttrMap;
    const inputs = { dy, input: x, output: y };
    const expected = new Float64Array(x.size);
    const dyv = await readF64(dy);
    refMaxPoolArgmax({ shape: x.shape, data: await readF64(x) }, 2).forEach((idx, o) => (expected[idx] = dyv[o]!));
    t.deepEqual(Array.from(await runKernel('MaxPoolGrad', inputs, attrs)), Array.from(expected));
    const stockErr = relErr(await runStock('MaxPoolGrad', inputs, attrs), expected);
    // tfjs-backend-wasm 4.22's own MaxPoolGrad misroutes gradients for inputs 6 or more wide; cpu's is right.
    t.log(`${backend}'s stock MaxPoolGrad: rel err ${stockErr.toExponential(2)} vs the loop reference`);
    if (backend === 'cpu') t.is(stockErr, 0);
    tf.dispose([x, y, dy]);
  });
}

test.serial('overlapping max-pool windows: cpu and webgpu fall back to their own MaxPoolGrad, wasm (whose own is wrong) fails clearly', async (t) => {
  const rng = new Rng(6);
  const xRaw = rng.fillNormal(new Float32Array(2 * 7 * 7 * 3));
  const dyRaw = rng.fillNormal(new Float32Array(2 * 3 * 3 * 3));
  const attrs = { filterSize: [3, 3], strides: [2, 2], pad: 'valid' } as unknown as tf.NamedAttrMap;
  let cpuResult: Float64Array | null = null;
  // cpu before webgpu, whose fallback is checked against cpu's (normal draws: no ties, so the routing is unambiguous)
  for (const backend of [...TEST_BACKENDS].sort((a, b) => Number(a === 'webgpu') - Number(b === 'webgpu'))) {
    await initBackend(backend);
    const x = tf.tensor4d(xRaw, [2, 7, 7, 3]);
    const y = tf.maxPool(x, 3, 2, 'valid');
    const dy = tf.tensor4d(dyRaw, [2, 3, 3, 3]);
    const inputs = { dy, input: x, output: y };
    if (backend === 'cpu') {
      cpuResult = await runKernel('MaxPoolGrad', inputs, attrs);
      t.deepEqual(Array.from(cpuResult), Array.from(await runStock('MaxPoolGrad', inputs, attrs)));
    } else if (backend === 'webgpu') {
      const gpu = await runKernel('MaxPoolGrad', inputs, attrs);
      t.deepEqual(Array.from(gpu), Array.from(await runStock('MaxPoolGrad', inputs, attrs)), 'webgpu: its own kernel');
      const err = relErr(gpu, cpuResult!);
      t.log(`webgpu's overlapping-window MaxPoolGrad vs cpu's: rel err ${err.toExponential(2)}`);
      t.true(err < 1e-6, 'webgpu agrees with cpu (overlapping windows sum up to 4 gradients per position, order may differ)');
    } else {
      const err = await t.throwsAsync(runKernel('MaxPoolGrad', inputs, attrs));
      t.regex(err?.message ?? '', /MaxPoolGrad on backend 'wasm': only non-overlapping windows/);
    }
    tf.dispose([x, y, dy]);
  }
});

test.serial('wasm max-pool forward (tiling windows, wide inputs) equals a loop reference', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(9);
  for (const shape of [
    [2, 6, 6, 3],
    [3, 8, 6, 4],
    [1, 24, 24, 10],
  ] as [number, number, number, number][]) {
    const x = seededNormal(rng, shape) as tf.Tensor4D;
    const y = tf.maxPool(x, 2, 2, 'valid');
    const xv = await readF64(x);
    const expected = Array.from(refMaxPoolArgmax({ shape, data: xv }, 2), (idx) => xv[idx]!);
    t.deepEqual(Array.from(await readF64(y)), expected, `shape [${shape}]`);
    tf.dispose([x, y]);
  }
});

test.serial("MaxPoolGrad with ties: one position per window, the first maximum, as cpu's stock kernel (wasm's and webgpu's differ)", async (t) => {
  // relu of rounded values: many exact ties (zeros and repeated small integers) inside windows
  const rng = new Rng(5);
  const raw = Float32Array.from(rng.fillNormal(new Float32Array(3 * 8 * 6 * 4), 0, 2), (v) => Math.max(0, Math.round(v)));
  const dyRaw = rng.fillNormal(new Float32Array(3 * 4 * 3 * 4));
  const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as unknown as tf.NamedAttrMap;
  let reference: Float64Array | null = null;
  for (const backend of ['cpu', ...TEST_BACKENDS.filter((b) => b === 'wasm' || b === 'webgpu')] as const) {
    await initBackend(backend);
    const x = tf.tensor4d(raw, [3, 8, 6, 4]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.tensor4d(dyRaw, [3, 4, 3, 4]);
    const inputs = { dy, input: x, output: y };
    const ours = await runKernel('MaxPoolGrad', inputs, attrs);
    if (backend === 'cpu') reference = await runStock('MaxPoolGrad', inputs, attrs);
    t.deepEqual(Array.from(ours), Array.from(reference!), `[${backend}] equals cpu's stock kernel`);
    let nonzero = 0;
    for (const v of ours) if (v !== 0) nonzero++;
    t.is(nonzero, dy.size, 'exactly one position per window receives the gradient');
    tf.dispose([x, y, dy]);
  }
});

test.serial('MaxPoolPick (the gradient of MaxPoolGrad) equals the mask form kh·kw·avgPool(M ⊙ D) bit for bit, ties included, and is its adjoint', async (t) => {
  const rng = new Rng(8);
  const raw = Float32Array.from(rng.fillNormal(new Float32Array(3 * 8 * 6 * 4), 0, 2), (v, i) => (i % 3 === 0 ? Math.max(0, Math.round(v)) : v));
  const dRaw = rng.fillNormal(new Float32Array(raw.length));
  const dyRaw = rng.fillNormal(new Float32Array(3 * 4 * 3 * 4));
  let cpuMaskForm: Float64Array | null = null;
  // cpu first: webgpu is compared with cpu's mask form (maxPoolArgmaxMask reads synchronously, which webgpu cannot)
  for (const backend of [...TEST_BACKENDS].sort((a, b) => Number(b === 'cpu') - Number(a === 'cpu'))) {
    await initBackend(backend);
    const x = tf.tensor4d(raw, [3, 8, 6, 4]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const d = tf.tensor4d(dRaw, [3, 8, 6, 4]);
    const dy = tf.tensor4d(dyRaw, [3, 4, 3, 4]);
    const picked = maxPoolPick(x, d, 2, 2);
    let maskForm: Float64Array;
    if (backend === 'webgpu') maskForm = cpuMaskForm!;
    else {
      const m = tf.tidy(() => tf.mul(tf.avgPool(tf.mul(maxPoolArgmaxMask(x, y, 2, 2), d) as tf.Tensor4D, 2, 2, 'valid'), 4));
      maskForm = await readF64(m);
      m.dispose();
      if (backend === 'cpu') cpuMaskForm = maskForm;
    }
    t.deepEqual(Array.from(await readF64(picked)), Array.from(maskForm), `[${backend}] equals the mask form${backend === 'webgpu' ? ' (on cpu)' : ''}`);
    const dx = tf
      .engine()
      .runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const sums = tf.tidy(() => [tf.sum(tf.mul(dx, d)), tf.sum(tf.mul(dy, picked))]);
    const lhs = (await readF64(sums[0]!))[0]!;
    const rhs = (await readF64(sums[1]!))[0]!;
    t.true(Math.abs(lhs - rhs) <= 1e-5 * Math.max(1, Math.abs(lhs)), `[${backend}] <MaxPoolGrad(dy), D> = <dy, Pick(D)>: ${lhs} vs ${rhs}`);
    tf.dispose([x, y, d, dy, picked, dx, ...sums]);
  }
});

test.serial('wasm Sum over leading axes (bias gradients) equals the stock kernel bit for bit; other reductions are the stock ones', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(12);
  const cases: [number[], number[], boolean][] = [
    [[300, 24, 24, 10], [0, 1, 2], false],
    [[7, 5, 3], [0, 1], true],
    [[7, 5, 3], [1, 0], false], // axes out of order: the stock kernel (it sums in another order)
    [[40, 50], [0], false],
    [[6, 4, 5], [1, 2], false], // trailing axes: the stock kernel
    [[6, 4, 5], [0, 1, 2], false], // everything: the stock kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    const x = seededNormal(rng, shape);
    const ours = await runKernel('Sum', { x }, { axis, keepDims } as unknown as tf.NamedAttrMap);
    const stock = await runStock('Sum', { x }, { axis, keepDims } as unknown as tf.NamedAttrMap);
    t.deepEqual(Array.from(ours), Array.from(stock), `[${shape}] over [${axis}]${keepDims ? ', keepDims' : ''}`);
    const shapeOut = tf.engine().runKernel('Sum', { x }, { axis, keepDims } as unknown as tf.NamedAttrMap) as tf.Tensor;
    t.deepEqual(shapeOut.shape, tf.sum(tf.clone(x), axis, keepDims).shape);
    tf.dispose([x, shapeOut]);
  }
});

test.serial('wasm Identity shares the data: a clone outlives its disposed source', async (t) => {
  await initBackend('wasm');
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  t.is(y.dataId, x.dataId, 'no copy was made');
  x.dispose();
  t.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  y.dispose();
});

test.serial('strided conv filter gradients: cpu falls back to its stock kernel, wasm fails with a clear error', async (t) => {
  const attrs = { strides: [2, 2], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2] } as unknown as tf.NamedAttrMap;
  await initBackend('cpu');
  const rng = new Rng(8);
  const x = seededNormal(rng, [2, 7, 7, 2]);
  const dy = seededNormal(rng, [2, 3, 3, 2]);
  t.deepEqual(Array.from(await runKernel('Conv2DBackpropFilter', { x, dy }, attrs)), Array.from(await runStock('Conv2DBackpropFilter', { x, dy }, attrs)));
  await initBackend('wasm');
  const err = await t.throwsAsync(runKernel('Conv2DBackpropFilter', { x, dy }, attrs));
  t.regex(err?.message ?? '', /Conv2DBackpropFilter on backend 'wasm'.*stride 1/);
  tf.dispose([x, dy]);
});

test.serial('wasm BatchMatMul replacement equals the stock kernel for every transpose combination, batched too', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(10);
  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    for (const batch of [[], [3]]) {
      const a = seededNormal(rng, [...batch, ...(transposeA ? [4, 5] : [5, 4])]);
      const b = seededNormal(rng, [...batch, ...(transposeB ? [6, 4] : [4, 6])]);
      const attrs = { transposeA, transposeB, bias: null, activation: 'linear' } as unknown as tf.NamedAttrMap;
      const before = tf.memory().numTensors;
      const ours = await runKernel('BatchMatMul', { a, b }, attrs);
      t.is(tf.memory().numTensors, before, 'no leaked transposes');
      const err = relErr(ours, await runStock('BatchMatMul', { a, b }, attrs));
      t.true(err < 1e-6, `tA=${transposeA} tB=${transposeB} batch=[${batch}]: rel err ${err}`);
      tf.dispose([a, b]);
    }
  }
});

test.serial('wasm Slice and SplitV replacements equal the stock kernels (contiguous and strided, float32 and int32)', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(12);
  const f = seededNormal(rng, [6, 5, 4]);
  const i = tf.cast(tf.mul(f, 100), 'int32');
  for (const x of [f, i]) {
    for (const [begin, size] of [
      [
        [2, 0, 0],
        [3, 5, 4],
      ],
      [
        [0, 0, 0],
        [1, 5, 4],
      ],
      [
        [1, 2, 1],
        [2, 3, 2],
      ],
      [
        [0, 1, 0],
        [6, 1, 4],
      ],
    ]) {
      const attrs = { begin, size } as unknown as tf.NamedAttrMap;
      t.deepEqual(Array.from(await runKernel('Slice', { x }, attrs)), Array.from(await runStock('Slice', { x }, attrs)), `${x.dtype} slice ${begin} ${size}`);
    }
    for (const [numOrSizeSplits, axis] of [
      [[1, 3, 2], 0],
      [3, 0],
      [[2, 3], 1],
      [2, 2],
    ] as const) {
      const attrs = { numOrSizeSplits, axis } as unknown as tf.NamedAttrMap;
      const ours = tf.engine().runKernel('SplitV', { x }, attrs) as unknown as tf.Tensor[];
      const stock = stockKernel('SplitV', 'wasm')!.kernelFunc({ inputs: { x }, backend: tf.backend(), attrs }) as tf.TensorInfo[];
      t.is(ours.length, stock.length);
      ours.forEach((o, k) => {
        const st = tf.engine().makeTensorFromTensorInfo(stock[k]!);
        t.deepEqual(o.shape, st.shape);
        t.deepEqual(Array.from(o.dataSync()), Array.from(st.dataSync()), `${x.dtype} split ${numOrSizeSplits} axis ${axis} part ${k}`);
        tf.dispose([o, st]);
      });
    }
  }
  tf.dispose([f, i]);
});

test.serial('flipTransposeFilter equals reverse ∘ transpose', async (t) => {
  await initBackend('wasm');
  const w = seededNormal(new Rng(13), [3, 5, 2, 4]) as tf.Tensor4D;
  const ours = flipTransposeFilter(w);
  const ref = tf.reverse(tf.transpose(w, [0, 1, 3, 2]), [0, 1]);
  t.deepEqual(ours.shape, [3, 5, 4, 2]);
  t.deepEqual(Array.from(ours.dataSync()), Array.from(ref.dataSync()));
  tf.dispose([w, ours, ref]);
});

test.serial('registerAllKernels is idempotent and restoreStockKernels puts the stock kernels back', async (t) => {
  await initBackend('cpu');
  const ours = tf.getKernel('Conv2DBackpropFilter', 'cpu') as tf.KernelConfig | undefined;
  registerAllKernels('cpu');
  t.is(tf.getKernel('Conv2DBackpropFilter', 'cpu') as tf.KernelConfig | undefined, ours, 'second registration changes nothing');
  const stock = stockKernel('Conv2DBackpropFilter', 'cpu');
  t.truthy(stock);
  t.not(stock, ours);
  restoreStockKernels('cpu');
  t.is(tf.getKernel('Conv2DBackpropFilter', 'cpu') as tf.KernelConfig | undefined, stock);
  t.is(tf.getKernel('StopGradient', 'cpu') as tf.KernelConfig | undefined, undefined, 'added kernels are removed');
  registerAllKernels('cpu');
  t.is(stockKernel('Conv2DBackpropFilter', 'cpu'), stock, 'the stock kernel is remembered again');
  t.not(tf.getKernel('Conv2DBackpropFilter', 'cpu') as tf.KernelConfig | undefined, stock);
});
