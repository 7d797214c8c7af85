/** `gld_diag`: the diagonal of the gradient-noise covariance, diag(Σ). */
import { z } from 'zod';
import { defineNoiseKind, NO_NEEDS, requireStat, samplerFromShape } from './kind.ts';
import { positiveInt } from './settings.ts';
import { OKABE_ITO } from './style.ts';

/** GLD diag: ξ ~ N(0, diag(Σ)) (trace TrΣ). */
export const gldDiag = defineNoiseKind({
  name: 'gld_diag',
  description: 'GLD diag: diag(Σ)',
  settings: z.object({ refresh: positiveInt }).strict(),
  defaults: { refresh: 10 },
  noiseKeys: [],
  shape: 'diagonal',
  style: { label: 'GLD diag', color: OKABE_ITO.yellow, dash: [6, 2, 2, 2], shape: 'diamond' },
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceDiagonal: true }),
  build: (stats) => {
    const variances = requireStat('gld_diag', stats, 'covarianceDiagonal');
    if (variances.length !== stats.size) throw new Error(`noise kind gld_diag: diagonal of length ${variances.length}, expected ${stats.size}`);
    return samplerFromShape('gld_diag', { type: 'diagonal', size: stats.size, variances: Float64Array.from(variances) });
  },
});
