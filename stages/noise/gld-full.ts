/** `gld_full`: Gaussian noise with the full gradient-noise covariance Σ of SGD at batch size m, drawn from its factor. */
import { z } from 'zod';
import { defineNoiseKind, NO_NEEDS, requireStat, samplerFromShape } from './kind.ts';
import { positiveInt } from './settings.ts';
import { TOL_MUTED } from './style.ts';

/**
 * GLD full: ξ ~ N(0, Σ) with Σ = Σ_k c_k c_kᵀ the same minibatch-gradient covariance the other kinds use (factor rows
 * c_k = (g_k − ḡ)/√(B − 1) from B minibatch-mean gradients), drawn exactly as ξ = Σ_k z_k c_k, z ~ N(0, I_B). Its trace
 * is TrΣ with no rescaling: the Gaussian with SGD's own second moments.
 */
export const gldFull = defineNoiseKind({
  name: 'gld_full',
  description: 'GLD full: the whole of Σ (Gaussian with SGD’s covariance)',
  settings: z.object({ refresh: positiveInt }).strict(),
  // Σ re-estimated at every step (refresh 1), so that beside M-SGD the one difference is a Gaussian with an estimated Σ
  // against the per-example gradients at θ_t themselves (Wu et al., ICML 2020).
  defaults: { refresh: 1 },
  noiseKeys: [],
  // Its block has always come before gld_hessian_top1's: resolved configs and the report's provenance table keep that key order.
  settingsBefore: 'gld_hessian_top1',
  shape: 'lowRank',
  // The ninth colour: Okabe–Ito has eight. Paul Tol's wine, a dark red near SGD's vermillion in hue (the Gaussian with
  // SGD's own Σ), stays ΔE2000 ≥ 17 from every Okabe–Ito colour under each simulated colour-vision deficiency.
  style: { label: 'GLD full', color: TOL_MUTED.wine, dash: [10, 2, 2, 2], shape: 'wedge' },
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceFactor: true }),
  build: (stats) => samplerFromShape('gld_full', { type: 'lowRank', size: stats.size, rows: requireStat('gld_full', stats, 'covarianceFactor') }),
});
