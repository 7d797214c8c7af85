import test from 'ava';
import { z } from 'zod';
import { NOISE_KINDS } from './registry.ts';
import { kindDefaults, kindSettingsShape } from './settings.ts';
import { PAPER_KINDS } from './testing.ts';

test('the fashion.dynamics blocks come in registry order, gld_full before gld_hessian_top1 as the config always had them', (t) => {
  const order = Object.keys(kindSettingsShape(NOISE_KINDS));
  t.deepEqual(
    order.filter((n) => (PAPER_KINDS as readonly string[]).includes(n)),
    ['gd', 'sgd', 'gld_const', 'gld_dynamic', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_full', 'gld_hessian_top1'],
  );
  const unmoved = (names: string[]) => names.filter((n) => NOISE_KINDS[n as keyof typeof NOISE_KINDS].settingsBefore === undefined);
  t.deepEqual(unmoved(order), unmoved(Object.keys(NOISE_KINDS)), 'the kinds without settingsBefore in registry order');
  t.deepEqual([...order].sort(), Object.keys(NOISE_KINDS).sort(), 'one block per kind');
  for (const [name, schema] of Object.entries(kindSettingsShape(NOISE_KINDS))) t.is(schema, NOISE_KINDS[name as keyof typeof NOISE_KINDS].settings);
});

test('the blocks validate as the config did: strict, refresh a positive integer, errors at the kind’s path', (t) => {
  const dynamics = z.object(kindSettingsShape(NOISE_KINDS)).strict();
  const good = {
    ...kindDefaults(NOISE_KINDS), // a kind added to the registry brings its own block
    gd: {},
    sgd: {},
    gld_const: { sigma: 1e-3 },
    gld_dynamic: { refresh: 10 },
    gld_diag: { refresh: 10 },
    gld_leading: { refresh: 10, k: 20, rescaleToTrace: false, noiseSteps: 'refresh' },
    gld_hessian: { refresh: 10, k: 20 },
    gld_hessian_top1: { refresh: 1, eigvec: { method: 'power', iterations: 30 } },
    gld_full: { refresh: 10 },
  };
  t.deepEqual(dynamics.parse(good), good);
  const issues = (over: object) => dynamics.safeParse({ ...good, ...over }).error?.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
  t.deepEqual(issues({ gld_diag: { refresh: 0 } }), ['gld_diag.refresh: too_small']);
  t.deepEqual(issues({ gd: { refresh: 1 } }), ['gd: unrecognized_keys']);
  t.deepEqual(issues({ gld_hessian_top1: { refresh: 1, eigvec: { method: 'power' } } }), ['gld_hessian_top1.eigvec.iterations: invalid_type']);
  t.deepEqual(issues({ gld_leading: { refresh: 10, k: 2 } }), ['gld_leading.rescaleToTrace: invalid_type']);
});

test('settingsBefore must name a kind of the registry', (t) => {
  const odd = { ...NOISE_KINDS, gld_full: { ...NOISE_KINDS.gld_full, settingsBefore: 'gld_nope' } };
  t.throws(() => kindSettingsShape(odd), { message: /noise kind gld_full: settingsBefore names 'gld_nope', which is not a kind of the registry/ });
});
