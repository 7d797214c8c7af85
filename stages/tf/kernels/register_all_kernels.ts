/**
 * The one list of kernels this project registers, and the place that registers them (called by initBackend).
 *
 * Each entry replaces (or adds) a kernel on the listed backends with an implementation written in forward tfjs ops.
 * The backend's original kernel is kept: the replacement falls back to it for geometries it does not cover, and
 * `stockKernel` / `restoreStockKernels` give tests and benchmarks the untouched kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { makeBatchMatMulKernel } from './batch_mat_mul.ts';
import { makeConv2DBackpropFilterKernel } from './conv2d_backprop_filter.ts';
import { makeConv2DBackpropInputKernel } from './conv2d_backprop_input.ts';
import { MAX_POOL_PICK, makeMaxPoolGradKernel, maxPoolPickKernel } from './max_pool_grad.ts';
import { makeWasmIdentityKernel } from './identity.ts';
import { makeWasmSliceKernel, makeWasmSplitVKernel } from './slice.ts';
import { makeWasmSumKernel } from './sum.ts';
import { STOP_GRADIENT, stopGradientKernel } from './stop_gradient.ts';

/** One kernel registration: the kernel name, the backends it applies to, and a factory given the stock kernel. */
interface KernelEntry {
  readonly kernelName: string;
  /** Backends to register on; 'all' = whichever backend initBackend activated. */
  readonly backends: readonly string[] | 'all';
  readonly make: (original: tf.KernelConfig | undefined, backendName: string) => tf.KernelFunc;
  /** Why this kernel is registered (shown by `listKernelEntries`). */
  readonly why: string;
}

const ENTRIES: readonly KernelEntry[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backends: ['wasm', 'cpu'],
    make: makeConv2DBackpropFilterKernel,
    why: 'missing on wasm; cpu kernel ~100× slower than a transposed forward conv',
  },
  {
    kernelName: 'Conv2DBackpropInput',
    backends: ['wasm', 'cpu'],
    make: makeConv2DBackpropInputKernel,
    why: 'wasm kernel ~4× slower than a forward conv with the flipped filter',
  },
  {
    kernelName: 'MaxPoolGrad',
    backends: ['wasm', 'cpu'],
    // wasm's own MaxPoolGrad misroutes gradients (inputs ≥ 6 wide, see kernels.test.ts): never fall back to it
    make: (original, backendName) => makeMaxPoolGradKernel(backendName === 'wasm' ? undefined : original),
    why: 'wasm kernel is wrong for inputs ≥ 6 wide and ~30× slower than a scatter loop',
  },
  {
    kernelName: MAX_POOL_PICK,
    backends: ['wasm', 'cpu'],
    make: () => maxPoolPickKernel,
    why: 'the adjoint of MaxPoolGrad, for its gradient (tfjs has none)',
  },
  {
    kernelName: 'BatchMatMul',
    backends: ['wasm'],
    make: makeBatchMatMulKernel,
    why: 'wasm transposed matmul 3–5× slower than explicit transpose + plain matmul',
  },
  {
    kernelName: 'Slice',
    backends: ['wasm'],
    make: makeWasmSliceKernel,
    why: 'wasm Slice copies its whole input to JS first (~60 ns per input entry)',
  },
  {
    kernelName: 'SplitV',
    backends: ['wasm'],
    make: makeWasmSplitVKernel,
    why: 'wasm SplitV runs that Slice once per part (3 s to split VGG11\'s parameters)',
  },
  {
    kernelName: 'Sum',
    backends: ['wasm'],
    make: makeWasmSumKernel,
    why: 'wasm transposes dy before a leading-axes (bias-gradient) sum: 33 ms of a 1200-image CNN gradient',
  },
  {
    kernelName: 'Identity',
    backends: ['wasm'],
    make: makeWasmIdentityKernel,
    why: 'wasm Identity copies; the gradient tape clones every saved tensor through it',
  },
  {
    kernelName: STOP_GRADIENT,
    backends: 'all',
    make: () => stopGradientKernel,
    why: 'tfjs has no stop-gradient op',
  },
];

const originals = new Map<string, tf.KernelConfig | undefined>();
const ours = new WeakSet<tf.KernelFunc>();

/** Registers every kernel in the list on `backendName` (idempotent). Example: `registerAllKernels('wasm')`. */
export function registerAllKernels(backendName: string): void {
  for (const entry of ENTRIES) {
    if (entry.backends !== 'all' && !entry.backends.includes(backendName)) continue;
    const current = tf.getKernel(entry.kernelName, backendName) as tf.KernelConfig | undefined;
    if (current && ours.has(current.kernelFunc)) continue;
    originals.set(key(entry.kernelName, backendName), current);
    if (current) tf.unregisterKernel(entry.kernelName, backendName);
    const kernelFunc = entry.make(current, backendName);
    ours.add(kernelFunc);
    tf.registerKernel({ kernelName: entry.kernelName, backendName, kernelFunc });
  }
}

/** The backend's own kernel that `registerAllKernels` replaced, or undefined (none, or nothing replaced yet). */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return originals.get(key(kernelName, backendName));
}

/** Puts the backend's own kernels back (added kernels are removed); for tests and benchmarks. */
export function restoreStockKernels(backendName: string): void {
  for (const entry of ENTRIES) {
    const k = key(entry.kernelName, backendName);
    if (!originals.has(k)) continue;
    const current = tf.getKernel(entry.kernelName, backendName) as tf.KernelConfig | undefined;
    if (current && ours.has(current.kernelFunc)) tf.unregisterKernel(entry.kernelName, backendName);
    const original = originals.get(k);
    if (original) tf.registerKernel(original);
    originals.delete(k);
  }
}

/** The kernel list as (name, backends, why) rows, e.g. for a backend report. */
export function listKernelEntries(): { kernelName: string; backends: readonly string[] | 'all'; why: string }[] {
  return ENTRIES.map(({ kernelName, backends, why }) => ({ kernelName, backends, why }));
}

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}
