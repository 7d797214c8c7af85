/** `msgd_bernoulli`: multiplicative SGD noise with each example kept independently with probability m/N. */
import { z } from 'zod';
import { bernoulliCovariance, bernoulliWeights } from './example-weights.ts';
import { defineNoiseKind, NO_NEEDS, samplerFromShape } from './kind.ts';
import { EXTRA_COLOURS } from './style.ts';

/**
 * M-SGD (Bernoulli; Wu et al., ICML 2020): at every step the gradient of (1/N)Σ_i w_i·ℓ_i(θ_t), w_i = b_i/p,
 * b_i ~ Bernoulli(p = m/N): a minibatch of random size (mean m) scaled by its size over m. Its noise covariance is
 * (N − m)/(mN)·(1/N)GᵀG = ((N − 1)/N)·Σ_m + ((N − m)/(mN))·ḡḡᵀ — not exactly SGD's Σ_m: the mean-gradient term is
 * the variance of the batch's size, and is small near a minimum. It adds no ξ: `build` is the zero shape.
 */
export const msgdBernoulli = defineNoiseKind({
  name: 'msgd_bernoulli',
  description: 'M-SGD Bernoulli: each example kept with probability m/N, weights rescaled by N/m (noise covariance ≈ Σ_m, plus a ḡḡᵀ term)',
  settings: z.object({}).strict(),
  defaults: {},
  noiseKeys: [],
  shape: 'zero',
  style: { label: 'M-SGD Bernoulli', color: EXTRA_COLOURS.forest, dash: [3, 2, 8, 2], shape: 'M0,-1L0.95,-0.31L0.59,0.81L-0.59,0.81L-0.95,-0.31Z' },
  exampleWeights: { subset: true, draw: bernoulliWeights, covariance: bernoulliCovariance },
  needs: () => Object.freeze({ ...NO_NEEDS, exampleWeights: true }),
  build: (stats) => samplerFromShape('msgd_bernoulli', { type: 'zero', size: stats.size }),
});
