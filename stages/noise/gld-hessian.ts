/** `gld_hessian`: noise shaped like the Hessian's top-k eigen-part, Σ_j λ_j u_j u_jᵀ, rescaled to trace TrΣ. */
import { leadingPairs, NO_NEEDS, requireK, requireStat, samplerFromShape, type NoiseKind } from './kind.ts';

/**
 * GLD Hessian: ξ ~ N(0, (TrΣ/Σ_j λ_j)·Σ_{j≤k} λ_j u_j u_jᵀ) with (λ_j, u_j) the leading Hessian eigenpairs; negative
 * λ_j (possible near saddles) are clamped to 0, since a variance cannot be negative.
 */
export const gldHessian: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gld_hessian',
  description: 'GLD Hessian: top-k eigen-part of H, rescaled to trace TrΣ',
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
