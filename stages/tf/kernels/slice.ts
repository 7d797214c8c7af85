/**
 * Contiguous Slice and SplitV on wasm without copying the whole input.
 *
 * tfjs-backend-wasm 4.22's Slice reads its entire input back into a fresh JS array before copying the slice out
 * (backend.readSync without bounds), and SplitV calls it once per part: splitting VGG11's 9.75M-entry parameter
 * vector into its 22 blocks took ~3 s. These kernels copy just the slice between two views of the wasm heap.
 * Non-contiguous slices go to the stock kernel.
 */
import { tf } from '../tfjs.ts';
import type { KernelConfig, KernelFunc, SliceAttrs, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Copies the contiguous block [offset, offset + size) of x into a new wasm tensor of `shape`. */
function copyBlock(backend: BackendWasm, x: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(shape, x.dtype);
  // views taken after makeOutput: allocating may grow (and so detach) the heap
  const outVals = backend.typedArrayFromHeap(out);
  const xVals = backend.typedArrayFromHeap(x);
  outVals.set(xVals.subarray(offset, offset + size));
  return out;
}

/** The kernel function replacing wasm's Slice (contiguous slices by one heap copy). */
export function makeWasmSliceKernel(original: KernelConfig | undefined): KernelFunc {
  if (!original) throw new Error("Slice override needs the backend's own kernel");
  return (args) => {
    const { inputs, attrs } = args;
    const x = inputs.x!;
    const { begin, size } = attrs as unknown as SliceAttrs;
    const [begin_, size_] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin_, size_)) return original.kernelFunc(args);
    const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
    return copyBlock(args.backend as BackendWasm, x, offset, size_);
  };
}

/** The kernel function replacing wasm's SplitV (contiguous parts by heap copies, others via tf.slice). */
export function makeWasmSplitVKernel(original: KernelConfig | undefined): KernelFunc {
  if (!original) throw new Error("SplitV override needs the backend's own kernel");
  return (args) => {
    const { inputs, attrs } = args;
    const x = inputs.x!;
    const { numOrSizeSplits, axis } = attrs as unknown as SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    const contiguous = x.dtype !== 'string' && x.shape.slice(0, ax).every((d) => d === 1);
    if (!contiguous) return original.kernelFunc(args);
    const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    let offset = 0;
    return sizes.map((s) => {
      const shape = x.shape.slice();
      shape[ax] = s;
      const part = copyBlock(args.backend as BackendWasm, x, offset, shape);
      offset += s * inner;
      return part;
    });
  };
}
