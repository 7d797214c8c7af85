/** A stage's inputs in a run, on the toy project: the view's own keys win, the cache says what it lacks, outputs load. */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheStore } from '../cache/store.ts';
import { UsageError } from './errors.ts';
import { buildPlan } from './plan.ts';
import { resolveConfig } from './project.ts';
import { runToCompletion } from './runner.ts';
import type { RunView } from './run-view.ts';
import { loadViewInputs, uncachedInputs, viewStageInputs } from './view-inputs.ts';
import toy from '../test/fixtures/toy-project.ts';

function view(overrides: string[], instances?: Map<string, string>): RunView {
  const { config } = resolveConfig(toy, 'quick', overrides);
  const plan = buildPlan(toy.stages, config);
  return {
    label: overrides.join(',') || 'quick',
    source: overrides.length ? 'point' : 'profile',
    profile: 'quick',
    overrides,
    config,
    instances: instances ?? new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key])),
  };
}

test("a stage's inputs are its deps with the keys of that run's plan, in declaration order", (t) => {
  const v = view(['left.scale=3']);
  const plan = buildPlan(toy.stages, v.config);
  const inputs = viewStageInputs(toy.stages, v, 'summary');
  t.deepEqual(
    inputs.map((i) => i.name),
    ['slow', 'fan_a', 'fan_b', 'fan_c'],
  );
  for (const i of inputs) t.is(i.key, plan.nodes.get(i.instance)!.key, i.name);
  t.not(inputs.find((i) => i.name === 'fan_a')!.key, viewStageInputs(toy.stages, view([]), 'summary').find((i) => i.name === 'fan_a')!.key);
  t.throws(() => viewStageInputs(toy.stages, v, 'nosuch'), {
    instanceOf: UsageError,
    message: "run 'left.scale=3' has no 'nosuch' instance to read the inputs of",
  });
});

test("a view's own key for an instance (a run record's) wins over the key planned now; others fall back to the plan", (t) => {
  const recorded = new Map([['fan[kind=a]', 'ab'.repeat(32)]]);
  const inputs = viewStageInputs(toy.stages, view([], recorded), 'summary');
  t.is(inputs.find((i) => i.name === 'fan_a')!.key, 'ab'.repeat(32));
  t.is(inputs.find((i) => i.name === 'fan_b')!.key, buildPlan(toy.stages, view([]).config).nodes.get('fan[kind=b]')!.key);
});

test('the cache says which inputs it lacks, and loads the outputs of those it holds', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-view-inputs-'));
  const v = view([]);
  const { config } = resolveConfig(toy, 'quick', []);
  const plan = buildPlan(toy.stages, config);
  const cache = CacheStore.open(dir);
  try {
    const inputs = viewStageInputs(toy.stages, v, 'summary');
    t.deepEqual(
      uncachedInputs(cache, inputs).map((i) => i.instance),
      ['slow', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]'],
    );
    const only = new Set(['fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]']);
    t.true((await runToCompletion({ plan, cache, scope: 'quick', config, jobs: 2, publishRoot: dir, selected: only })).ok);
    t.deepEqual(
      uncachedInputs(cache, inputs).map((i) => i.instance),
      ['slow'],
    );
    const fans = inputs.filter((i) => i.name.startsWith('fan_'));
    const loaded = loadViewInputs(cache, fans);
    t.deepEqual(Object.keys(loaded), ['fan_a', 'fan_b', 'fan_c']);
    t.is(loaded.fan_b!.kind, 'b');
    t.throws(() => loadViewInputs(cache, inputs), { message: /input 'slow' \(slow, [0-9a-f]{12}\) is not in the cache/ });
  } finally {
    await cache.close();
  }
});
