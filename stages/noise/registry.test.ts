import test from 'ava';
import type { z } from 'zod';
import { NOISE_KINDS, noiseKind } from './registry.ts';

test('the registry lists the eight kinds of the paper, then gld_full, under their own names', (t) => {
  t.deepEqual(Object.keys(NOISE_KINDS), ['gd', 'sgd', 'gld_const', 'gld_dynamic', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_hessian_top1', 'gld_full']);
  for (const [name, kind] of Object.entries(NOISE_KINDS)) {
    t.is(noiseKind(name), kind);
    t.is(kind.name as string, name);
    t.true(kind.description.length > 0);
  }
  t.is(Object.values(NOISE_KINDS).filter((k) => k.needs({ sigma: 1, k: 1 }).minibatchGradient).length, 1);
});

test('an unknown kind lists the known ones', (t) => {
  t.throws(() => noiseKind('gld_fool'), { message: /unknown noise kind 'gld_fool' \(known: gd, sgd, gld_const, .*gld_hessian_top1, gld_full\)/ });
  t.throws(() => noiseKind('toString'), { message: /unknown noise kind 'toString'/ });
});

test('each kind declares its settings schema (its noise keys among them), its covariance shape and its style', (t) => {
  for (const [name, kind] of Object.entries(NOISE_KINDS)) {
    const keys = Object.keys((kind.settings as unknown as z.AnyZodObject).shape);
    for (const key of kind.noiseKeys) t.true(keys.includes(key), `${name}: noise key ${key} is a settings key`);
    t.false(kind.noiseKeys.includes('refresh'), name);
    t.true(['zero', 'isotropic', 'diagonal', 'lowRank'].includes(kind.shape), name);
    t.true(kind.style.label.length > 0, name);
  }
});
