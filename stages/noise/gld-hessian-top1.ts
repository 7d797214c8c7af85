/** `gld_hessian_top1`: all the noise along the Hessian's leading eigenvector, TrΣ·u₁u₁ᵀ. */
import { z } from 'zod';
import { leadingPairs, defineNoiseKind, NO_NEEDS, requireStat, samplerFromShape } from './kind.ts';
import { positiveInt } from './settings.ts';
import { OKABE_ITO } from './style.ts';

/** GLD Hessian top-1: ξ ~ N(0, TrΣ·u₁u₁ᵀ). */
export const gldHessianTop1 = defineNoiseKind({
  name: 'gld_hessian_top1',
  description: 'GLD 1st eigven(H): TrΣ·u₁u₁ᵀ',
  settings: z
    .object({
      refresh: positiveInt,
      /** How u₁ is found: Lanczos (default when absent; fashion.dynamics.hessian) or power steps from a uniform random vector. */
      eigvec: z
        .discriminatedUnion('method', [
          z.object({ method: z.literal('lanczos') }).strict(),
          z.object({ method: z.literal('power'), iterations: positiveInt }).strict(),
        ])
        .optional(),
    })
    .strict(),
  defaults: { refresh: 10 },
  noiseKeys: [],
  shape: 'lowRank',
  style: { label: 'GLD 1st eigvec(H)', color: OKABE_ITO.reddishPurple, dash: [1, 3], shape: 'triangle-right' },
  needs: () => Object.freeze({ ...NO_NEEDS, hessianTopK: 1, covarianceTrace: true }),
  build: (stats) => {
    const top = leadingPairs('gld_hessian_top1', requireStat('gld_hessian_top1', stats, 'hessianTopK'), 1, 'H');
    const s = Math.sqrt(requireStat('gld_hessian_top1', stats, 'covarianceTrace'));
    return samplerFromShape('gld_hessian_top1', { type: 'lowRank', size: stats.size, rows: [Float64Array.from(top.eigenvectors[0]!, (x) => x * s)] });
  },
});
