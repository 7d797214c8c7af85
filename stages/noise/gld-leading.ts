/** `gld_leading`: the top-k eigen-part of the gradient-noise covariance, Σ_j λ_j v_j v_jᵀ. */
import { leadingPairs, NO_NEEDS, requireK, requireStat, samplerFromShape, type NoiseKind } from './kind.ts';

/** GLD leading: ξ ~ N(0, Σ_{j≤k} λ_j v_j v_jᵀ) from Σ's top-k; not rescaled unless config.rescaleToTrace (then trace TrΣ). */
export const gldLeading: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gld_leading',
  description: 'GLD leading: top-k eigen-part of Σ',
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
