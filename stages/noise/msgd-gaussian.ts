/** `msgd_gaussian`: multiplicative SGD noise with Gaussian example weights of exactly SGD's sampling covariance. */
import { z } from 'zod';
import { gaussianCovariance, gaussianSgdWeights } from './example-weights.ts';
import { defineNoiseKind, NO_NEEDS, samplerFromShape } from './kind.ts';
import { TOL_MUTED } from './style.ts';

/**
 * M-SGD (Gaussian; Wu et al., ICML 2020): at every step the gradient of (1/N)Σ_i (1 + ε_i)·ℓ_i(θ_t), ε ~ N(0, C_m)
 * with C_m the covariance of SGD's sampling vector at batch size m (fashion.dynamics.batchSize) drawn without
 * replacement. Its noise (1/N)G(θ_t)ᵀε has covariance exactly Σ_m, SGD's own, from the per-example gradients at the
 * current iterate; it is Gaussian given θ_t where SGD's is not. It adds no ξ: `build` is the zero shape.
 */
export const msgdGaussian = defineNoiseKind({
  name: 'msgd_gaussian',
  description: 'M-SGD Gaussian: GD on the loss with example weights 1 + ε, ε ~ N(0, C_m) (noise covariance exactly Σ_m)',
  settings: z.object({}).strict(),
  defaults: {},
  noiseKeys: [],
  shape: 'zero',
  // Paul Tol's indigo, ΔE2000 ≥ 10 from every other kind's colour under every simulated deficiency.
  style: { label: 'M-SGD Gaussian', color: TOL_MUTED.indigo, dash: [12, 3], shape: 'arrow' },
  exampleWeights: { subset: false, draw: gaussianSgdWeights, covariance: gaussianCovariance },
  needs: () => Object.freeze({ ...NO_NEEDS, exampleWeights: true }),
  build: (stats) => samplerFromShape('msgd_gaussian', { type: 'zero', size: stats.size }),
});
