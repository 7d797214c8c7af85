/** `gld_dynamic`: isotropic noise with the current gradient-noise magnitude, (TrΣ/D)·I. */
import { NO_NEEDS, requireStat, samplerFromShape, type NoiseKind } from './kind.ts';

/** GLD dynamic: ξ ~ N(0, (TrΣ/D)·I), same total variance as SGD. */
export const gldDynamic: NoiseKind = Object.freeze<NoiseKind>({
  name: 'gld_dynamic',
  description: 'GLD dynamic: isotropic (TrΣ/D)·I',
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceTrace: true }),
  build: (stats) =>
    samplerFromShape('gld_dynamic', {
      type: 'isotropic',
      size: stats.size,
      variance: requireStat('gld_dynamic', stats, 'covarianceTrace') / stats.size,
    }),
});
