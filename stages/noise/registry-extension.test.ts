/**
 * Adding a kind is its module plus one registry line: a test-only kind, defined here, in a registry with it added
 * gets a config block, its settings read by the fashion stages (and their cache-key paths), a cost and a plot style,
 * with no other file edited.
 */
import test from 'ava';
import { z } from 'zod';
import { configReader } from '../../pipeline/estimate.ts';
import { dynamicsCost, probePointCost, theoryCost } from '../fashion/cost.ts';
import { noiseKeyPaths, readKindSettings, readShapeConfig } from '../fashion/kind-settings.ts';
import { KIND_ORDER, kindStyle, kindStyles } from '../report/render/theme.ts';
import { defineNoiseKind, NO_NEEDS, requireStat, samplerFromShape } from './kind.ts';
import { NOISE_KINDS, noiseKind, type NoiseKinds } from './registry.ts';
import { kindDefaults, kindSettingsShape, positiveInt } from './settings.ts';
import { OKABE_ITO } from './style.ts';

/** The module: isotropic noise scale·(TrΣ/D)·I, with a setting of its own (`scale`). */
const gldScaled = defineNoiseKind({
  name: 'gld_scaled',
  description: 'GLD scaled (test only): isotropic scale·(TrΣ/D)·I',
  settings: z.object({ refresh: positiveInt, scale: z.number().positive() }).strict(),
  defaults: { refresh: 4, scale: 0.5 },
  noiseKeys: ['scale'],
  shape: 'isotropic',
  style: { label: 'GLD scaled', color: OKABE_ITO.blue, dash: [3, 1], shape: 'star' },
  needs: () => Object.freeze({ ...NO_NEEDS, covarianceTrace: true }),
  build: (stats, config) =>
    samplerFromShape('gld_scaled', {
      type: 'isotropic',
      size: stats.size,
      variance: ((config.scale as number) * requireStat('gld_scaled', stats, 'covarianceTrace')) / stats.size,
    }),
});

/** The registry line. */
const KINDS = Object.freeze({ ...NOISE_KINDS, gld_scaled: gldScaled }) satisfies NoiseKinds;

const dynamics = {
  kinds: ['gd', 'gld_scaled'],
  iterations: 6,
  lr: 0.05,
  batchSize: 10,
  logEvery: 2,
  checkpoints: [0, 6],
  hessian: { tol: 1e-3, tolPairs: 2, tolRest: 1e-2, maxIter: 12, start: 'cold' },
  ...kindDefaults(NOISE_KINDS), // every registered kind's block, then small settings for the paper's kinds
  gd: {},
  sgd: {},
  gld_const: { sigma: 1e-2 },
  gld_dynamic: { refresh: 4 },
  gld_diag: { refresh: 2 },
  gld_leading: { refresh: 2, k: 2, rescaleToTrace: false },
  gld_hessian: { refresh: 3, k: 2 },
  gld_hessian_top1: { refresh: 2 },
  gld_full: { refresh: 2 },
  gld_scaled: { refresh: 4, scale: 0.5 },
};
const fashion = (kinds: string[]) => ({
  data: { train: 40, test: 24 },
  dynamics: { ...dynamics, kinds },
  probe: {
    topK: 3,
    lanczos: { tol: 1e-3, tolPairs: 2, tolRest: 1e-2, maxIter: 12 },
    hutchinsonSamples: 3,
    exactTraceHSigma: true,
    sharpness: { delta: 0.01, samples: 2 },
  },
  theory: { runs: 2, steps: 3, every: 2 },
});
const cfg = (kinds: string[]) => configReader({ fashion: fashion(kinds) });

test('the config schema built from the registry takes the new kind’s block and checks it', (t) => {
  const schema = z.object(kindSettingsShape(KINDS)).strict();
  const { kinds: _kinds, iterations: _i, lr: _lr, batchSize: _m, logEvery: _l, checkpoints: _c, hessian: _h, ...blocks } = dynamics;
  t.deepEqual(schema.parse(blocks), blocks);
  t.is(Object.keys(kindSettingsShape(KINDS)).at(-1), 'gld_scaled');
  const bad = schema.safeParse({ ...blocks, gld_scaled: { refresh: 4, scale: -1 } });
  t.deepEqual(
    bad.error?.issues.map((i) => i.path.join('.')),
    ['gld_scaled.scale'],
  );
  t.false(schema.safeParse({ ...blocks, gld_scaled: { refresh: 4, scale: 1, sigma: 1 } }).success, 'strict');
  t.false(z.object(kindSettingsShape(NOISE_KINDS)).strict().safeParse(blocks).success, 'the registry without it does not know the block');
});

test('the paper profile gets its settings block from the kind’s defaults, which its schema accepts', (t) => {
  const blocks = kindDefaults(KINDS);
  t.deepEqual(blocks.gld_scaled, { refresh: 4, scale: 0.5 });
  t.deepEqual(Object.keys(blocks), Object.keys(KINDS));
  const schema = z.object(kindSettingsShape(KINDS)).strict();
  t.deepEqual(schema.parse(blocks), blocks);
});

test('the fashion stages read its settings and key on its noise-shaping keys', (t) => {
  const c = cfg(['gd', 'gld_scaled']);
  t.deepEqual(readKindSettings(c, 'gld_scaled', KINDS), { noise: { scale: 0.5 }, refresh: 4, noiseSteps: undefined, eigvec: undefined });
  t.deepEqual(noiseKeyPaths('gld_scaled', KINDS), ['fashion.dynamics.gld_scaled.scale']);
  t.deepEqual(readShapeConfig(c, 'gld_scaled', KINDS), { scale: 0.5 });
  const sampler = noiseKind('gld_scaled', KINDS).build({ size: 4, covarianceTrace: 2 }, readShapeConfig(c, 'gld_scaled', KINDS));
  t.is(sampler.trace, 1);
});

test('the cost model counts it from its needs, refresh and covariance shape', (t) => {
  // Same needs (TrΣ), refresh (4) and shape (isotropic) as gld_dynamic here, so the same counts.
  t.deepEqual(dynamicsCost('gld_scaled', cfg(['gld_scaled']), KINDS), dynamicsCost('gld_dynamic', cfg(['gld_dynamic'])));
  t.deepEqual(theoryCost(cfg(['gd', 'gld_scaled']), KINDS), theoryCost(cfg(['gd', 'gld_dynamic'])));
  t.notDeepEqual(theoryCost(cfg(['gd', 'gld_scaled']), KINDS), theoryCost(cfg(['gd'])), 'an isotropic kind adds Hutchinson’s samples and Σ');
  t.deepEqual(probePointCost(['gld_scaled'], cfg(['gld_scaled']), KINDS), probePointCost(['gd'], cfg(['gd'])), 'not low-rank: no rows of its own');
});

test('the theme draws it with its own style, after the registered kinds in the legend', (t) => {
  const styles = kindStyles(KINDS);
  t.deepEqual(Object.keys(styles), [...KIND_ORDER, 'gld_scaled']);
  t.is(kindStyle('gld_scaled', styles), gldScaled.style);
  t.throws(() => kindStyle('gld_scaled'), { message: /unknown noise kind 'gld_scaled'/ });
});
