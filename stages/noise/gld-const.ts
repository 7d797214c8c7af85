/** `gld_const`: Langevin dynamics with fixed isotropic noise σ²I. */
import { z } from 'zod';
import { defineNoiseKind, NO_NEEDS, samplerFromShape, type NoiseConfig } from './kind.ts';
import { OKABE_ITO } from './style.ts';

/** σ from the config, or an error naming the value. */
function sigmaOf(config: NoiseConfig): number {
  const s = config.sigma;
  if (s === undefined || !(s >= 0) || !Number.isFinite(s)) throw new Error(`noise kind gld_const: config.sigma must be finite and ≥ 0, got ${s}`);
  return s;
}

/** GLD const: ξ ~ N(0, σ²I) with σ fixed by config. */
export const gldConst = defineNoiseKind({
  name: 'gld_const',
  description: 'GLD const: isotropic σ²I, σ fixed',
  settings: z.object({ sigma: z.number().positive() }).strict(),
  defaults: { sigma: 1e-3 },
  noiseKeys: ['sigma'],
  shape: 'isotropic',
  style: { label: 'GLD const', color: OKABE_ITO.orange, dash: [6, 3], shape: 'triangle-up' },
  needs: (config) => (sigmaOf(config), NO_NEEDS),
  build: (stats, config) => samplerFromShape('gld_const', { type: 'isotropic', size: stats.size, variance: sigmaOf(config) ** 2 }),
});
