/** `gld_full`: Gaussian noise with the full gradient-noise covariance Σ of SGD at batch size m, drawn from its factor. */
import { NO_NEEDS, requireStat, samplerFromShape, type NoiseKind } from './kind.ts';

/**
 * GLD full: ξ ~ N(0, Σ) with Σ = Σ_k c_k c_kᵀ the same minibatch-gradient covariance the other kinds use (factor rows
 * c_k = (g_k − ḡ)/√(B − 1) from B minibatch-mean gradients), drawn exactly as ξ = Σ_k z_k c_k, z ~ N(0, I_B). Its trace
 * is TrΣ with no rescaling: the Gaussian with SGD's own second moments.
 */
export const gldFull: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gld_full',
  description: 'GLD full: the whole of Σ (Gaussian with SGD’s covariance)',
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceFactor: true }),
  build: (stats) => samplerFromShape('gld_full', { type: 'lowRank', size: stats.size, rows: requireStat('gld_full', stats, 'covarianceFactor') }),
});
