/** `gd`: full-batch gradient descent, ξ = 0. */
import { z } from 'zod';
import { defineNoiseKind, NO_NEEDS, samplerFromShape } from './kind.ts';
import { OKABE_ITO } from './style.ts';

/** Gradient descent: no noise, full gradient. */
export const gd = defineNoiseKind({
  name: 'gd',
  description: 'GD: full gradient, no noise',
  settings: z.object({}).strict(),
  defaults: {},
  noiseKeys: [],
  shape: 'zero',
  style: { label: 'GD', color: OKABE_ITO.black, dash: [], shape: 'circle' },
  needs: () => NO_NEEDS,
  build: (stats) => samplerFromShape('gd', { type: 'zero', size: stats.size }),
});
