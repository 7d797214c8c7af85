/**
 * Identity on wasm without a copy: the output shares the input's data and bumps its reference count, as tfjs's cpu
 * kernel does. tfjs-backend-wasm 4.22 copies the whole tensor, and the gradient tape clones every saved tensor
 * through Identity (2% of a CNN gradient).
 */
import type * as tf from '@tensorflow/tfjs';

/** The kernel function replacing wasm's Identity (strings go to `original`). */
export function makeWasmIdentityKernel(original: tf.KernelConfig | undefined): tf.KernelFunc {
  if (!original) throw new Error("Identity override needs the backend's own kernel");
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
