import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheStore } from '../cache/store.ts';
import type { NDArray } from '../cache/values.ts';
import toy from '../test/fixtures/toy-project.ts';
import { readHeadlines, stageOfInstance, type HeadlinesSpec } from './headlines.ts';
import { projectPlan, resolveConfig } from './project.ts';
import { runToCompletion } from './runner.ts';
import type { RunView } from './run-view.ts';

/** The toy run inline into a fresh cache, and the run as `diff` sees it. */
async function toyRun(overrides: string[] = []) {
  const resolved = resolveConfig(toy, 'quick', overrides);
  const plan = projectPlan(toy, resolved);
  const cache = CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-headlines-')));
  const summary = await runToCompletion({ plan, cache, scope: 'quick', config: resolved.config, jobs: 1 });
  const view: RunView = {
    label: 'run',
    source: 'profile',
    profile: 'quick',
    overrides,
    config: resolved.config,
    instances: new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key])),
  };
  return { cache, plan, view, ok: summary.ok };
}

const values = (h: { metrics: readonly { id: string; value: number | null }[] }) => Object.fromEntries(h.metrics.map((m) => [m.id, m.value]));

test('the toy headlines from its cached outputs agree with the toy’s arithmetic', async (t) => {
  const { cache, view, ok, plan } = await toyRun(['left.scale=3', 'right.offset=0.5']);
  t.true(ok);
  const h = readHeadlines(toy.headlines!, view, cache);
  const v = values(h);
  const x = (cache.readOutputs(cache.getManifest(plan.nodes.get('source')!.key)!).x as NDArray<Float64Array>).data;
  const sum = x.reduce((a, b) => a + b, 0);
  t.true(Math.abs(v['mean.source']! - sum / 16) < 1e-12);
  t.true(Math.abs(v['mean.left']! - (3 * sum) / 16) < 1e-12, 'left is x · scale');
  t.true(Math.abs(v['mean.right']! - (sum / 16 + 0.5)) < 1e-12, 'right is x + offset');
  t.true(Math.abs(v['join.sum']! - (4 * sum + 16 * 0.5)) < 1e-9, 'join is left + right');
  for (const [kind, per] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const)
    t.true(Math.abs(v[`fan.${kind}`]! - per * v['join.sum']!) < 1e-9, `fan ${kind}`);
  t.deepEqual(h.absent, []);
  t.is(h.read.length, 8, 'source, left, right, join, three fans, slow');
  t.deepEqual(
    h.claims.map((c) => c.id),
    ['join-above-offset', 'fan-ordered'],
  );
});

test('an instance that is not cached gives null metrics and no claim; nothing is computed', async (t) => {
  const { cache, view } = await toyRun();
  const elsewhere = { ...view, instances: new Map([...view.instances].map(([id, key]) => [id, id === 'join' ? 'f'.repeat(64) : key])) };
  const h = readHeadlines(toy.headlines!, elsewhere, cache);
  t.is(values(h)['join.sum'], null);
  t.deepEqual(h.absent, ['join']);
  t.false(h.claims.some((c) => c.id === 'join-above-offset'));
  const none = readHeadlines(toy.headlines!, view, undefined);
  t.true(
    none.metrics.every((m) => m.value === null),
    'without a cache every metric is null',
  );
  t.is(none.metrics.length, 8);
});

test('only the declared outputs are loaded, an entry shared by two runs once, and a failing reader is reported', async (t) => {
  const { cache, view } = await toyRun();
  const seen: Record<string, string[]>[] = [];
  const spec: HeadlinesSpec = {
    stages: ['fan', 'summary'],
    outputs: { fan: ['total'] },
    read(outputs) {
      seen.push(Object.fromEntries(Object.entries(outputs).map(([id, o]) => [id, Object.keys(o)])));
      return { metrics: [], claims: [], deviations: [] };
    },
  };
  const memo = new Map();
  readHeadlines(spec, view, cache, memo);
  t.deepEqual(seen[0], { 'fan[kind=a]': ['total'], 'fan[kind=b]': ['total'], 'fan[kind=c]': ['total'], summary: ['report'] });
  const size = memo.size;
  readHeadlines(spec, view, cache, memo);
  t.is(memo.size, size, 'the second run’s shared entries come from the memo');
  const broken = readHeadlines({ ...spec, read: () => JSON.parse('{') }, view, cache);
  t.regex(broken.problem!, /JSON/);
  t.deepEqual(broken.metrics, []);
});

test('the stage of an instance id, with parameters and a sweep point', (t) => {
  t.is(stageOfInstance('fashion.summary'), 'fashion.summary');
  t.is(stageOfInstance('fashion.dynamics[kind=sgd,seed=0]'), 'fashion.dynamics');
  t.is(stageOfInstance('join@left.scale=2'), 'join');
});
