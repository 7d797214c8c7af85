import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheStore } from '../cache/store.ts';
import { hashJson } from '../cache/hash.ts';
import { buildPlan, stageKey, withoutInputs } from './plan.ts';
import { runToCompletion } from './runner.ts';
import { defineStage } from './stage.ts';

/** How often each stage's run() was called. */
const calls = new Map<string, number>();
const count = (id: string) => calls.set(id, (calls.get(id) ?? 0) + 1);

const dataset = defineStage({
  id: 'dataset',
  version: 1,
  description: 'fails while its data cannot be had',
  reads: ['dataset'],
  async run(ctx) {
    count('dataset');
    if (!ctx.config<boolean>('dataset.available')) throw new Error('data not found');
    return { value: { n: 7 } };
  },
});
const toy = defineStage({
  id: 'toy',
  version: 1,
  description: 'needs no data',
  reads: [],
  async run() {
    count('toy');
    return { value: { n: 1 } };
  },
});
const strict = defineStage({
  id: 'strict',
  version: 1,
  description: 'needs the dataset',
  reads: [],
  deps: () => ({ d: { stage: 'dataset' } }),
  async run() {
    count('strict');
    return { value: { n: 2 } };
  },
});
const report = defineStage({
  id: 'report',
  version: 1,
  description: 'shows whatever ran',
  reads: [],
  deps: () => ({ data: { stage: 'dataset', optional: true }, toy: { stage: 'toy', optional: true } }),
  async run(ctx, inputs) {
    count('report');
    return { shown: { present: Object.keys(inputs).sort(), missing: { ...ctx.missing } } };
  },
});
const STAGES = [dataset, toy, strict, report];

async function run(dir: string, available: boolean) {
  calls.clear();
  const plan = buildPlan(STAGES, { dataset: { available } });
  const cache = CacheStore.open(dir);
  try {
    const summary = await runToCompletion({ plan, cache, scope: 'test', config: { dataset: { available } }, jobs: 2, keepGoing: true });
    const reportKey = summary.partial.length ? withoutInputs(plan.nodes.get('report')!, ['data']).key : plan.nodes.get('report')!.key;
    const manifest = cache.getManifest(reportKey);
    const shown = manifest ? (cache.readOutputs(manifest).shown as { present: string[]; missing: Record<string, string> }) : undefined;
    return { summary, plan, manifest, shown, calls: new Map(calls) };
  } finally {
    await cache.close();
  }
}

test.serial('a failed optional input: the stage runs without it under its own key and says what is missing', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-opt-'));
  const first = await run(dir, false);
  t.false(first.summary.ok, 'the run still fails: a stage failed');
  t.deepEqual(
    first.summary.failed.map((f) => f.instance),
    ['dataset'],
  );
  t.deepEqual(
    first.summary.skipped.map((s) => s.instance),
    ['strict'],
    'a required input still blocks',
  );
  t.deepEqual(first.summary.partial, [{ instance: 'report', missing: ['data'] }]);
  t.deepEqual(first.shown, { present: ['toy'], missing: { data: 'dataset' } });
  t.deepEqual(first.manifest!.missing, { data: 'dataset' });
  t.not(first.manifest!.key, first.plan.nodes.get('report')!.key, 'the partial entry is not the complete one');

  const again = await run(dir, false);
  t.is(again.calls.get('report'), undefined, 'the partial report is a cache hit while the input still fails');
  t.true(again.summary.hits.includes('report'));

  const fixed = await run(dir, true);
  t.true(fixed.summary.ok);
  t.deepEqual(fixed.summary.partial, []);
  t.is(fixed.calls.get('report'), 1, 'once the input exists the complete report is computed');
  t.is(fixed.calls.get('toy'), undefined, 'and nothing that had run is recomputed');
  t.deepEqual(fixed.shown, { present: ['data', 'toy'], missing: {} });
  t.is(fixed.manifest!.missing, undefined);
});

test('keys of complete instances do not change; only declared-optional inputs can be left out', (t) => {
  const fields = { stage: 's', params: {}, version: 1, config: { a: 1 }, inputs: { x: 'k' } };
  t.is(stageKey(fields), hashJson(fields));
  t.is(stageKey({ ...fields, missing: [] }), hashJson(fields));
  t.not(stageKey({ ...fields, missing: ['x'] }), hashJson(fields));
  const plan = buildPlan(STAGES, { dataset: { available: true } });
  t.throws(() => withoutInputs(plan.nodes.get('strict')!, ['d']), { message: /strict: input\(s\) d are not optional/ });
  t.deepEqual(plan.nodes.get('report')!.optionalInputs, ['data', 'toy']);
});
