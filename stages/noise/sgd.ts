/** `sgd`: the noise is the minibatch gradient itself; the kind adds nothing but asks for a minibatch gradient. */
import { z } from 'zod';
import { defineNoiseKind, NO_NEEDS, samplerFromShape } from './kind.ts';
import { OKABE_ITO } from './style.ts';

/** SGD: a random minibatch gradient replaces the full gradient; ξ = 0 on top of it. */
export const sgd = defineNoiseKind({
  name: 'sgd',
  description: 'SGD: minibatch gradient (its noise has the gradient covariance), no extra noise',
  settings: z.object({}).strict(),
  defaults: {},
  noiseKeys: [],
  shape: 'zero',
  style: { label: 'SGD', color: OKABE_ITO.vermillion, dash: [], shape: 'square' },
  needs: () => Object.freeze({ ...NO_NEEDS, minibatchGradient: true }),
  build: (stats) => samplerFromShape('sgd', { type: 'zero', size: stats.size }),
});
