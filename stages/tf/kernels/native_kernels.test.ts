/**
 * The native kernels (native/, stages/tf/native.ts) against float64 loop references, across every instruction set
 * this CPU runs (which must agree bit for bit), their argument checks, and the tfjs kernels built on them. Skipped,
 * with the reason, where the addon is not built.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../numerics/random.ts';
import { initBackend, backendInfo } from '../backend.ts';
import { nativeAvailability, type NativeAddon } from '../native.ts';
import { refConv2d, refConv2dFilterGrad, refConv2dInputGrad } from '../reference.ts';
import { relErr } from '../testing.ts';
import { firstMaxIndices, pickAtFirstMax, scatterToFirstMax } from './max_pool_grad.ts';
import { biasRows, nativeMatmulDims } from './native_kernels.ts';
import { nativeKernelsActive } from './register_all_kernels.ts';

const available = nativeAvailability();
const nativeTest = available.ok ? test.serial : test.serial.skip;
if (!available.ok) console.log(`native kernel tests skipped: ${available.reason}`);
const addon = (available.ok ? available.addon : null) as NativeAddon;

function normal(rng: Rng, n: number): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, 1);
}

/** Runs `f` once per instruction set and checks that all outputs are bit-identical; returns the first. */
function acrossIsas(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, f: () => Float32Array): Float32Array {
  const before = addon.isa();
  const outs = addon.supportedIsas().map((isa) => {
    addon.useIsa(isa);
    return { isa, out: f() };
  });
  addon.useIsa(before);
  for (const o of outs.slice(1)) {
    t.deepEqual(new Uint32Array(o.out.buffer), new Uint32Array(outs[0]!.out.buffer), `${o.isa} equals ${outs[0]!.isa} bit for bit`);
  }
  return outs[0]!.out;
}

interface ConvCase {
  id: string;
  x: [number, number, number, number];
  k: number;
  co: number;
  pad: number;
}
const cases: ConvCase[] = [
  { id: 'paper CNN conv1 (5×5 valid, 1→10)', x: [3, 28, 28, 1], k: 5, co: 10, pad: 0 },
  { id: 'paper CNN conv2 (5×5 valid, 10→10)', x: [4, 12, 12, 10], k: 5, co: 10, pad: 0 },
  { id: 'VGG-like (3×3 same, 8→20: a full and a partial channel chunk)', x: [2, 9, 13, 8], k: 3, co: 20, pad: 1 },
  { id: 'odd widths (5×5 same pad 2, 3→33, 11 wide)', x: [2, 7, 11, 3], k: 5, co: 33, pad: 2 },
  { id: 'one output pixel per row (3×3 valid, 4×3 input, 2→1)', x: [2, 4, 3, 2], k: 3, co: 1, pad: 0 },
];

for (const c of cases) {
  nativeTest(`native conv2d, input and filter gradients: ${c.id}: float64 loop references, identical on every instruction set`, (t) => {
    const rng = new Rng(11);
    const [n, h, w, ci] = c.x;
    const ho = h + 2 * c.pad - c.k + 1;
    const wo = w + 2 * c.pad - c.k + 1;
    const x = normal(rng, n * h * w * ci);
    const f = normal(rng, c.k * c.k * ci * c.co);
    const dy = normal(rng, n * ho * wo * c.co);
    const dims = Int32Array.from([n, h, w, ci, c.k, c.k, c.co, ho, wo, c.pad, c.pad]);
    const xs = { shape: c.x, data: x } as const;
    const fs = { shape: [c.k, c.k, ci, c.co] as [number, number, number, number], data: f };
    const dys = { shape: [n, ho, wo, c.co] as [number, number, number, number], data: dy };

    const y = acrossIsas(t, () => {
      const out = new Float32Array(n * ho * wo * c.co);
      addon.conv2d(x, f, out, dims);
      return out;
    });
    t.true(relErr(y, refConv2d(xs, fs, c.pad)) < 1e-5, 'forward');
    const dx = acrossIsas(t, () => {
      const out = new Float32Array(x.length);
      addon.conv2dBackpropInput(dy, f, out, dims);
      return out;
    });
    t.true(relErr(dx, refConv2dInputGrad(dys, fs, h, w, c.pad)) < 1e-5, 'input gradient');
    const dw = acrossIsas(t, () => {
      const out = new Float32Array(f.length);
      addon.conv2dBackpropFilter(x, dy, out, dims);
      return out;
    });
    t.true(relErr(dw, refConv2dFilterGrad(xs, dys, c.k, c.k, c.pad)) < 1e-5, 'filter gradient');
  });
}

nativeTest('native filter gradient of a long sum (691,200 pixels) stays within 1e-6 of float64', (t) => {
  const rng = new Rng(5);
  const [n, h, w] = [1200, 28, 28];
  const x = normal(rng, n * h * w);
  const dy = normal(rng, n * 24 * 24 * 2);
  for (let i = 0; i < dy.length; i++) dy[i]! += 0.5; // a large mean, so the sum is long and does not cancel
  const out = new Float32Array(5 * 5 * 2);
  addon.conv2dBackpropFilter(x, dy, out, Int32Array.from([n, h, w, 1, 5, 5, 2, 24, 24, 0, 0]));
  const ref = refConv2dFilterGrad({ shape: [n, h, w, 1], data: x }, { shape: [n, 24, 24, 2], data: dy }, 5, 5, 0);
  t.true(relErr(out, ref) < 1e-6, `rel err ${relErr(out, ref)}`);
});

nativeTest('native max-pool scatter, pick and forward equal the JS kernels bit for bit, ties included, on every instruction set', (t) => {
  const rng = new Rng(7);
  for (const shape of [
    [3, 12, 8, 5],
    [2, 4, 6, 20],
    [1, 2, 2, 16],
  ]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from(normal(rng, size), (v) => Math.round(v * 2) / 2); // many ties
    for (const [kh, kw] of [
      [2, 2],
      [2, 1],
      [1, 2],
    ] as const) {
      const pooled = size / kh / kw;
      const dims = Int32Array.from([...shape, kh, kw]);
      const d = normal(rng, size);
      const dy = normal(rng, pooled);
      const want = new Float32Array(size);
      scatterToFirstMax(want, x, dy, shape, kh, kw);
      const got = acrossIsas(t, () => {
        const o = new Float32Array(size).fill(Number.NaN); // the kernel writes every entry of dx
        addon.maxPoolScatter(x, dy, o, dims);
        return o;
      });
      t.deepEqual(got, want, `scatter ${shape} ${kh}×${kw}`);
      const pickWant = new Float32Array(pooled);
      pickAtFirstMax(pickWant, x, d, shape, kh, kw);
      const pickGot = acrossIsas(t, () => {
        const o = new Float32Array(pooled);
        addon.maxPoolPick(x, d, o, dims);
        return o;
      });
      t.deepEqual(pickGot, pickWant, `pick ${shape} ${kh}×${kw}`);
      const fwd = acrossIsas(t, () => {
        const o = new Float32Array(pooled);
        addon.maxPoolForward(x, o, dims);
        return o;
      });
      t.deepEqual(
        fwd,
        Float32Array.from(firstMaxIndices(x, shape, kh, kw), (at) => x[at]!),
        `forward ${shape} ${kh}×${kw}`,
      );
    }
  }
});

nativeTest('native matmul: every transpose, batched and broadcast, against a float64 loop; identical on every instruction set', (t) => {
  const rng = new Rng(17);
  for (const [batchA, batchB, m, k, n] of [
    [1, 1, 20, 160, 50],
    [1, 1, 13, 7, 33],
    [3, 3, 5, 9, 17],
    [1, 4, 6, 5, 3],
    [2, 1, 1, 1, 1],
  ] as const) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const batch = Math.max(batchA, batchB);
        const a = normal(rng, batchA * m * k);
        const b = normal(rng, batchB * k * n);
        const dims = Int32Array.from([batch, batchA, batchB, m, k, n, ta ? 1 : 0, tb ? 1 : 0]);
        const out = acrossIsas(t, () => {
          const o = new Float32Array(batch * m * n);
          addon.matmul(a, b, o, dims);
          return o;
        });
        const ref = new Float64Array(batch * m * n);
        for (let bt = 0; bt < batch; bt++) {
          const ao = batchA === 1 ? 0 : bt * m * k;
          const bo = batchB === 1 ? 0 : bt * k * n;
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let acc = 0;
              for (let q = 0; q < k; q++) acc += a[ao + (ta ? q * m + i : i * k + q)]! * b[bo + (tb ? j * k + q : q * n + j)]!;
              ref[(bt * m + i) * n + j] = acc;
            }
        }
        t.true(relErr(out, ref) < 1e-5, `[${batchA},${batchB},${m},${k},${n}] ta=${ta} tb=${tb}: ${relErr(out, ref)}`);
      }
    }
  }
  t.deepEqual(nativeMatmulDims([2, 3, 4], [1, 4, 5], false, false)?.shape, [2, 3, 5]);
  t.is(nativeMatmulDims([2, 3, 4], [3, 4, 5], false, false), null, 'batches 2 and 3 do not broadcast');
  t.is(nativeMatmulDims([3, 4], [5, 6], false, false), null, 'inner sizes differ');
});

nativeTest('native row sum (float64 block totals) and bias add against float64 references', (t) => {
  const rng = new Rng(9);
  const rows = 70_001;
  const inner = 13;
  const x = normal(rng, rows * inner);
  const bias = normal(rng, inner);
  const sum = new Float32Array(inner);
  addon.sumRows(x, sum, Int32Array.from([rows, inner]));
  const ref = new Float64Array(inner);
  for (let r = 0; r < rows; r++) for (let j = 0; j < inner; j++) ref[j]! += x[r * inner + j]!;
  for (let j = 0; j < inner; j++) t.true(Math.abs(sum[j]! - ref[j]!) <= 1e-6 * Math.max(1, Math.abs(ref[j]!)) + 1e-3, `column ${j}`);
  const out = new Float32Array(rows * inner);
  addon.addRows(x, bias, out, Int32Array.from([rows, inner]));
  t.deepEqual(
    out,
    Float32Array.from(x, (v, i) => v + bias[i % inner]!),
  );
});

nativeTest('native kernels check every length against the dimensions and reject bad geometry with a clear error', (t) => {
  const dims = Int32Array.from([1, 6, 6, 1, 3, 3, 2, 4, 4, 0, 0]);
  const x = new Float32Array(36);
  const f = new Float32Array(18);
  t.throws(() => addon.conv2d(x, f, new Float32Array(31), dims), { message: /argument 3 has 31 entries, the dimensions need 32/ });
  t.throws(() => addon.conv2d(x.subarray(1), f, new Float32Array(32), dims), { message: /argument 1 has 35 entries/ });
  t.throws(() => addon.conv2d(x, f, new Float32Array(32), Int32Array.from([1, 6, 6, 1, 3, 3, 2, 4, 4, 3, 0])), { message: /unsupported convolution geometry/ });
  t.throws(() => addon.conv2dBackpropFilter(x, new Float64Array(32) as never, f, dims), { message: /argument 2 must be a Float32Array/ });
  t.throws(() => addon.maxPoolScatter(x, new Float32Array(9), new Float32Array(36), Int32Array.from([1, 6, 6, 1, 4, 4])), { message: /windows must tile/ });
  t.throws(() => addon.useIsa('sse9'), { message: /unknown instruction set sse9/ });
});

nativeTest("backend 'native': tfjs ops on it equal wasm's to float32 rounding, and non-bias Adds and other sums take wasm's kernels", async (t) => {
  await initBackend('native');
  t.true(nativeKernelsActive());
  const rng = new Rng(13);
  const x = tf.tensor4d(normal(rng, 2 * 10 * 10 * 3), [2, 10, 10, 3]);
  const f = tf.tensor4d(normal(rng, 3 * 3 * 3 * 4), [3, 3, 3, 4]);
  const bias = tf.tensor1d(normal(rng, 4));
  const other = tf.tensor4d(normal(rng, 2 * 8 * 8 * 4), [2, 8, 8, 4]);
  const run = () =>
    tf.tidy(() => {
      const y = tf.add(tf.conv2d(x, f, 1, 'valid'), bias) as tf.Tensor4D;
      const pooled = tf.maxPool(tf.add(y, other) as tf.Tensor4D, 2, 2, 'valid');
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), 2, 2, 'valid'))))(f);
      const flat = tf.reshape(pooled, [2, 64]);
      const mm = [
        tf.matMul(flat, flat, false, true),
        tf.matMul(flat, flat, true, false),
        tf.matMul(tf.reshape(flat, [2, 4, 16]), tf.reshape(flat, [2, 4, 16]), true, false),
      ];
      return [y, pooled, g, tf.sum(y, [0, 1, 2]), tf.sum(y, 3), ...mm].map((a) => a.dataSync().slice());
    });
  t.regex(backendInfo().label, /^native \((avx512|avx2|baseline)\)$/);
  const onNative = run();
  await initBackend('wasm');
  t.false(nativeKernelsActive());
  t.is(backendInfo().label, 'wasm');
  const onWasm = run();
  onNative.forEach((a, i) => t.true(relErr(a, onWasm[i]!) < 1e-5, `output ${i}: rel err ${relErr(a, onWasm[i]!)}`));
  tf.dispose([x, f, bias, other]);
  t.is(biasRows([2, 8, 8, 4], [4]), 128);
  t.is(biasRows([2, 8, 8, 4], [1, 1, 1, 4]), 128);
  t.is(biasRows([2, 8, 8, 4], [8, 4]), 0);
  t.is(biasRows([4], [4]), 0);
});
