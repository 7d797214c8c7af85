/**
 * Gradients and curvature of a FlatModel at a flat parameter vector: full-batch and minibatch value + gradient,
 * per-example gradients, exact Hessian-vector products by double backprop (one-off `hvp`, or an `hvpSession` that
 * records the forward and first backward pass once for many products), the Hessian as a LinearOperator, and the
 * expected sharpness E_ν[L(θ+ν)] − L(θ). Needs the gradient and kernel registrations of initBackend.
 *
 * Every function takes `w` as a tf.Tensor1D or a Float32Array and leaves its arguments untouched; tensor results
 * belong to the caller. `chunkSize` splits a large batch into chunks processed one after another (the mean loss and
 * everything derived from it are chunk-size-weighted sums, so results do not depend on the chunking beyond float32
 * rounding) to bound memory.
 */
import { tf } from '../tf/tfjs.ts';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { DeviceOperator } from '../numerics/device-operator.ts';
import type { LinearOperator } from '../numerics/operator.ts';
import { evaluateClassifier } from './evaluate.ts';
import { perturbationChange, type FlatnessMode } from '../numerics/flatness.ts';
import type { Rng } from '../numerics/random.ts';
import { gradOf } from '../tf/ops.ts';
import { readAll, readTensor } from '../tf/read.ts';
import { filterTape, recordTape, tapeVjp, type Tape } from '../tf/tape.ts';
import { asParamTensor, type Batch, type FlatModel } from './model.ts';

/** Options shared by the batch-level functions. */
export interface ChunkOptions {
  /** Examples per chunk (default: the whole batch at once). */
  readonly chunkSize?: number;
  /** valueAndGrad only: false keeps tfjs's autodiff where the model has a fused native path (default true). */
  readonly fused?: boolean;
}

/** Number of examples in a batch. */
export function batchSize(batch: Batch): number {
  return batch.x.shape[0]!;
}

/** Examples [start, start + size) of a batch as new tensors (caller disposes). */
export function sliceBatch(batch: Batch, start: number, size: number): Batch {
  const n = batchSize(batch);
  if (start < 0 || size < 1 || start + size > n) throw new Error(`sliceBatch: rows [${start}, ${start + size}) of ${n}`);
  const cut = (t: Tensor) => tf.slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)]);
  return batch.y ? { x: cut(batch.x), y: cut(batch.y) } : { x: cut(batch.x) };
}

/** The examples at `indices` (a minibatch) as new tensors (caller disposes). */
export function gatherBatch(batch: Batch, indices: ArrayLike<number>): Batch {
  return tf.tidy(() => {
    const idx = tf.tensor1d(Int32Array.from(indices), 'int32');
    const x = tf.gather(batch.x, idx);
    return batch.y ? { x, y: tf.gather(batch.y, idx) } : { x };
  });
}

/** Disposes the tensors of a batch. */
export function disposeBatch(batch: Batch): void {
  tf.dispose(batch.y ? [batch.x, batch.y] : [batch.x]);
}

/** Runs `f` on each chunk with weight n_chunk / n and sums the (tensor) results; memory stays at one chunk. */
function overChunks<T extends Tensor>(batch: Batch, opts: ChunkOptions, f: (chunk: Batch, weight: number) => T): T {
  const n = batchSize(batch);
  const size = Math.min(n, Math.max(1, Math.floor(opts.chunkSize ?? n)));
  if (size >= n) return tf.tidy(() => f(batch, 1));
  let acc: T | null = null;
  for (let start = 0; start < n; start += size) {
    const m = Math.min(size, n - start);
    const part = tf.tidy(() => f(sliceBatch(batch, start, m), m / n));
    if (acc === null) acc = part;
    else {
      const next: T = tf.add(acc, part);
      tf.dispose([acc, part]);
      acc = next;
    }
  }
  return acc!;
}

/** Mean loss and its gradient: `const {value, grad} = valueAndGrad(model, w, batch)` (a minibatch is just a batch). */
export function valueAndGrad(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch, opts: ChunkOptions = {}): { value: Scalar; grad: Tensor1D } {
  const fused = opts.fused === false ? null : model.fusedValueAndGrad?.(w, batch);
  if (fused) return { value: tf.scalar(fused.value), grad: tf.tensor1d(fused.grad) };
  const p = asParamTensor(w, model.size);
  try {
    const stacked = overChunks(batch, opts, (chunk, weight) => {
      const { value, grad } = tf.valueAndGrad((u: Tensor) => model.loss(u as Tensor1D, chunk))(p.w);
      return tf.concat([tf.reshape(tf.mul(value, weight), [1]), tf.mul(grad, weight)]) as Tensor1D;
    });
    const [value, grad] = tf.split(stacked, [1, model.size]) as [Tensor1D, Tensor1D];
    const scalar = tf.reshape(value, []) as Scalar;
    tf.dispose([stacked, value]);
    return { value: scalar, grad };
  } finally {
    if (p.owned) p.w.dispose();
  }
}

/**
 * `valueAndGrad` read back to JS: the mean loss as a number and the gradient as a Float32Array (an awaited read, so
 * it works on webgpu too). Example: `const { value, grad } = await valueAndGradRead(model, w, batch)`.
 */
export async function valueAndGradRead(
  model: FlatModel,
  w: Tensor1D | Float32Array,
  batch: Batch,
  opts: ChunkOptions = {},
): Promise<{ value: number; grad: Float32Array }> {
  const fused = opts.fused === false ? null : model.fusedValueAndGrad?.(w, batch);
  if (fused) return { value: Math.fround(fused.value), grad: fused.grad };
  const { value, grad } = valueAndGrad(model, w, batch, opts);
  try {
    const [v, g] = await readAll([value, grad]);
    return { value: v![0]!, grad: g as Float32Array };
  } finally {
    tf.dispose([value, grad]);
  }
}

/** Mean loss and gradient on the minibatch `indices` of `batch` (gathered, used, and freed). */
export function minibatchValueAndGrad(
  model: FlatModel,
  w: Tensor1D | Float32Array,
  batch: Batch,
  indices: ArrayLike<number>,
): { value: Scalar; grad: Tensor1D } {
  const fused = model.fusedValueAndGrad?.(w, batch, indices);
  if (fused) return { value: tf.scalar(fused.value), grad: tf.tensor1d(fused.grad) };
  const mini = gatherBatch(batch, indices);
  try {
    return valueAndGrad(model, w, mini);
  } finally {
    disposeBatch(mini);
  }
}

/**
 * The weighted loss (1/N)Σ_i weights_i·ℓ_i(w) over the N examples of `batch` and its gradient (1/N)Σ_i weights_i·∇ℓ_i,
 * from one backward pass over the examples of non-zero weight only (M-SGD's step, stages/noise/example-weights.ts).
 * Where those weights are all equal to c (Bernoulli M-SGD: a random subset at weight N/m) it is c·|rows|/N times
 * `minibatchValueAndGrad` on those rows, the model's fused native path included; otherwise tfjs's autodiff of
 * Σ_i weights_i·ℓ_i / N. No example kept: value 0 and a zero gradient. Example:
 * `weightedValueAndGrad(model, w, batch, Float64Array.of(1, 0, 2))`.
 */
export function weightedValueAndGrad(
  model: FlatModel,
  w: Tensor1D | Float32Array,
  batch: Batch,
  weights: Float64Array,
  opts: ChunkOptions = {},
): { value: Scalar; grad: Tensor1D } {
  const n = batchSize(batch);
  if (weights.length !== n) throw new Error(`weightedValueAndGrad: ${weights.length} weights for ${n} examples`);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (weights[i] !== 0) rows.push(i);
  if (rows.length === 0) return { value: tf.scalar(0), grad: tf.zeros([model.size]) as Tensor1D };
  const c = weights[rows[0]!]!;
  if (rows.every((i) => weights[i] === c)) {
    const mini = rows.length === n ? valueAndGrad(model, w, batch, opts) : minibatchValueAndGrad(model, w, batch, rows);
    const scale = (c * rows.length) / n;
    if (scale === 1) return mini;
    const out = tf.tidy(() => ({ value: tf.mul(mini.value, scale) as Scalar, grad: tf.mul(mini.grad, scale) as Tensor1D }));
    tf.dispose([mini.value, mini.grad]);
    return out;
  }
  const p = asParamTensor(w, model.size);
  const part = rows.length === n ? batch : gatherBatch(batch, rows);
  try {
    const kept = tf.tensor1d(Float32Array.from(rows, (i) => weights[i]! / n));
    try {
      // chunks of the kept rows, each with its own slice of the weights; memory stays at one chunk
      const k = rows.length;
      const size = Math.min(k, Math.max(1, Math.floor(opts.chunkSize ?? k)));
      let stacked: Tensor1D | null = null;
      for (let start = 0; start < k; start += size) {
        const len = Math.min(size, k - start);
        const piece = tf.tidy(() => {
          const chunk = len === k ? part : sliceBatch(part, start, len);
          const wc = len === k ? kept : tf.slice(kept, [start], [len]);
          const loss = (u: Tensor) => tf.sum(tf.mul(model.perExampleLoss(u as Tensor1D, chunk), wc)) as Scalar;
          const { value, grad } = tf.valueAndGrad(loss)(p.w);
          return tf.concat([tf.reshape(value, [1]), grad]) as Tensor1D;
        });
        if (stacked === null) stacked = piece;
        else {
          const next: Tensor1D = tf.add(stacked, piece);
          tf.dispose([stacked, piece]);
          stacked = next;
        }
      }
      const [value, grad] = tf.split(stacked!, [1, model.size]) as [Tensor1D, Tensor1D];
      const scalar = tf.reshape(value, []) as Scalar;
      tf.dispose([stacked!, value]);
      return { value: scalar, grad };
    } finally {
      kept.dispose();
    }
  } finally {
    if (part !== batch) disposeBatch(part);
    if (p.owned) p.w.dispose();
  }
}

/** Mean loss in float64 (per-example float32 losses summed in float64). Example: `await meanLoss(model, w, batch)`. */
export async function meanLoss(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch, opts: ChunkOptions = {}): Promise<number> {
  const p = asParamTensor(w, model.size);
  try {
    const n = batchSize(batch);
    const size = Math.min(n, Math.max(1, Math.floor(opts.chunkSize ?? n)));
    let sum = 0;
    for (let start = 0; start < n; start += size) {
      const m = Math.min(size, n - start);
      const losses = tf.tidy(() => model.perExampleLoss(p.w, m === n ? batch : sliceBatch(batch, start, m)));
      try {
        for (const l of await readTensor(losses)) sum += l;
      } finally {
        losses.dispose();
      }
    }
    return sum / n;
  } finally {
    if (p.owned) p.w.dispose();
  }
}

/** ∇ℓᵢ(w) for every example as an n×D float32 matrix, from batched backward passes (one per chunk). */
export function perExampleGradients(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch, opts: ChunkOptions = {}): Tensor2D {
  const p = asParamTensor(w, model.size);
  try {
    const n = batchSize(batch);
    const size = Math.min(n, Math.max(1, Math.floor(opts.chunkSize ?? n)));
    if (size >= n) return model.perExampleGradients(p.w, batch);
    const parts: Tensor2D[] = [];
    for (let start = 0; start < n; start += size) {
      parts.push(tf.tidy(() => model.perExampleGradients(p.w, sliceBatch(batch, start, Math.min(size, n - start)))));
    }
    const out = tf.concat(parts, 0);
    tf.dispose(parts);
    return out;
  } finally {
    if (p.owned) p.w.dispose();
  }
}

/** The test oracle for `perExampleGradients`: one gradient of the loss of each single example, stacked (slow). */
export function perExampleGradientsLoop(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch): Tensor2D {
  const p = asParamTensor(w, model.size);
  try {
    const n = batchSize(batch);
    const rows: Tensor1D[] = [];
    for (let i = 0; i < n; i++) {
      rows.push(tf.tidy(() => gradOf((u: Tensor1D) => model.loss(u, sliceBatch(batch, i, 1)))(p.w)));
    }
    const out = tf.stack(rows) as Tensor2D;
    tf.dispose(rows);
    return out;
  } finally {
    if (p.owned) p.w.dispose();
  }
}

/**
 * Exact Hessian-vector product H(w)·v of the mean loss, by double backprop: ∇_w(∇_w L(w) · v). Example:
 * `hvp(model, w, batch, v)`. Float32 throughout; requires the gradient registrations of initBackend.
 */
export function hvp(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch, v: Tensor1D | Float32Array, opts: ChunkOptions = {}): Tensor1D {
  const p = asParamTensor(w, model.size);
  const q = asParamTensor(v, model.size);
  try {
    return overChunks(batch, opts, (chunk, weight) => {
      const inner = gradOf((u: Tensor1D) => model.loss(u, chunk));
      const hv = gradOf((u: Tensor1D) => tf.sum(tf.mul(inner(u), q.w)))(p.w);
      return weight === 1 ? hv : tf.mul(hv, weight);
    });
  } finally {
    if (p.owned) p.w.dispose();
    if (q.owned) q.w.dispose();
  }
}

/** Hessian-vector products at one fixed (w, batch), sharing one recorded forward + first backward pass. */
export interface HvpSession {
  /** H(w)·v for the session's w and batch (a new tensor). */
  hvp(v: Tensor1D | Float32Array): Tensor1D;
  /** Frees the recorded tape (the forward activations and first-backward tensors saved for the second pass). */
  dispose(): void;
}

/**
 * Opens an HVP session at (w, batch): the forward pass and the first backward pass are recorded once, and each
 * `hvp(v)` only runs the second backward pass (∇_w(g·v) with g = ∇L(w) from the recording): about 1.5 gradients
 * per product instead of 2.5 on the paper CNN. Holds the recorded activations until `dispose()`. Example:
 * `const s = hvpSession(model, w, batch); s.hvp(v1); s.hvp(v2); s.dispose()`.
 */
export function hvpSession(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch): HvpSession {
  const wt = tf.keep(w instanceof tf.Tensor ? tf.clone(w) : tf.tensor1d(w));
  if (wt.shape[0] !== model.size) {
    wt.dispose();
    throw new Error(`hvpSession: w has ${wt.shape[0]} entries, ${model.name} has ${model.size}`);
  }
  let g: Tensor1D;
  let tape: Tape;
  try {
    ({ result: g, tape } = recordTape(() => tf.keep(tf.tidy(() => gradOf((u: Tensor1D) => model.loss(u, batch))(wt)))));
  } catch (err) {
    wt.dispose();
    throw err;
  }
  const filtered = filterTape(tape.nodes, [wt], g);
  let disposed = false;
  return {
    hvp(v) {
      if (disposed) throw new Error('hvpSession: hvp after dispose()');
      const q = asParamTensor(v, model.size);
      try {
        return tapeVjp(filtered, [wt], g, q.w)[0] as Tensor1D;
      } finally {
        if (q.owned) q.w.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tape.dispose();
      tf.dispose([g, wt]);
    },
  };
}

/**
 * A LinearOperator whose products are read back asynchronously and that holds tensors until `dispose()`; it also
 * applies on the device (`matvecTensor`: tensor in, tensor out, nothing read back).
 */
export interface DisposableOperator extends LinearOperator, DeviceOperator {
  /** The product, read back without blocking (works on webgpu). */
  matvec(v: Float64Array): Promise<Float64Array>;
  /** Frees the operator's copy of w. */
  dispose(): void;
}

/** Options of `hessianOperator`. */
export interface HessianOptions extends ChunkOptions {
  /**
   * Record the forward and first backward pass once (an `hvpSession` per chunk) and reuse them for every matvec:
   * ~40% faster per product, but the recorded activations of the whole batch stay in memory until `dispose()`.
   * Default: true without `chunkSize`, false with it (chunking is for bounding memory).
   */
  readonly reuseTape?: boolean;
}

/**
 * The Hessian of the mean loss at w as a LinearOperator (float64 in and out, float32 inside): each matvec is one
 * Hessian-vector product; `matvecTensor` is the same product on a tensor, left on the device (what deviceLanczos
 * uses on webgpu). Call `dispose()` when done. Example: `lanczos(hessianOperator(model, w, batch), 20)`.
 */
export function hessianOperator(model: FlatModel, w: Tensor1D | Float32Array | Float64Array, batch: Batch, opts: HessianOptions = {}): DisposableOperator {
  const wt = tf.keep(w instanceof tf.Tensor ? tf.clone(w) : tf.tensor1d(Float32Array.from(w)));
  if (wt.shape[0] !== model.size) {
    wt.dispose();
    throw new Error(`hessianOperator: w has ${wt.shape[0]} entries, ${model.name} has ${model.size}`);
  }
  const reuse = opts.reuseTape ?? opts.chunkSize === undefined;
  const n = batchSize(batch);
  const size = Math.min(n, Math.max(1, Math.floor(opts.chunkSize ?? n)));
  const sessions: { session: HvpSession; weight: number; chunk: Batch | null }[] = [];
  if (reuse) {
    for (let start = 0; start < n; start += size) {
      const m = Math.min(size, n - start);
      const chunk = m === n ? null : sliceBatch(batch, start, m);
      sessions.push({ session: hvpSession(model, wt, chunk ?? batch), weight: m / n, chunk });
    }
  }
  const sessionsHvp = (v: Float32Array | Tensor1D): Tensor1D =>
    tf.tidy(() => {
      let acc: Tensor1D | null = null;
      for (const { session, weight } of sessions) {
        const part = weight === 1 ? session.hvp(v) : (tf.mul(session.hvp(v), weight) as Tensor1D);
        acc = acc ? (tf.add(acc, part) as Tensor1D) : part;
      }
      return acc!;
    });
  let disposed = false;
  return {
    size: model.size,
    matvecTensor(v: Tensor1D): Tensor1D {
      if (disposed) throw new Error('hessianOperator: matvec after dispose()');
      if (v.shape.length !== 1 || v.shape[0] !== model.size) throw new Error(`hessianOperator: vector of shape [${v.shape}], expected [${model.size}]`);
      return reuse ? sessionsHvp(v) : hvp(model, wt, batch, v, opts);
    },
    async matvec(v: Float64Array): Promise<Float64Array> {
      if (disposed) throw new Error('hessianOperator: matvec after dispose()');
      if (v.length !== model.size) throw new Error(`hessianOperator: vector of length ${v.length}, expected ${model.size}`);
      const v32 = Float32Array.from(v);
      const hv = reuse ? sessionsHvp(v32) : hvp(model, wt, batch, v32, opts);
      try {
        return Float64Array.from(await readTensor(hv));
      } finally {
        hv.dispose();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const { session, chunk } of sessions) {
        session.dispose();
        if (chunk) disposeBatch(chunk);
      }
      wt.dispose();
    },
  };
}

/** The dense D×D Hessian (row-major float64), assembled column by column from D HVPs; for small models only. */
export async function denseHessian(model: FlatModel, w: Tensor1D | Float32Array, batch: Batch, opts: ChunkOptions = {}): Promise<Float64Array> {
  const D = model.size;
  if (D > 4096) throw new Error(`denseHessian: D = ${D} is too large for a dense Hessian (limit 4096)`);
  const op = hessianOperator(model, w, batch, opts);
  try {
    const H = new Float64Array(D * D);
    const e = new Float64Array(D);
    for (let j = 0; j < D; j++) {
      e.fill(0);
      e[j] = 1;
      const col = await op.matvec(e);
      for (let i = 0; i < D; i++) H[i * D + j] = col[i]!;
    }
    return H;
  } finally {
    op.dispose();
  }
}

/** Options of `expectedSharpness`. */
export interface SharpnessOptions extends ChunkOptions {
  /** Standard deviation δ of the isotropic Gaussian perturbation ν ~ N(0, δ²I). */
  readonly delta: number;
  /** Number of perturbations drawn (with `antithetic`, each is used as +ν and −ν). */
  readonly samples: number;
  readonly rng: Rng;
  /** Average L(θ+ν) and L(θ−ν) for each draw, cancelling the first-order term exactly (default true; unbiased). */
  readonly antithetic?: boolean;
  /** `signed` (default): E[L(θ+ν)] − L(θ). `absolute`: E|L(θ+ν) − L(θ)| (the released flatness.py protocol). */
  readonly mode?: FlatnessMode;
  /** With a test set, the same draws also give the (signed or absolute) change of test accuracy. */
  readonly test?: Batch;
}

/** An expected-sharpness estimate with its Monte-Carlo standard error. */
export interface SharpnessEstimate {
  /** Estimate of E_ν[L(θ+ν)] − L(θ) (signed) or E_ν|L(θ+ν) − L(θ)| (absolute). */
  readonly estimate: number;
  /** Standard error of `estimate` (sample std of the per-draw values / √samples). */
  readonly stderr: number;
  /** Number of independent draws. */
  readonly samples: number;
  /** Number of loss evaluations at perturbed points. */
  readonly evaluations: number;
  readonly delta: number;
  readonly antithetic: boolean;
  readonly mode: FlatnessMode;
  /** L(θ). */
  readonly baseLoss: number;
  /** Change of test accuracy (fraction) under the same draws, when a test set was given. */
  readonly testAccuracyChange?: { estimate: number; stderr: number; base: number };
}

/**
 * Expected sharpness E_ν[L(θ+ν)] − L(θ), ν ~ N(0, δ²I), by Monte Carlo over `samples` draws from `rng` (or, with
 * mode `absolute`, E|L(θ+ν) − L(θ)|). Example: `await expectedSharpness(model, w, batch, {delta: 0.01, samples: 50, rng: new Rng(1)})`.
 */
export async function expectedSharpness(model: FlatModel, w: Float32Array, batch: Batch, opts: SharpnessOptions): Promise<SharpnessEstimate> {
  if (w.length !== model.size) throw new Error(`expectedSharpness: w has ${w.length} entries, ${model.name} has ${model.size}`);
  const test = opts.test;
  const metrics = async (x: Float32Array): Promise<number[]> => {
    const loss = await meanLoss(model, x, batch, opts);
    return test ? [loss, (await evaluateClassifier(model, x, test, { chunk: opts.chunkSize })).accuracy] : [loss];
  };
  let r: Awaited<ReturnType<typeof perturbationChange>>;
  try {
    r = await perturbationChange(metrics, w, { delta: opts.delta, samples: opts.samples, rng: opts.rng, mode: opts.mode, antithetic: opts.antithetic });
  } catch (e) {
    throw new Error(`expectedSharpness: ${(e as Error).message.replace(/^perturbationChange: /, '')}`);
  }
  return {
    estimate: r.mean[0]!,
    stderr: r.stderr[0]!,
    samples: r.samples,
    evaluations: r.evaluations,
    delta: r.delta,
    antithetic: r.antithetic,
    mode: r.mode,
    baseLoss: r.base[0]!,
    ...(test ? { testAccuracyChange: { estimate: r.mean[1]!, stderr: r.stderr[1]!, base: r.base[1]! } } : {}),
  };
}
