/**
 * The 'native' backend's kernels: tfjs-backend-wasm's Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter,
 * MaxPool, MaxPoolGrad, MaxPoolPick, BatchMatMul, leading-axes Sum and bias-broadcast Add replaced by the C++ kernels of native/ (stages/tf/native.ts), which read and write the
 * wasm heap in place. They cover stride-1, dilation-1 NHWC convolutions with padding narrower than the filter, and
 * exactly tiling max pools; anything else goes to the kernel they replaced. Every other kernel, and so every
 * gradient definition, stays tfjs-backend-wasm's and this project's: second derivatives are the same expressions.
 */
import { tf } from '../tfjs.ts';
import type {
  BatchMatMulAttrs,
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  MaxPoolGradAttrs,
  SumAttrs,
  Tensor,
  Tensor4D,
  TensorInfo,
} from '@tensorflow/tfjs';
import { nativeAddon } from '../native.ts';
import { allOnes, inputTensor } from './kernel_util.ts';
import { tilingWindow } from './max_pool_grad.ts';
import { float32Kernel } from './raw_arrays.ts';
import { leadingAxesCount } from './sum.ts';

/** The addon's conv dims [n, h, w, ci, kh, kw, co, ho, wo, top, left], or null when the native kernels do not apply. */
export function nativeConvDims(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: {
    strides: number | readonly number[];
    pad: Conv2DAttrs['pad'];
    dataFormat?: string;
    dilations?: number | readonly number[];
    dimRoundingMode?: Conv2DAttrs['dimRoundingMode'];
  },
): Int32Array | null {
  if (!allOnes(attrs.strides) || !allOnes(attrs.dilations) || attrs.dataFormat === 'NCHW') return null;
  const [n, h, w, ci] = xShape as [number, number, number, number];
  const [kh, kw, fci, co] = filterShape as [number, number, number, number];
  if (fci !== ci) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    1,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  const ok = [top, bottom].every((p) => p >= 0 && p < kh) && [left, right].every((p) => p >= 0 && p < kw);
  if (!ok || info.outHeight < 1 || info.outWidth < 1) return null;
  return Int32Array.from([n, h, w, ci, kh, kw, co, info.outHeight, info.outWidth, top, left]);
}

type Fallback = KernelConfig | undefined;

function fallbackOr(name: string, fallback: Fallback, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
  if (!fallback) throw new Error(`${name} on backend 'native': this geometry has no native kernel and no fallback`);
  return fallback.kernelFunc(args);
}

function float32(...ts: Tensor[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** Conv2D through the addon; `fallback` (the kernel it replaces) for other geometries. */
export function makeNativeConv2DKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const x = inputTensor<Tensor4D>(args.inputs.x, 'Conv2D', 'x');
    const filter = inputTensor<Tensor4D>(args.inputs.filter, 'Conv2D', 'filter');
    const dims = float32(x, filter) ? nativeConvDims(x.shape, filter.shape, args.attrs as unknown as Conv2DAttrs) : null;
    if (!dims) return fallbackOr('Conv2D', fallback, args);
    const addon = nativeAddon();
    const shape = [dims[0]!, dims[7]!, dims[8]!, dims[6]!];
    return float32Kernel(args.backend as KernelBackend, shape, [x, filter], (y, xv, wv) => addon.conv2d(xv, wv, y, dims), false);
  };
}

/** Conv2DBackpropInput through the addon. */
export function makeNativeConv2DBackpropInputKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const dy = inputTensor<Tensor4D>(args.inputs.dy, 'Conv2DBackpropInput', 'dy');
    const filter = inputTensor<Tensor4D>(args.inputs.filter, 'Conv2DBackpropInput', 'filter');
    const dims = float32(dy, filter) ? nativeConvDims(a.inputShape, filter.shape, a) : null;
    if (!dims || dims[7] !== dy.shape[1] || dims[8] !== dy.shape[2]) return fallbackOr('Conv2DBackpropInput', fallback, args);
    const addon = nativeAddon();
    return float32Kernel(args.backend as KernelBackend, [...a.inputShape], [dy, filter], (dx, dyv, wv) => addon.conv2dBackpropInput(dyv, wv, dx, dims), false);
  };
}

/** Conv2DBackpropFilter through the addon. */
export function makeNativeConv2DBackpropFilterKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const x = inputTensor<Tensor4D>(args.inputs.x, 'Conv2DBackpropFilter', 'x');
    const dy = inputTensor<Tensor4D>(args.inputs.dy, 'Conv2DBackpropFilter', 'dy');
    const dims = float32(x, dy) ? nativeConvDims(x.shape, a.filterShape, a) : null;
    if (!dims || dims[7] !== dy.shape[1] || dims[8] !== dy.shape[2]) return fallbackOr('Conv2DBackpropFilter', fallback, args);
    const addon = nativeAddon();
    return float32Kernel(args.backend as KernelBackend, [...a.filterShape], [x, dy], (dw, xv, dyv) => addon.conv2dBackpropFilter(xv, dyv, dw, dims), false);
  };
}

/** MaxPoolGrad (tiling windows) through the addon's scatter to the first maximum (which zeroes dx first). */
export function makeNativeMaxPoolGradKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const x = inputTensor<Tensor4D>(args.inputs.input, 'MaxPoolGrad', 'input');
    const dy = inputTensor<Tensor4D>(args.inputs.dy, 'MaxPoolGrad', 'dy');
    const window = float32(x, dy) ? tilingWindow(x.shape, args.attrs as unknown as MaxPoolGradAttrs) : null;
    if (!window) return fallbackOr('MaxPoolGrad', fallback, args);
    const addon = nativeAddon();
    const dims = Int32Array.from([...x.shape, ...window]);
    return float32Kernel(args.backend as KernelBackend, [...x.shape], [x, dy], (dx, xv, dyv) => addon.maxPoolScatter(xv, dyv, dx, dims), false);
  };
}

/** MaxPoolPick (the adjoint of MaxPoolGrad) through the addon. */
export function makeNativeMaxPoolPickKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const x = inputTensor<Tensor4D>(args.inputs.x, 'MaxPoolPick', 'x');
    const d = inputTensor<Tensor4D>(args.inputs.d, 'MaxPoolPick', 'd');
    const { kh, kw } = args.attrs as unknown as { kh: number; kw: number };
    const [n, H, W, c] = x.shape;
    if (!float32(x, d) || H % kh || W % kw) return fallbackOr('MaxPoolPick', fallback, args);
    const addon = nativeAddon();
    const dims = Int32Array.from([n, H, W, c, kh, kw]);
    return float32Kernel(args.backend as KernelBackend, [n, H / kh, W / kw, c], [x, d], (out, xv, dv) => addon.maxPoolPick(xv, dv, out, dims), false);
  };
}

/** Sum over leading axes (a bias gradient) through the addon; other reductions go to `fallback`. */
export function makeNativeSumKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const k = leadingAxesCount(tf.util.parseAxisParam(axis, x.shape), x.shape.length);
    if (k === 0 || x.dtype !== 'float32') return fallbackOr('Sum', fallback, args);
    const addon = nativeAddon();
    const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const innerShape = x.shape.slice(k);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    const shape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...innerShape] : innerShape;
    const dims = Int32Array.from([rows, inner]);
    return float32Kernel(args.backend as KernelBackend, shape, [x], (out, xv) => addon.sumRows(xv, out, dims), false);
  };
}

/** The row count when `bias` broadcasts along the last axis of `x` ([..., C] + [C] or [1, …, 1, C]), else 0. */
export function biasRows(x: readonly number[], bias: readonly number[]): number {
  if (x.length < 2 || bias.length < 1 || bias.length > x.length) return 0;
  const c = x[x.length - 1]!;
  if (bias[bias.length - 1] !== c || bias.slice(0, -1).some((d) => d !== 1)) return 0;
  return x.slice(0, -1).reduce((a, b) => a * b, 1);
}

/** Add of a bias broadcast along the last axis through the addon; every other Add goes to `fallback`. */
export function makeNativeAddKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const a = args.inputs.a!;
    const b = args.inputs.b!;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallbackOr('Add', fallback, args);
    const [x, bias] = biasRows(a.shape, b.shape) > 0 ? [a, b] : [b, a];
    const rows = biasRows(x.shape, bias.shape);
    if (rows === 0 || rows < 2) return fallbackOr('Add', fallback, args);
    const addon = nativeAddon();
    const dims = Int32Array.from([rows, x.shape[x.shape.length - 1]!]);
    return float32Kernel(args.backend as KernelBackend, [...x.shape], [x, bias], (out, xv, bv) => addon.addRows(xv, bv, out, dims), false);
  };
}

/** The addon's matmul dims and the output shape for BatchMatMul of `a` and `b`, or null (other batch broadcasts). */
export function nativeMatmulDims(
  a: readonly number[],
  b: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): { dims: Int32Array; shape: number[] } | null {
  if (a.length < 2 || a.length !== b.length) return null;
  const r = a.length;
  const [m, ka] = transposeA ? [a[r - 1]!, a[r - 2]!] : [a[r - 2]!, a[r - 1]!];
  const [kb, n] = transposeB ? [b[r - 1]!, b[r - 2]!] : [b[r - 2]!, b[r - 1]!];
  if (ka !== kb) return null;
  const batchShapeA = a.slice(0, -2);
  const batchShapeB = b.slice(0, -2);
  const batchA = batchShapeA.reduce((x, y) => x * y, 1);
  const batchB = batchShapeB.reduce((x, y) => x * y, 1);
  const same = batchShapeA.every((d, i) => d === batchShapeB[i]);
  if (!same && batchA !== 1 && batchB !== 1) return null;
  const batchShape = batchA >= batchB ? batchShapeA : batchShapeB;
  const batch = Math.max(batchA, batchB);
  return { dims: Int32Array.from([batch, batchA, batchB, m, ka, n, transposeA ? 1 : 0, transposeB ? 1 : 0]), shape: [...batchShape, m, n] };
}

/** BatchMatMul (any transposes) through the addon: wasm re-packs the right operand on every call. */
export function makeNativeBatchMatMulKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const a = inputTensor(args.inputs.a, 'BatchMatMul', 'a');
    const b = inputTensor(args.inputs.b, 'BatchMatMul', 'b');
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const plan = float32(a, b) ? nativeMatmulDims(a.shape, b.shape, transposeA, transposeB) : null;
    if (!plan) return fallbackOr('BatchMatMul', fallback, args);
    const addon = nativeAddon();
    return float32Kernel(args.backend as KernelBackend, plan.shape, [a, b], (out, av, bv) => addon.matmul(av, bv, out, plan.dims), false);
  };
}

/** MaxPool over tiling windows through the addon. */
export function makeNativeMaxPoolKernel(fallback: Fallback): KernelFunc {
  return (args) => {
    const x = inputTensor<Tensor4D>(args.inputs.x, 'MaxPool', 'x');
    const window = x.dtype === 'float32' ? tilingWindow(x.shape, args.attrs as unknown as MaxPoolGradAttrs) : null;
    if (!window) return fallbackOr('MaxPool', fallback, args);
    const addon = nativeAddon();
    const [n, H, W, c] = x.shape;
    const dims = Int32Array.from([n, H, W, c, window[0], window[1]]);
    return float32Kernel(args.backend as KernelBackend, [n, H / window[0], W / window[1], c], [x], (out, xv) => addon.maxPoolForward(xv, out, dims), false);
  };
}
