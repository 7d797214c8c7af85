/**
 * The common interface of every model: ONE flat float32 parameter vector w ∈ R^D, split into named blocks.
 *
 * All tensor-valued methods return new tensors that the caller owns (dispose them or call inside tf.tidy), and
 * none of them modifies its arguments. Losses are per-example losses ℓᵢ(w); `loss` is their mean over the batch.
 */
import { tf } from '../tf/tfjs.ts';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Rng } from '../numerics/random.ts';

/** A batch: inputs x [n, ...inputShape] and, for supervised models, targets y [n] (int32 labels or float32). */
export interface Batch {
  readonly x: Tensor;
  readonly y?: Tensor;
}

/** One named block of the flat parameter vector, stored row-major at [offset, offset + size). */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** A model with a flat parameter vector; see the module comment for ownership rules. */
export interface FlatModel {
  /** Identifier, e.g. 'cnn' or 'vgg11'. */
  readonly name: string;
  /** Number of parameters D. */
  readonly size: number;
  /** The blocks of w, in order, covering [0, D) exactly. */
  readonly params: readonly ParamSpec[];
  /** Shape of one input example (without the batch axis). */
  readonly inputShape: readonly number[];
  /** A fresh initial parameter vector drawn from `rng` (deterministic given the seed). */
  init(rng: Rng): Float32Array;
  /** Per-example losses ℓᵢ(w), shape [n]. */
  perExampleLoss(w: Tensor1D, batch: Batch): Tensor1D;
  /** Mean loss (1/n) Σ ℓᵢ(w), a scalar. */
  loss(w: Tensor1D, batch: Batch): Scalar;
  /** The model's output for inputs x (class logits, or the prediction for regression models). */
  predict(w: Tensor1D, x: Tensor): Tensor;
  /** ∇ℓᵢ(w) for every example as an n×D matrix, from one batched backward pass (no per-example loop). */
  perExampleGradients(w: Tensor1D, batch: Batch): Tensor2D;
  /**
   * Mean loss and gradient over the examples `rows` of the batch (all by default) in one native call, or null where
   * that path does not apply (another backend, a layer or head it lacks); stages/models/fused.ts. Optional.
   */
  fusedValueAndGrad?(w: Tensor1D | Float32Array, batch: Batch, rows?: ArrayLike<number>): { value: number; grad: Float32Array } | null;
  /** Per-example losses and the outputs `predict` gives, from ONE forward pass (optional; evaluation uses it). */
  lossAndPrediction?(w: Tensor1D, batch: Batch): { losses: Tensor1D; prediction: Tensor };
}

/** Lays out named blocks one after another: `layoutParams([{name: 'w', shape: [2]}])`. */
export function layoutParams(blocks: readonly { name: string; shape: readonly number[] }[]): ParamSpec[] {
  let offset = 0;
  return blocks.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec = { name, shape: [...shape], offset, size };
    offset += size;
    return spec;
  });
}

/** Splits a flat vector into its blocks, reshaped (differentiable: the gradient of the split is one concat). */
export function unflatten(w: Tensor1D, params: readonly ParamSpec[]): Tensor[] {
  const total = params.reduce((a, p) => a + p.size, 0);
  if (w.rank !== 1 || w.shape[0] !== total) {
    throw new Error(`unflatten: expected a parameter vector of length ${total}, got shape [${w.shape}]`);
  }
  if (params.length === 1) return [tf.reshape(w, params[0]!.shape as number[])];
  const parts = tf.split(
    w,
    params.map((p) => p.size),
  );
  return parts.map((part, i) => tf.reshape(part, params[i]!.shape as number[]));
}

/** Checks that a batch has n ≥ 1 examples of the model's input shape (and targets if `needY`); returns n. */
export function checkBatch(model: Pick<FlatModel, 'name' | 'inputShape'>, batch: Batch, needY: boolean): number {
  const shape = batch.x.shape;
  const expected = model.inputShape;
  if (shape.length !== expected.length + 1 || expected.some((d, i) => shape[i + 1] !== d)) {
    throw new Error(`${model.name}: batch.x has shape [${shape}], expected [n, ${expected.join(', ')}]`);
  }
  const n = shape[0]!;
  if (n < 1) throw new Error(`${model.name}: empty batch`);
  if (needY) {
    if (!batch.y) throw new Error(`${model.name}: batch.y (targets) is required`);
    if (batch.y.rank !== 1 || batch.y.shape[0] !== n) {
      throw new Error(`${model.name}: batch.y has shape [${batch.y.shape}], expected [${n}]`);
    }
  }
  return n;
}

/** A w tensor from a Float32Array (or the tensor itself); `owned` says whether the caller must dispose it. */
export function asParamTensor(w: Tensor1D | Float32Array, size: number): { w: Tensor1D; owned: boolean } {
  if (w instanceof Float32Array) {
    if (w.length !== size) throw new Error(`expected ${size} parameters, got ${w.length}`);
    return { w: tf.tensor1d(w), owned: true };
  }
  if (w.rank !== 1 || w.shape[0] !== size) throw new Error(`expected a parameter vector [${size}], got [${w.shape}]`);
  return { w, owned: false };
}
