/**
 * VGG11 for 32×32×3 inputs without batch-norm or dropout: 3×3 convs (padding 1) + ReLU in the pattern
 * 64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M, then FC 512→512 → ReLU → 512→512 → ReLU → 512→10, softmax
 * cross-entropy. D = 9,750,922 at width 1. Conv weights normal(0, 2/(9·out_channels)), conv biases 0, dense layers
 * uniform(±1/√fan_in). `width` scales every conv and hidden FC width (rounded, at least 1) for cheap tests.
 */
import { softmaxCrossEntropyHead } from './heads.ts';
import { vggInit } from './inits.ts';
import { sequentialModel, type Layer } from './sequential.ts';

/** Number of parameters of the full-width VGG11. */
export const VGG11_SIZE = 9_750_922;

/** VGG11's conv pattern: channel counts, with 'M' for a 2×2 max-pool. */
export const VGG11_PATTERN: readonly (number | 'M')[] = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];

/** Options of `createVgg11`. */
export interface Vgg11Options {
  /** Multiplier on every conv and hidden FC width (default 1). */
  readonly width?: number;
  /** Number of classes (default 10). */
  readonly classes?: number;
}

/** VGG11 as a flat-parameter model. Example: `createVgg11({width: 1/16})` for tests. */
export function createVgg11(options: Vgg11Options = {}) {
  const width = options.width ?? 1;
  const classes = options.classes ?? 10;
  if (!(width > 0)) throw new Error(`createVgg11: width must be positive, got ${width}`);
  const scale = (c: number) => Math.max(1, Math.round(c * width));
  const layers: Layer[] = [];
  let conv = 0;
  for (const item of VGG11_PATTERN) {
    if (item === 'M') layers.push({ kind: 'maxpool', size: 2 });
    else {
      conv++;
      layers.push({ kind: 'conv2d', name: `conv${conv}`, kernel: 3, filters: scale(item), padding: 'same' });
      layers.push({ kind: 'relu' });
    }
  }
  layers.push(
    { kind: 'flatten' },
    { kind: 'dense', name: 'fc1', units: scale(512) },
    { kind: 'relu' },
    { kind: 'dense', name: 'fc2', units: scale(512) },
    { kind: 'relu' },
    { kind: 'dense', name: 'fc3', units: classes },
  );
  return sequentialModel({
    name: width === 1 ? 'vgg11' : `vgg11-w${width}`,
    inputShape: [32, 32, 3],
    layers,
    head: softmaxCrossEntropyHead,
    init: vggInit,
  });
}
