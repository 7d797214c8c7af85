/** `gld_dynamic`: isotropic noise with the current gradient-noise magnitude, (TrΣ/D)·I. */
import { z } from 'zod';
import { defineNoiseKind, NO_NEEDS, requireStat, samplerFromShape } from './kind.ts';
import { positiveInt } from './settings.ts';
import { OKABE_ITO } from './style.ts';

/** GLD dynamic: ξ ~ N(0, (TrΣ/D)·I), same total variance as SGD. */
export const gldDynamic = defineNoiseKind({
  name: 'gld_dynamic',
  description: 'GLD dynamic: isotropic (TrΣ/D)·I',
  settings: z.object({ refresh: positiveInt }).strict(),
  defaults: { refresh: 10 },
  noiseKeys: [],
  shape: 'isotropic',
  style: { label: 'GLD dynamic', color: OKABE_ITO.skyBlue, dash: [2, 2], shape: 'triangle-down' },
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceTrace: true }),
  build: (stats) =>
    samplerFromShape('gld_dynamic', {
      type: 'isotropic',
      size: stats.size,
      variance: requireStat('gld_dynamic', stats, 'covarianceTrace') / stats.size,
    }),
});
