/**
 * Small helpers shared by the kernel overrides: reading kernel inputs and attributes, and the padding of a
 * stride-1 convolution.
 */
import { tf } from '../tfjs.ts';
import type { Conv2DBackpropFilterAttrs, Tensor, TensorInfo } from '@tensorflow/tfjs';

/** Padding [top, bottom, left, right] that tfjs uses for a conv/pool over `inShape` (NHWC), from its own helper. */
export interface Pads {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** The tensor behind a kernel input; tfjs passes the op's Tensor objects, anything else is a programming error. */
export function inputTensor<T extends Tensor>(info: TensorInfo | undefined, kernel: string, name: string): T {
  if (!(info instanceof tf.Tensor)) {
    throw new Error(`${kernel}: input '${name}' is ${info === undefined ? 'missing' : 'not a tf.Tensor'}`);
  }
  return info as T;
}

/** True when every entry of a stride or dilation attribute (number or pair) is 1. */
export function allOnes(value: number | readonly number[] | undefined): boolean {
  if (value === undefined) return true;
  return typeof value === 'number' ? value === 1 : value.every((v) => v === 1);
}

/** A (height, width) pair from a number-or-pair attribute. */
export function pair(value: number | readonly number[]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0]!, value[1]!];
}

/** Padding of a stride-1, dilation-1 NHWC conv of `inShape` by a filter of `filterShape` under tfjs's `pad` rule. */
export function convPads(
  inShape: readonly number[],
  filterShape: readonly number[],
  pad: Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode: Conv2DBackpropFilterAttrs['dimRoundingMode'],
): Pads {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    1,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  return { top, bottom, left, right };
}

/** tfjs explicit-padding form [[0,0],[top,bottom],[left,right],[0,0]]. */
export function explicitPadding(p: Pads): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}
