import test from 'ava';
import type { z } from 'zod';
import { NOISE_KINDS, noiseKind } from './registry.ts';
import { PAPER_KINDS } from './testing.ts';

test('the registry lists the eight kinds of the paper, then gld_full, under their own names', (t) => {
  t.deepEqual(Object.keys(NOISE_KINDS).slice(0, PAPER_KINDS.length), [...PAPER_KINDS], 'the paper’s kinds first, any added kind after them');
  for (const [name, kind] of Object.entries(NOISE_KINDS)) {
    t.is(noiseKind(name), kind);
    t.is(kind.name as string, name);
    t.true(kind.description.length > 0);
  }
  t.is(Object.values(NOISE_KINDS).filter((k) => k.needs({ sigma: 1, k: 1 }).minibatchGradient).length, 1);
});

test('an unknown kind lists the known ones', (t) => {
  t.throws(() => noiseKind('gld_fool'), { message: `unknown noise kind 'gld_fool' (known: ${Object.keys(NOISE_KINDS).join(', ')})` });
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
