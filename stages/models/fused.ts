/**
 * The fused value and gradient of a sequential softmax classifier on the 'native' backend: the mean cross-entropy
 * and its gradient from ONE call into native/sequential.cc, instead of ~160 tfjs kernel calls (each ~10 µs, which
 * dominate a minibatch of 20). It covers conv2d, maxpool, relu, flatten and dense layers under the softmax
 * cross-entropy head; anything else, and every other backend, keeps tfjs's autodiff (`fusedValueAndGrad` returns
 * null). It is a first-derivative path only: Hessian-vector products stay on the tape, whose second derivatives are
 * exact. The gradient is the same function as the tape's, summed in a different order (float64 across blocks of 32
 * examples), and bit-identical for every thread count.
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernelsActive } from '../tf/kernels/register_all_kernels.ts';
import { nativeAddon } from '../tf/native.ts';
import type { Batch, ParamSpec } from './model.ts';
import type { Layer } from './sequential.ts';

/** Words of the program header and of each op (native/sequential.cc's encoding, format 1). */
const HEADER = 6;
const OP_WORDS = 16;
const OP = { conv: 1, pool: 2, relu: 3, dense: 5 } as const;

/**
 * The native program of a layer list (format 1: header [1, D, inputSize, classes, ops, 0], then 16 words per op),
 * or null when a layer has no native form (tanh). `shapes` are the per-example shapes from `layerShapes`
 * (stages/models/sequential.ts: `shapes[i]` is layer i's input, the last the output); this encodes them and infers
 * none. `params` is the model's layout (weight then bias per layer).
 */
export function nativeProgram(layers: readonly Layer[], shapes: readonly (readonly number[])[], params: readonly ParamSpec[]): Int32Array | null {
  if (shapes.length !== layers.length + 1) throw new Error(`nativeProgram: ${layers.length} layers need ${layers.length + 1} shapes, got ${shapes.length}`);
  const ops: number[][] = [];
  let p = 0; // next parameter block
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  for (const [i, layer] of layers.entries()) {
    const shape = shapes[i]!;
    const out = shapes[i + 1]!;
    switch (layer.kind) {
      case 'conv2d': {
        const [h, w, ci] = shape as [number, number, number];
        const [ho, wo] = out as [number, number, number];
        const k = layer.kernel;
        const top = layer.padding === 'same' ? Math.floor((k - 1) / 2) : 0;
        ops.push([OP.conv, h, w, ci, k, k, layer.filters, ho, wo, top, top, params[p]!.offset, params[p + 1]!.offset]);
        p += 2;
        break;
      }
      case 'dense':
        ops.push([OP.dense, size(shape), layer.units, params[p]!.offset, params[p + 1]!.offset]);
        p += 2;
        break;
      case 'maxpool': {
        const [H, W, c] = shape as [number, number, number];
        ops.push([OP.pool, H, W, c, layer.size, layer.size]);
        break;
      }
      case 'relu':
        ops.push([OP.relu, size(shape)]);
        break;
      case 'flatten': // NHWC rows are already flat
        break;
      default:
        return null;
    }
  }
  const output = shapes[layers.length]!;
  if (output.length !== 1) return null;
  const D = params.reduce((a, b) => a + b.size, 0);
  const code = new Int32Array(HEADER + OP_WORDS * ops.length);
  code.set([1, D, size(shapes[0]!), output[0]!, ops.length, 0]);
  ops.forEach((op, i) => code.set(op, HEADER + OP_WORDS * i));
  return code;
}

/** The float32 (or int32) values of a tensor: a view of the wasm heap on wasm, else a read-back copy. */
function values(t: Tensor): Float32Array | Int32Array {
  const backend = tf.backend() as Partial<BackendWasm>;
  if (typeof backend.typedArrayFromHeap === 'function') return backend.typedArrayFromHeap(t) as Float32Array | Int32Array;
  return t.dataSync() as Float32Array | Int32Array;
}

/** 0, 1, …, n − 1. */
function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Mean loss and gradient of the softmax classifier `program` over the examples `rows` of `batch` (all of them by
 * default), or null when the native kernels are not the active backend. Example:
 * `fusedValueAndGrad(program, w, batch, [3, 7])?.grad`.
 */
export function fusedValueAndGrad(
  program: Int32Array,
  w: Tensor1D | Float32Array,
  batch: Batch,
  rows?: ArrayLike<number>,
): { value: number; grad: Float32Array } | null {
  if (!nativeKernelsActive() || batch.x.dtype !== 'float32' || !batch.y) return null;
  if (!(w instanceof Float32Array) && w.dtype !== 'float32') return null;
  const n = batch.x.shape[0]!;
  const picked = rows === undefined ? allRows(n) : rows instanceof Int32Array ? rows : Int32Array.from(rows);
  const labels = batch.y.dtype === 'int32' ? null : Int32Array.from(batch.y.dataSync() as Float32Array);
  const grad = new Float32Array(program[1]!);
  // the heap views are taken last, right before the call, which allocates nothing on the wasm heap
  const lv = labels ?? (values(batch.y) as Int32Array);
  const wv = w instanceof Float32Array ? w : (values(w) as Float32Array);
  const value = nativeAddon().sequentialValueAndGrad(program, wv, values(batch.x) as Float32Array, lv, picked, grad);
  return { value, grad };
}
