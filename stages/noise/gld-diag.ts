/** `gld_diag`: the diagonal of the gradient-noise covariance, diag(Σ). */
import { NO_NEEDS, requireStat, samplerFromShape, type NoiseKind } from './kind.ts';

/** GLD diag: ξ ~ N(0, diag(Σ)) (trace TrΣ). */
export const gldDiag: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gld_diag',
  description: 'GLD diag: diag(Σ)',
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceDiagonal: true }),
  build: (stats) => {
    const variances = requireStat('gld_diag', stats, 'covarianceDiagonal');
    if (variances.length !== stats.size) throw new Error(`noise kind gld_diag: diagonal of length ${variances.length}, expected ${stats.size}`);
    return samplerFromShape('gld_diag', { type: 'diagonal', size: stats.size, variances: Float64Array.from(variances) });
  },
});
