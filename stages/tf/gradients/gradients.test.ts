/**
 * First and second derivatives through every kernel whose gradient stages/tf/gradients registers, on wasm and cpu,
 * against closed forms and float64 loop references. Each row is (id, dimension, f, reference gradient, reference
 * Hessian-vector product); every row runs on every backend.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../numerics/random.ts';
import { initBackend } from '../backend.ts';
import { gradOf, logSoftmax, stopGradient } from '../ops.ts';
import { refConv2d, refConv2dFilterGrad, refConv2dInputGrad, refMaxPoolArgmax } from '../reference.ts';
import { doubleBackpropHvp, readF64, relErr, TEST_BACKENDS, dot } from '../testing.ts';

interface Row {
  readonly id: string;
  readonly dim: number;
  /** Scalar function of a flat float32 parameter vector. */
  readonly f: (w: tf.Tensor1D) => tf.Scalar;
  /** The point to differentiate at. */
  readonly point: (rng: Rng) => Float64Array;
  readonly grad: (w: Float64Array) => Float64Array;
  readonly hvp: (w: Float64Array, v: Float64Array) => Float64Array;
  readonly tol: number;
}

const diagHvp = (h: (w: Float64Array) => Float64Array) => (w: Float64Array, v: Float64Array) => {
  const d = h(w);
  return d.map((di, i) => di * v[i]!);
};
const map = (w: Float64Array, f: (x: number, i: number) => number) => Float64Array.from(w, f);
const normals = (rng: Rng, n: number, std = 1) => rng.fillNormal(new Float64Array(n), 0, std);
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const MM_B = Float64Array.from(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)));
const coeffs = (n: number) => Float64Array.from({ length: n }, (_, i) => 0.5 + 0.25 * i);

// ---------- conv rows: quadratic / bilinear functions whose Hessians are products of loop-reference convs ----------
interface ConvGeom {
  n: number;
  H: number;
  W: number;
  ci: number;
  co: number;
  k: number;
  pad: 'valid' | 'same';
}
const geoms: ConvGeom[] = [
  { n: 2, H: 6, W: 5, ci: 2, co: 3, k: 3, pad: 'valid' },
  { n: 2, H: 5, W: 5, ci: 2, co: 2, k: 3, pad: 'same' },
  { n: 3, H: 8, W: 8, ci: 1, co: 2, k: 5, pad: 'valid' },
];
function convRows(g: ConvGeom): Row[] {
  const p = g.pad === 'same' ? (g.k - 1) / 2 : 0;
  const Ho = g.H + 2 * p - g.k + 1;
  const Wo = g.W + 2 * p - g.k + 1;
  const xShape = [g.n, g.H, g.W, g.ci] as const;
  const wShape = [g.k, g.k, g.ci, g.co] as const;
  const yShape = [g.n, Ho, Wo, g.co] as const;
  const xSize = g.n * g.H * g.W * g.ci;
  const wSize = g.k * g.k * g.ci * g.co;
  const ySize = g.n * Ho * Wo * g.co;
  const dataRng = new Rng(7);
  const x = normals(dataRng, xSize);
  const W = normals(dataRng, wSize, 0.5);
  const c = normals(dataRng, ySize);
  const conv = (xx: ArrayLike<number>, ww: ArrayLike<number>) => refConv2d({ shape: xShape, data: xx }, { shape: wShape, data: ww }, p);
  const convTx = (dy: ArrayLike<number>, ww: ArrayLike<number>) => refConv2dInputGrad({ shape: yShape, data: dy }, { shape: wShape, data: ww }, g.H, g.W, p);
  const convTw = (xx: ArrayLike<number>, dy: ArrayLike<number>) => refConv2dFilterGrad({ shape: xShape, data: xx }, { shape: yShape, data: dy }, g.k, g.k, p);
  const tfConv = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(tf.reshape(xx, [...xShape]) as tf.Tensor4D, tf.reshape(ww, [...wShape]) as tf.Tensor4D, 1, g.pad);
  const tag = `conv ${g.k}×${g.k} ${g.pad} ci=${g.ci} co=${g.co}`;
  return [
    {
      id: `${tag}: ½‖conv(x, W)‖² in W`,
      dim: wSize,
      f: (w) => tf.mul(0.5, tf.sum(tf.square(tfConv(tf.tensor(f32(x), [...xShape], 'float32'), w)))) as tf.Scalar,
      point: (rng) => normals(rng, wSize, 0.5),
      grad: (w) => convTw(x, conv(x, w)),
      hvp: (_w, v) => convTw(x, conv(x, v)),
      tol: 2e-5,
    },
    {
      id: `${tag}: ½‖conv(x, W)‖² in x`,
      dim: xSize,
      f: (xx) => tf.mul(0.5, tf.sum(tf.square(tfConv(xx, tf.tensor(f32(W), [...wShape], 'float32'))))) as tf.Scalar,
      point: (rng) => normals(rng, xSize),
      grad: (xx) => convTx(conv(xx, W), W),
      hvp: (_xx, v) => convTx(conv(v, W), W),
      tol: 2e-5,
    },
    {
      id: `${tag}: Σ c ⊙ conv(x, W) jointly in (x, W)`,
      dim: xSize + wSize,
      f: (u) => {
        const [xx, ww] = tf.split(u, [xSize, wSize]) as [tf.Tensor1D, tf.Tensor1D];
        return tf.sum(tf.mul(tfConv(xx, ww), tf.tensor(f32(c), [...yShape], 'float32'))) as tf.Scalar;
      },
      point: (rng) => normals(rng, xSize + wSize, 0.7),
      grad: (u) => {
        const xx = u.subarray(0, xSize);
        const ww = u.subarray(xSize);
        return Float64Array.from([...convTx(c, ww), ...convTw(xx, c)]);
      },
      hvp: (_u, v) => {
        const vx = v.subarray(0, xSize);
        const vw = v.subarray(xSize);
        return Float64Array.from([...convTx(c, vw), ...convTw(vx, c)]);
      },
      tol: 2e-5,
    },
  ];
}

// ---------- max-pool row: ½ Σ c ⊙ maxpool(x)², Hessian Pᵀ diag(c) P with P the first-maximum selector ----------
function maxPoolRow(): Row {
  const shape = [2, 8, 6, 3] as const;
  const size = 2 * 8 * 6 * 3;
  const outSize = size / 4;
  const c = coeffs(outSize);
  const pick = (x: Float64Array) => refMaxPoolArgmax({ shape, data: x }, 2);
  return {
    id: 'maxPool 2×2: ½ Σ c ⊙ maxpool(x)²',
    dim: size,
    f: (x) =>
      tf.mul(
        0.5,
        tf.sum(tf.mul(tf.square(tf.maxPool(tf.reshape(x, [...shape]) as tf.Tensor4D, 2, 2, 'valid')), tf.tensor(f32(c), [2, 4, 3, 3], 'float32'))),
      ) as tf.Scalar,
    point: (rng) => normals(rng, size),
    grad: (x) => {
      const arg = pick(x);
      const g = new Float64Array(size);
      arg.forEach((idx, o) => (g[idx] = c[o]! * x[idx]!));
      return g;
    },
    hvp: (x, v) => {
      const arg = pick(x);
      const hv = new Float64Array(size);
      arg.forEach((idx, o) => (hv[idx] = c[o]! * v[idx]!));
      return hv;
    },
    tol: 1e-6,
  };
}

const rows: Row[] = [
  {
    id: 'Exp: log Σ exp(w)',
    dim: 6,
    f: (w) => tf.log(tf.sum(tf.exp(w))) as tf.Scalar,
    point: (rng) => normals(rng, 6),
    grad: (w) => softmax64(w),
    hvp: (w, v) => {
      const p = softmax64(w);
      const pv = dot(p, v);
      return map(p, (pi, i) => pi * v[i]! - pi * pv);
    },
    tol: 1e-5,
  },
  {
    id: 'Tanh: Σ c·tanh(w)',
    dim: 5,
    f: (w) => tf.sum(tf.mul(tf.tanh(w), tf.tensor1d(f32(coeffs(5))))) as tf.Scalar,
    point: (rng) => normals(rng, 5),
    grad: (w) => map(w, (x, i) => coeffs(5)[i]! * (1 - Math.tanh(x) ** 2)),
    hvp: diagHvp((w) => map(w, (x, i) => coeffs(5)[i]! * -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2))),
    tol: 1e-5,
  },
  {
    id: 'Sigmoid: Σ c·σ(w)',
    dim: 5,
    f: (w) => tf.sum(tf.mul(tf.sigmoid(w), tf.tensor1d(f32(coeffs(5))))) as tf.Scalar,
    point: (rng) => normals(rng, 5),
    grad: (w) =>
      map(w, (x, i) => {
        const s = 1 / (1 + Math.exp(-x));
        return coeffs(5)[i]! * s * (1 - s);
      }),
    hvp: diagHvp((w) =>
      map(w, (x, i) => {
        const s = 1 / (1 + Math.exp(-x));
        return coeffs(5)[i]! * s * (1 - s) * (1 - 2 * s);
      }),
    ),
    tol: 1e-5,
  },
  {
    id: 'Softmax: Σ c·softmax(w)',
    dim: 5,
    f: (w) => tf.sum(tf.mul(tf.softmax(tf.reshape(w, [1, 5])), tf.tensor2d(f32(coeffs(5)), [1, 5]))) as tf.Scalar,
    point: (rng) => normals(rng, 5),
    grad: (w) => {
      const p = softmax64(w);
      const cbar = dot(coeffs(5), p);
      return map(p, (pj, j) => pj * (coeffs(5)[j]! - cbar));
    },
    hvp: (w, v) => {
      const p = softmax64(w);
      const c = coeffs(5);
      const cbar = dot(c, p);
      const out = new Float64Array(5);
      for (let j = 0; j < 5; j++)
        for (let k = 0; k < 5; k++) {
          const h = p[j]! * ((j === k ? 1 : 0) - p[k]!) * (c[j]! - cbar) - p[j]! * p[k]! * (c[k]! - cbar);
          out[j] = out[j]! + h * v[k]!;
        }
      return out;
    },
    tol: 2e-5,
  },
  {
    id: 'Pow: Σ aʷ + Σ w³',
    dim: 4,
    f: (w) => tf.add(tf.sum(tf.pow(tf.tensor1d([0.5, 1.5, 2, 3], 'float32'), w)), tf.sum(tf.pow(w, tf.scalar(3)))) as tf.Scalar,
    point: (rng) => map(normals(rng, 4), (x) => 0.5 + Math.abs(x)),
    grad: (w) =>
      map(w, (x, i) => {
        const a = [0.5, 1.5, 2, 3][i]!;
        return a ** x * Math.log(a) + 3 * x * x;
      }),
    hvp: diagHvp((w) =>
      map(w, (x, i) => {
        const a = [0.5, 1.5, 2, 3][i]!;
        return a ** x * Math.log(a) ** 2 + 6 * x;
      }),
    ),
    tol: 2e-5,
  },
  {
    id: 'logSoftmax (ops.ts): −Σ logSoftmax(w)[label] over rows',
    dim: 8,
    f: (w) => tf.neg(tf.sum(tf.mul(logSoftmax(tf.reshape(w, [2, 4])), tf.tensor2d([0, 1, 0, 0, 0, 0, 0, 1], [2, 4], 'float32')))) as tf.Scalar,
    point: (rng) => normals(rng, 8, 2),
    grad: (w) => {
      const g = new Float64Array(8);
      [1, 3].forEach((label, r) => softmax64(w.subarray(4 * r, 4 * r + 4)).forEach((p, j) => (g[4 * r + j] = p - (j === label ? 1 : 0))));
      return g;
    },
    hvp: (w, v) => {
      const out = new Float64Array(8);
      for (let r = 0; r < 2; r++) {
        const p = softmax64(w.subarray(4 * r, 4 * r + 4));
        const vr = v.subarray(4 * r, 4 * r + 4);
        const pv = dot(p, vr);
        p.forEach((pj, j) => (out[4 * r + j] = pj * vr[j]! - pj * pv));
      }
      return out;
    },
    tol: 1e-5,
  },
  {
    id: 'comparisons: Σ max(w,0)² + Σ c·clip(w,−.5,.5)² + Σ min(w,.2)³ (Maximum, ClipByValue, Minimum masks)',
    dim: 7,
    f: (w) =>
      tf.addN([
        tf.sum(tf.square(tf.maximum(w, 0))),
        tf.sum(tf.mul(tf.square(tf.clipByValue(w, -0.5, 0.5)), tf.tensor1d(f32(coeffs(7))))),
        tf.sum(tf.pow(tf.minimum(w, 0.2), tf.scalar(3))),
      ]) as tf.Scalar,
    point: () => Float64Array.from([-1.3, -0.7, -0.3, 0.1, 0.35, 0.8, 1.7]),
    grad: (w) => map(w, (x, i) => 2 * Math.max(x, 0) + (Math.abs(x) < 0.5 ? 2 * coeffs(7)[i]! * x : 0) + (x < 0.2 ? 3 * x * x : 0)),
    hvp: diagHvp((w) => map(w, (x, i) => (x > 0 ? 2 : 0) + (Math.abs(x) < 0.5 ? 2 * coeffs(7)[i]! : 0) + (x < 0.2 ? 6 * x : 0))),
    tol: 1e-5,
  },
  {
    id: 'StopGradient: Σ stop(w)·w² (stop(w) is a constant)',
    dim: 4,
    f: (w) => tf.sum(tf.mul(stopGradient(w), tf.square(w))) as tf.Scalar,
    point: (rng) => normals(rng, 4),
    grad: (w) => map(w, (x) => 2 * x * x),
    hvp: (w, v) => map(w, (x, i) => 2 * x * v[i]!),
    tol: 1e-5,
  },
  {
    id: 'Sum, Mean: Σ_j (Σ_i W_ij)² + mean(W²) over a 3×4 W',
    dim: 12,
    f: (w) => {
      const W = tf.reshape(w, [3, 4]);
      return tf.add(tf.sum(tf.square(tf.sum(W, 0))), tf.mean(tf.square(W))) as tf.Scalar;
    },
    point: (rng) => normals(rng, 12),
    grad: (w) =>
      map(w, (x, k) => {
        const j = k % 4;
        const col = w[j]! + w[4 + j]! + w[8 + j]!;
        return 2 * col + (2 * x) / 12;
      }),
    hvp: (_w, v) =>
      map(v, (x, k) => {
        const j = k % 4;
        return 2 * (v[j]! + v[4 + j]! + v[8 + j]!) + (2 * x) / 12;
      }),
    tol: 1e-5,
  },
  {
    id: 'BatchMatMul (all transposes in the gradients): ½‖A·B‖² in A, A 5×4, B 4×3',
    dim: 20,
    f: (w) => tf.mul(0.5, tf.sum(tf.square(tf.matMul(tf.reshape(w, [5, 4]), tf.tensor2d(f32(MM_B), [4, 3]))))) as tf.Scalar,
    point: (rng) => normals(rng, 20),
    grad: (w) => matmul64(matmul64(w, MM_B, 5, 4, 3), transpose64(MM_B, 4, 3), 5, 3, 4),
    hvp: (_w, v) => matmul64(matmul64(v, MM_B, 5, 4, 3), transpose64(MM_B, 4, 3), 5, 3, 4),
    tol: 1e-5,
  },
  maxPoolRow(),
  ...geoms.flatMap(convRows),
];

function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l]! * b[l * m + j]!;
      out[i * m + j] = s;
    }
  return out;
}
function transpose64(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j]!;
  return out;
}

function softmax64(w: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < w.length; i++) m = Math.max(m, w[i]!);
  const e = Float64Array.from({ length: w.length }, (_, i) => Math.exp(w[i]! - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

for (const backend of TEST_BACKENDS) {
  for (const row of rows) {
    test.serial(`[${backend}] ${row.id}: gradient and Hessian-vector products match the reference`, async (t) => {
      await initBackend(backend);
      const rng = new Rng(11);
      const w64 = row.point(rng);
      const w32 = Float64Array.from(Float32Array.from(w64)); // the point the float32 code actually sees
      const before = tf.memory().numTensors;
      const w = tf.tensor1d(Float32Array.from(w64));
      const g = tf.tidy(() => gradOf(row.f)(w));
      const gradErr = relErr(await readF64(g), row.grad(w32));
      t.log(`gradient rel err ${gradErr.toExponential(2)} (tol ${row.tol})`);
      t.true(gradErr < row.tol, `gradient rel err ${gradErr}`);
      const vs = [normals(rng, row.dim), normals(rng, row.dim)];
      const hvs: Float64Array[] = [];
      for (const v64 of vs) {
        const v32 = Float64Array.from(Float32Array.from(v64));
        const v = tf.tensor1d(Float32Array.from(v64));
        const hv = doubleBackpropHvp(row.f, w, v);
        const got = await readF64(hv);
        hvs.push(got);
        const err = relErr(got, row.hvp(w32, v32));
        t.log(`HVP rel err ${err.toExponential(2)} (tol ${row.tol})`);
        t.true(err < row.tol, `HVP rel err ${err.toExponential(2)} (tol ${row.tol})`);
        tf.dispose([v, hv]);
      }
      // symmetry: v₀ᵀ H v₁ = v₁ᵀ H v₀
      const a = dot(vs[0]!, hvs[1]!);
      const b = dot(vs[1]!, hvs[0]!);
      t.true(Math.abs(a - b) <= 1e-4 * Math.max(1e-6, Math.abs(a), Math.abs(b)), `asymmetry ${a} vs ${b}`);
      tf.dispose([w, g]);
      t.is(tf.memory().numTensors, before, 'no tensors leaked');
    });
  }
}
