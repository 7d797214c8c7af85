/** `gld_leading`: the top-k eigen-part of the gradient-noise covariance, Σ_j λ_j v_j v_jᵀ. */
import { z } from 'zod';
import { leadingPairs, defineNoiseKind, NO_NEEDS, requireK, requireStat, samplerFromShape } from './kind.ts';
import { positiveInt } from './settings.ts';
import { OKABE_ITO } from './style.ts';

/** GLD leading: ξ ~ N(0, Σ_{j≤k} λ_j v_j v_jᵀ) from Σ's top-k; not rescaled unless config.rescaleToTrace (then trace TrΣ). */
export const gldLeading = defineNoiseKind({
  name: 'gld_leading',
  description: 'GLD leading: top-k eigen-part of Σ',
  settings: z
    .object({
      refresh: positiveInt,
      k: positiveInt,
      rescaleToTrace: z.boolean(),
      /** `every` (default when absent): noise on every step from the last refresh; `refresh`: only on refresh steps (released gld_lead.py). */
      noiseSteps: z.enum(['every', 'refresh']).optional(),
    })
    .strict(),
  defaults: { refresh: 10, k: 20, rescaleToTrace: false },
  noiseKeys: ['k', 'rescaleToTrace'],
  shape: 'lowRank',
  style: { label: 'GLD leading', color: OKABE_ITO.bluishGreen, dash: [8, 4], shape: 'cross' },
  needs: (config) => Object.freeze({ ...NO_NEEDS, covarianceTopK: requireK('gld_leading', config), covarianceTrace: config.rescaleToTrace === true }),
  build: (stats, config) => {
    const k = requireK('gld_leading', config);
    const top = leadingPairs('gld_leading', requireStat('gld_leading', stats, 'covarianceTopK'), k, 'Σ');
    const values = top.eigenvalues.map((l) => Math.max(l, 0));
    let scale = 1;
    if (config.rescaleToTrace === true) {
      const total = values.reduce((a, b) => a + b, 0);
      if (!(total > 0)) throw new Error(`noise kind gld_leading: cannot rescale top-${k} eigenvalues summing to ${total} to trace TrΣ`);
      scale = requireStat('gld_leading', stats, 'covarianceTrace') / total;
    }
    const rows = top.eigenvectors.map((v, j) => Float64Array.from(v, (x) => x * Math.sqrt(values[j]! * scale)));
    return samplerFromShape('gld_leading', { type: 'lowRank', size: stats.size, rows });
  },
});
