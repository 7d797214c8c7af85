/**
 * Lanczos with the search space on the tfjs backend: the same Krylov–Davidson loop as `lanczos` (lanczos.ts:
 * Rayleigh–Ritz in float64 on the host, thick restarts, warm starts, true residuals from stored products, breakdown
 * restarts, the same result record) over a `KrylovStore` whose basis V and products W = A·V are float32 tensors
 * [m, D] on the device. Per step the host receives O(m) numbers: the new row of VᵀAV (2m + 1), the norms around a
 * Gram–Schmidt pass (2) and the Ritz residual norms (≤ k); no D-length vector crosses in either direction, except
 * the start vectors (uploaded once per call, and a random vector on a breakdown) and the k eigenvectors read once
 * at the end. This is what the Hessian's top-k uses on webgpu (`lanczosOnBackend`).
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { readFloat32 } from '../tf/read.ts';
import { hasDeviceMatvec, type DeviceOperator } from './device-operator.ts';
import { lanczos, lanczosOver, type KrylovStore, type LanczosOptions, type LanczosResult, type RitzBlock } from './lanczos.ts';
import type { LinearOperator } from './operator.ts';

/**
 * The rounding level of the device store: a Ritz residual ≤ DEVICE_ROUNDOFF·‖A‖ counts as converged (float32 unit
 * roundoff 6e-8 times ~17, room for the rounding of A·v itself and of the float32 combinations V·s; on dense test
 * matrices the residuals of converged pairs bottom out at 1e-7 to 3e-7·‖A‖ on cpu and webgpu). The host store uses
 * 1e3·2⁻⁵² ≈ 2.2e-13.
 */
export const DEVICE_ROUNDOFF = 1e-6;

/** A device Ritz block: Ritz vectors Y, products AY and residuals R, each a [count, D] float32 tensor. */
interface DeviceRitz extends RitzBlock {
  readonly vectors: Tensor2D;
  readonly products: Tensor2D;
  readonly residualVectors: Tensor2D;
}

const isRitz = (x: Tensor1D | DeviceRitz): x is DeviceRitz => !(x instanceof tf.Tensor);

/** The search space as stacked float32 tensors on the active backend; each matvec is `op.matvecTensor`. */
export function deviceStore(op: DeviceOperator): KrylovStore<Tensor1D, DeviceRitz> {
  const size = op.size;
  let V: Tensor2D | null = null;
  let W: Tensor2D | null = null;
  const dim = () => (V === null ? 0 : V.shape[0]);
  const column = (v: Tensor) => tf.reshape(v, [size, 1]);
  const read64 = async (t: Tensor): Promise<Float64Array> => {
    try {
      return Float64Array.from(await readFloat32(t));
    } finally {
      t.dispose();
    }
  };
  return {
    size,
    get dim() {
      return dim();
    },
    roundoff: DEVICE_ROUNDOFF,
    // Gram–Schmidt twice in float32 leaves ~1e-6 of a dependent vector; anything that small is not a new direction.
    dependentTol: 1e-4,
    randomTol: 1e-3,
    fromHost: (x) => tf.tensor1d(Float32Array.from(x)),
    random: (rng) => tf.tensor1d(Float32Array.from(rng.fillNormal(new Float64Array(size)))),
    async orthogonalize(v) {
      const basis = V;
      const out =
        basis === null
          ? v
          : tf.tidy(() => {
              let x: Tensor1D = v;
              for (let pass = 0; pass < 2; pass++) {
                const c = tf.matMul(basis, column(x));
                x = tf.sub(x, tf.reshape(tf.matMul(basis, c, true, false), [size]));
              }
              return x;
            });
      const norms = tf.tidy(() => tf.stack([tf.norm(v), tf.norm(out)]));
      if (out !== v) v.dispose();
      const [before, after] = await read64(norms);
      return { v: out, before: before!, after: after! };
    },
    scale(a, v) {
      const out = tf.mul(v, a) as Tensor1D;
      v.dispose();
      return out;
    },
    async extend(v, index) {
      let w: Tensor1D | null = null;
      try {
        w = op.matvecTensor(v);
        if (w.shape.length !== 1 || w.shape[0] !== size) throw new Error(`lanczos: matvec returned shape [${w.shape}], expected [${size}]`);
        if (w.dtype !== 'float32') throw new Error(`lanczos: matvec returned dtype ${w.dtype}, expected float32`);
        const m = dim();
        const product = w;
        const basis = V;
        const products = W;
        // One read: Vᵀ(Av), (AV)ᵀv and vᵀAv.
        const entries = tf.tidy(() => {
          const d = tf.reshape(tf.dot(v, product), [1]);
          if (basis === null || products === null) return d;
          return tf.concat([tf.reshape(tf.matMul(basis, column(product)), [m]), tf.reshape(tf.matMul(products, column(v)), [m]), d]);
        });
        const e = await read64(entries);
        if (!e.every(Number.isFinite)) throw new Error(`lanczos: matvec ${index} returned non-finite values (vᵀAv = ${e[2 * m]})`);
        const row = new Float64Array(m + 1);
        for (let i = 0; i < m; i++) row[i] = 0.5 * (e[i]! + e[m + i]!);
        row[m] = e[2 * m]!;
        const grow = (stack: Tensor2D | null, x: Tensor1D) => {
          const next = tf.tidy(() => (stack === null ? tf.reshape(x, [1, size]) : tf.concat([stack, tf.reshape(x, [1, size])], 0))) as Tensor2D;
          stack?.dispose();
          return next;
        };
        V = grow(V, v);
        W = grow(W, product);
        return row;
      } finally {
        v.dispose();
        w?.dispose();
      }
    },
    async ritz(coeffs, values, count) {
      const basis = V!;
      const products = W!;
      const m = basis.shape[0];
      const s = new Float32Array(count * m);
      for (let i = 0; i < count; i++) for (let j = 0; j < m; j++) s[i * m + j] = coeffs[i]![j]!;
      const theta = Float32Array.from(values.subarray(0, count));
      const [vectors, productsOut, residualVectors, norms] = tf.tidy(() => {
        const S = tf.tensor2d(s, [count, m]);
        const y = tf.matMul(S, basis);
        const scale = tf.sqrt(tf.sum(tf.square(y), 1, true));
        const yn = tf.div(y, scale) as Tensor2D;
        const ay = tf.div(tf.matMul(S, products), scale) as Tensor2D;
        const r = tf.sub(ay, tf.mul(tf.tensor2d(theta, [count, 1]), yn)) as Tensor2D;
        return [yn, ay, r, tf.sqrt(tf.sum(tf.square(r), 1))];
      }) as [Tensor2D, Tensor2D, Tensor2D, Tensor1D];
      let residuals: number[];
      try {
        residuals = Array.from(await read64(norms));
      } catch (err) {
        tf.dispose([vectors, productsOut, residualVectors]);
        throw err;
      }
      return { vectors, products: productsOut, residualVectors, residuals };
    },
    residual: (block, i) => tf.tidy(() => tf.reshape(tf.slice(block.residualVectors, [i, 0], [1, size]), [size])),
    restart(block) {
      tf.dispose([V!, W!, block.residualVectors]);
      V = block.vectors;
      W = block.products;
    },
    async eigenvectors(block) {
      const all = await readFloat32(block.vectors);
      return Array.from({ length: block.vectors.shape[0] }, (_, i) => Float64Array.from(all.subarray(i * size, (i + 1) * size)));
    },
    release(x) {
      if (isRitz(x)) tf.dispose([x.vectors, x.products, x.residualVectors]);
      else x.dispose();
    },
    dispose() {
      if (V) tf.dispose([V, W!]);
      V = W = null;
    },
  };
}

/**
 * Leading k eigenpairs of `op` with the search space on the device (float32). Options and result are `lanczos`'s;
 * eigenvectors come back as float64 arrays (read once at the end). Relative tolerances below ~1e-6 are limited by
 * float32 (`DEVICE_ROUNDOFF`). Example: `await deviceLanczos(denseDeviceOperator(a, n), {k: 3, tol: 1e-4, seed: 1})`.
 */
export async function deviceLanczos(op: DeviceOperator, options: LanczosOptions): Promise<LanczosResult> {
  return lanczosOver(deviceStore(op), options);
}

/**
 * `deviceLanczos` on webgpu when the operator applies on the device, `lanczos` (float64 on the host, unchanged)
 * everywhere else. Example: `await lanczosOnBackend(hessianOperator(model, w, batch), {k: 5, seed: 1})`.
 */
export async function lanczosOnBackend(op: LinearOperator, options: LanczosOptions): Promise<LanczosResult> {
  if (tf.getBackend() === 'webgpu' && hasDeviceMatvec(op)) return deviceLanczos(op, options);
  return lanczos(op, options);
}
