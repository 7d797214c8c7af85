import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CacheStore } from '../cache/store.ts';
import { NDArray } from '../cache/values.ts';
import { array, f32, file, json, optional, outputProblems, readOutputs } from './outputs.ts';
import { buildPlan } from './plan.ts';
import { runToCompletion } from './runner.ts';
import { defineStage, type AnyStage } from './stage.ts';

const row = z.object({ loss: z.number() });
const OUTPUTS = { w: array('float32', 2), log: json(z.array(row)) } as const;
const good = { w: new NDArray(new Float32Array(4), [2, 2]), log: [{ loss: 1 }] };

/** A stage declaring OUTPUTS that returns `value` (typed loosely: these stages break their declaration on purpose). */
const returning = (id: string, value: Record<string, unknown>): AnyStage =>
  defineStage({ id, version: 1, description: id, reads: [], outputs: OUTPUTS, run: async () => value as never });

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['undeclared', { ...good, extra: 1 }, /^undeclared: output 'extra' is not declared \(declared: w, log\); nothing was stored$/],
  ['missing', { w: good.w }, /^missing: output 'log' is declared but missing; nothing was stored$/],
  ['dtype', { ...good, w: new NDArray(new Float64Array(4), [2, 2]) }, /^dtype: output 'w' should be a float32 array, got float64/],
  ['rank', { ...good, w: new Float32Array(4) }, /^rank: output 'w' should have rank 2, got rank 1/],
  ['schema', { ...good, log: [{ loss: 'high' }] }, /^schema: output 'log' fails its schema: 0\.loss: Expected number, received string/],
  ['notjson', { ...good, log: [{ loss: Number.NaN }] }, /^notjson: output 'log' is not JSON: output log\[0\]\.loss is NaN/],
  ['arrayForJson', { ...good, log: new Float32Array(2) }, /^arrayForJson: output 'log' should be JSON, got a float32 array/],
];

test('an output that breaks its declaration fails its instance, naming instance and output, and nothing is committed; a valid one commits', async (t) => {
  const stages = [...CASES.map(([id, value]) => returning(id, value)), returning('valid', good)];
  const plan = buildPlan(stages, {});
  const cache = CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-outputs-')));
  try {
    const summary = await runToCompletion({ plan, cache, scope: 'test', config: {}, jobs: 2, keepGoing: true });
    t.deepEqual(summary.ran, ['valid']);
    for (const [id, , message] of CASES) {
      const failure = summary.failed.find((f) => f.instance === id);
      t.regex(failure?.error ?? '(did not fail)', message, id);
      t.is(cache.getManifest(plan.nodes.get(id)!.key), undefined, `${id}: nothing committed`);
    }
    const manifest = cache.getManifest(plan.nodes.get('valid')!.key)!;
    t.deepEqual(cache.readOutputs(manifest).log, good.log);
  } finally {
    await cache.close();
  }
});

test('outputProblems: optional outputs may be absent, prefixed names match `prefix/*`, files are text or bytes', (t) => {
  const declared = { claims: json(z.array(z.string())), lanczos: optional(f32), 'files/*': file } as const;
  t.deepEqual(outputProblems(declared, { claims: ['a'], 'files/index.html': '<p>', 'files/a.png': new NDArray(new Uint8Array(3)) }), []);
  t.deepEqual(outputProblems(declared, { claims: [], lanczos: new Float32Array(1) }), []);
  t.deepEqual(outputProblems(declared, { claims: [], 'files/x.bin': new Float32Array(1) }), [
    "output 'files/x.bin' should be a file (a string or a uint8 array), got a float32 array",
  ]);
  t.deepEqual(outputProblems(declared, { claims: [], filesx: 'a' }), ["output 'filesx' is not declared (declared: claims, lanczos, files/*)"]);
  t.deepEqual(outputProblems(declared, { lanczos: { n: 1 } }), [
    "output 'lanczos' should be a float32 array, got a JSON object",
    "output 'claims' is declared but missing",
  ]);
});

test('readOutputs: outputs read back untyped come back typed when they match their declaration, and throw naming where and what otherwise', (t) => {
  const loaded = { w: new NDArray(new Float32Array(4), [2, 2]), log: [{ loss: 1 }] };
  const typed = readOutputs(OUTPUTS, loaded, 'up[seed=0]');
  t.is(typed, loaded);
  const loss: number = typed.log[0]!.loss;
  t.is(loss, 1);
  t.throws(() => readOutputs(OUTPUTS, { ...loaded, log: [{ loss: 'high' }] }, 'up[seed=0]'), {
    message: /^up\[seed=0\]: output 'log' fails its schema: 0\.loss: Expected number/,
  });
  t.throws(() => readOutputs(OUTPUTS, { log: loaded.log }, 'up[seed=1]'), { message: "up[seed=1]: output 'w' is declared but missing" });
});
