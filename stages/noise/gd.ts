/** `gd`: full-batch gradient descent, ξ = 0. */
import { NO_NEEDS, samplerFromShape, type NoiseKind } from './kind.ts';

/** Gradient descent: no noise, full gradient. */
export const gd: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gd',
  description: 'GD: full gradient, no noise',
  needs: () => NO_NEEDS,
  build: (stats) => samplerFromShape('gd', { type: 'zero', size: stats.size }),
});
