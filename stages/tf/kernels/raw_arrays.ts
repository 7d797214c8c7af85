/**
 * Direct access to a kernel's float32 inputs and output as typed arrays, on wasm (views of the wasm heap) and cpu
 * (the backend's own arrays), for kernels written as plain loops: no intermediate tensors, no copies.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The cpu backend's storage, as far as these kernels use it. */
interface CpuBackendLike {
  readSync(dataId: tf.DataId): tf.TypedArray | string[];
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

/** Whether `backend` is tfjs-backend-wasm (has its heap views) rather than cpu. */
function isWasm(backend: tf.KernelBackend): backend is BackendWasm {
  return typeof (backend as Partial<BackendWasm>).typedArrayFromHeap === 'function';
}

/**
 * Allocates a float32 output of `shape` and calls `fill(out, ...inputs)` with every input's values as a Float32Array;
 * returns the output. On wasm the views are taken after the allocation (which may grow, and so detach, the heap);
 * `fill` must not allocate tensors. The output starts zeroed unless `zeroed` is false (for kernels that write every
 * entry; its contents are then unspecified on wasm).
 */
export function float32Kernel(
  backend: tf.KernelBackend,
  shape: number[],
  inputs: readonly tf.TensorInfo[],
  fill: (out: Float32Array, ...inputs: Float32Array[]) => void,
  zeroed = true,
): tf.TensorInfo {
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`float32Kernel: input of dtype ${t.dtype}`);
  if (isWasm(backend)) {
    const out = backend.makeOutput(shape, 'float32');
    const outVals = backend.typedArrayFromHeap(out) as Float32Array;
    if (zeroed) outVals.fill(0);
    fill(outVals, ...inputs.map((t) => backend.typedArrayFromHeap(t) as Float32Array));
    return out;
  }
  const cpu = backend as unknown as CpuBackendLike;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(out, ...inputs.map((t) => cpu.readSync(t.dataId) as Float32Array));
  return cpu.makeTensorInfo(shape, 'float32', out);
}
