/**
 * The one list of kernels this project registers, and the place that registers them (called by initBackend).
 *
 * Each entry replaces (or adds) a kernel on the listed backends with an implementation written in forward tfjs ops.
 * The backend's original kernel is kept: the replacement falls back to it for geometries it does not cover, and
 * `stockKernel` / `restoreStockKernels` give tests and benchmarks the untouched kernels.
 */
import { tf } from '../tfjs.ts';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { makeBatchMatMulKernel } from './batch_mat_mul.ts';
import { makeConv2DBackpropFilterKernel } from './conv2d_backprop_filter.ts';
import { makeConv2DBackpropInputKernel } from './conv2d_backprop_input.ts';
import { MAX_POOL_PICK, makeMaxPoolGradKernel, maxPoolPickKernel } from './max_pool_grad.ts';
import { makeWasmIdentityKernel } from './identity.ts';
import { makeWasmSliceKernel, makeWasmSplitVKernel } from './slice.ts';
import {
  makeNativeAddKernel,
  makeNativeBatchMatMulKernel,
  makeNativeConv2DBackpropFilterKernel,
  makeNativeConv2DBackpropInputKernel,
  makeNativeConv2DKernel,
  makeNativeMaxPoolGradKernel,
  makeNativeMaxPoolKernel,
  makeNativeMaxPoolPickKernel,
  makeNativeSumKernel,
} from './native_kernels.ts';
import { makeWasmSumKernel } from './sum.ts';
import { makeWebGpuMaxPoolGradKernel, webGpuMaxPoolPickKernel } from './webgpu_max_pool.ts';
import { STOP_GRADIENT, stopGradientKernel } from './stop_gradient.ts';

/** One kernel registration: the kernel name, the backends it applies to, and a factory given the stock kernel. */
interface KernelEntry {
  readonly kernelName: string;
  /** Backends to register on; 'all' = whichever backend initBackend activated. */
  readonly backends: readonly string[] | 'all';
  readonly make: (original: KernelConfig | undefined, backendName: string) => KernelFunc;
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
    backends: ['wasm', 'cpu', 'webgpu'],
    // wasm's own MaxPoolGrad misroutes gradients (inputs ≥ 6 wide, see kernels.test.ts): never fall back to it
    make: (original, backendName) =>
      backendName === 'webgpu' ? makeWebGpuMaxPoolGradKernel(original) : makeMaxPoolGradKernel(backendName === 'wasm' ? undefined : original),
    why: "wasm kernel is wrong for inputs ≥ 6 wide and ~30× slower than a scatter loop; webgpu's routes ties to the last maximum",
  },
  {
    kernelName: MAX_POOL_PICK,
    backends: ['wasm', 'cpu', 'webgpu'],
    make: (_original, backendName) => (backendName === 'webgpu' ? webGpuMaxPoolPickKernel : maxPoolPickKernel),
    why: 'the adjoint of MaxPoolGrad, for its gradient (tfjs has none); a WGSL gather on webgpu',
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
    why: "wasm SplitV runs that Slice once per part (3 s to split VGG11's parameters)",
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

/** The 'native' layer over wasm: each replaces the kernel registered before it (ours or stock), its fallback. */
const NATIVE_ENTRIES: readonly { kernelName: string; make: (fallback: KernelConfig | undefined) => KernelFunc; why: string }[] = [
  { kernelName: 'Conv2D', make: makeNativeConv2DKernel, why: 'C++ conv (AVX-512/AVX2) in place on the wasm heap' },
  { kernelName: 'Conv2DBackpropInput', make: makeNativeConv2DBackpropInputKernel, why: 'C++ conv of the padded dy' },
  { kernelName: 'Conv2DBackpropFilter', make: makeNativeConv2DBackpropFilterKernel, why: 'C++ filter gradient, float64 totals' },
  { kernelName: 'MaxPoolGrad', make: makeNativeMaxPoolGradKernel, why: 'C++ scatter to the first maximum' },
  { kernelName: MAX_POOL_PICK, make: makeNativeMaxPoolPickKernel, why: 'C++ gather at the first maximum' },
  { kernelName: 'Sum', make: makeNativeSumKernel, why: 'C++ leading-axes sum (bias gradients), float64 block totals' },
  { kernelName: 'Add', make: makeNativeAddKernel, why: 'C++ bias add along the last axis' },
  { kernelName: 'BatchMatMul', make: makeNativeBatchMatMulKernel, why: 'C++ matmul, any transposes (wasm re-packs B per call: 128 µs for 20×160·160×50)' },
  { kernelName: 'MaxPool', make: makeNativeMaxPoolKernel, why: 'C++ max over tiling windows' },
];
const NATIVE_BACKEND = 'wasm';

const originals = new Map<string, KernelConfig | undefined>();
const ours = new WeakSet<KernelFunc>();
const nativeFallbacks = new Map<string, KernelConfig | undefined>();
const natives = new WeakSet<KernelFunc>();

/** Options of `registerAllKernels`. */
export interface RegisterKernelsOptions {
  /** wasm only: put the native layer (stages/tf/kernels/native_kernels.ts) on top, or take it off (false). */
  readonly native?: boolean;
}

/**
 * Registers every kernel in the list on `backendName` (idempotent), then puts the native layer on wasm or takes it
 * off. Example: `registerAllKernels('wasm')`.
 */
export function registerAllKernels(backendName: string, options: RegisterKernelsOptions = {}): void {
  setNativeLayer(false);
  registerEntries(backendName);
  if (options.native) {
    if (backendName !== NATIVE_BACKEND) throw new Error(`registerAllKernels: the native kernels run on wasm, not ${backendName}`);
    setNativeLayer(true);
  }
}

/** Whether the native layer is registered now. */
export function nativeKernelsActive(): boolean {
  return nativeFallbacks.size > 0;
}

function setNativeLayer(on: boolean): void {
  if (on === nativeKernelsActive()) return;
  for (const entry of NATIVE_ENTRIES) {
    const current = tf.getKernel(entry.kernelName, NATIVE_BACKEND) as KernelConfig | undefined;
    if (on) {
      nativeFallbacks.set(entry.kernelName, current);
      if (current) tf.unregisterKernel(entry.kernelName, NATIVE_BACKEND);
      const kernelFunc = entry.make(current);
      natives.add(kernelFunc);
      tf.registerKernel({ kernelName: entry.kernelName, backendName: NATIVE_BACKEND, kernelFunc });
    } else {
      if (current && natives.has(current.kernelFunc)) tf.unregisterKernel(entry.kernelName, NATIVE_BACKEND);
      const fallback = nativeFallbacks.get(entry.kernelName);
      if (fallback) tf.registerKernel(fallback);
    }
  }
  if (!on) nativeFallbacks.clear();
}

function registerEntries(backendName: string): void {
  for (const entry of ENTRIES) {
    if (entry.backends !== 'all' && !entry.backends.includes(backendName)) continue;
    const current = tf.getKernel(entry.kernelName, backendName) as KernelConfig | undefined;
    if (current && ours.has(current.kernelFunc)) continue;
    originals.set(key(entry.kernelName, backendName), current);
    if (current) tf.unregisterKernel(entry.kernelName, backendName);
    const kernelFunc = entry.make(current, backendName);
    ours.add(kernelFunc);
    tf.registerKernel({ kernelName: entry.kernelName, backendName, kernelFunc });
  }
}

/** The backend's own kernel that `registerAllKernels` replaced, or undefined (none, or nothing replaced yet). */
export function stockKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return originals.get(key(kernelName, backendName));
}

/** Puts the backend's own kernels back (added kernels and the native layer are removed); for tests and benchmarks. */
export function restoreStockKernels(backendName: string): void {
  if (backendName === NATIVE_BACKEND) setNativeLayer(false);
  for (const entry of ENTRIES) {
    const k = key(entry.kernelName, backendName);
    if (!originals.has(k)) continue;
    const current = tf.getKernel(entry.kernelName, backendName) as KernelConfig | undefined;
    if (current && ours.has(current.kernelFunc)) tf.unregisterKernel(entry.kernelName, backendName);
    const original = originals.get(k);
    if (original) tf.registerKernel(original);
    originals.delete(k);
  }
}

/** The kernel list as (name, backends, why) rows, e.g. for a backend report; the native layer's backend is 'native'. */
export function listKernelEntries(): { kernelName: string; backends: readonly string[] | 'all'; why: string }[] {
  return [
    ...ENTRIES.map(({ kernelName, backends, why }) => ({ kernelName, backends, why })),
    ...NATIVE_ENTRIES.map(({ kernelName, why }) => ({ kernelName, backends: ['native'], why })),
  ];
}

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}
