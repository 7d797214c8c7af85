/** `gld_hessian`: noise shaped like the Hessian's top-k eigen-part, Σ_j λ_j u_j u_jᵀ, rescaled to trace TrΣ. */
import { z } from 'zod';
import { leadingPairs, defineNoiseKind, NO_NEEDS, requireK, requireStat, samplerFromShape } from './kind.ts';
import { positiveInt } from './settings.ts';
import { OKABE_ITO } from './style.ts';

/**
 * GLD Hessian: ξ ~ N(0, (TrΣ/Σ_j λ_j)·Σ_{j≤k} λ_j u_j u_jᵀ) with (λ_j, u_j) the leading Hessian eigenpairs; negative
 * λ_j (possible near saddles) are clamped to 0, since a variance cannot be negative.
 */
export const gldHessian = defineNoiseKind({
  name: 'gld_hessian',
  description: 'GLD Hessian: top-k eigen-part of H, rescaled to trace TrΣ',
  settings: z.object({ refresh: positiveInt, k: positiveInt }).strict(),
  defaults: { refresh: 10, k: 20 },
  noiseKeys: ['k'],
  shape: 'lowRank',
  style: { label: 'GLD Hessian', color: OKABE_ITO.blue, dash: [4, 4], shape: 'triangle-left' },
  needs: (config) => Object.freeze({ ...NO_NEEDS, hessianTopK: requireK('gld_hessian', config), covarianceTrace: true }),
  build: (stats, config) => {
    const k = requireK('gld_hessian', config);
    const top = leadingPairs('gld_hessian', requireStat('gld_hessian', stats, 'hessianTopK'), k, 'H');
    const values = top.eigenvalues.map((l) => Math.max(l, 0));
    const total = values.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error(`noise kind gld_hessian: top-${k} Hessian eigenvalues have no positive mass (sum ${total})`);
    const scale = requireStat('gld_hessian', stats, 'covarianceTrace') / total;
    const rows = top.eigenvectors.map((u, j) => Float64Array.from(u, (x) => x * Math.sqrt(values[j]! * scale)));
    return samplerFromShape('gld_hessian', { type: 'lowRank', size: stats.size, rows });
  },
});
