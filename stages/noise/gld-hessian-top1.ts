/** `gld_hessian_top1`: all the noise along the Hessian's leading eigenvector, TrΣ·u₁u₁ᵀ. */
import { leadingPairs, NO_NEEDS, requireStat, samplerFromShape, type NoiseKind } from './kind.ts';

/** GLD Hessian top-1: ξ ~ N(0, TrΣ·u₁u₁ᵀ). */
export const gldHessianTop1: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gld_hessian_top1',
  description: 'GLD 1st eigven(H): TrΣ·u₁u₁ᵀ',
  needs: () => Object.freeze({ ...NO_NEEDS, hessianTopK: 1, covarianceTrace: true }),
  build: (stats) => {
    const top = leadingPairs('gld_hessian_top1', requireStat('gld_hessian_top1', stats, 'hessianTopK'), 1, 'H');
    const s = Math.sqrt(requireStat('gld_hessian_top1', stats, 'covarianceTrace'));
    return samplerFromShape('gld_hessian_top1', { type: 'lowRank', size: stats.size, rows: [Float64Array.from(top.eigenvectors[0]!, (x) => x * s)] });
  },
});
