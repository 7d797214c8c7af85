import test from 'ava';
import { fileURLToPath } from 'node:url';
import { buildPlan } from './plan.ts';
import { resolveConfig } from './project.ts';
import { instanceEstimates, measuredPriorities, upwardRanks } from './priorities.ts';
import toy from '../test/fixtures/toy-project.ts';

test('upward rank: own estimate plus the largest rank below; a long stage outranks its short siblings', (t) => {
  const { config } = resolveConfig(toy, undefined, ['slow.steps=400']);
  const plan = buildPlan(toy.stages, config);
  const estimates = new Map<string, number>(plan.order.map((id) => [id, 1]));
  estimates.set('slow', 500);
  const ranks = upwardRanks(plan, estimates);
  t.is(ranks.get('summary'), 1);
  t.is(ranks.get('slow'), 501, 'slow, then summary');
  t.true(ranks.get('slow')! > ranks.get('fan[kind=a]')!, 'the long sibling first');
  t.is(ranks.get('source'), 502, 'everything waits on the source');
});

test('instance estimates multiply the cost model by the measured costs; unmeasured operations give none', (t) => {
  const { config } = resolveConfig(toy, undefined, ['slow.steps=10']);
  const plan = buildPlan(toy.stages, config);
  const est = instanceEstimates(plan, config, { 'toy.step': 2, 'toy.item': 0.5 });
  t.is(est.get('slow'), 20, '10 steps × 2 ms (the child start is not counted)');
  t.false(instanceEstimates(plan, config, {}).has('slow'));
});

test('measuredPriorities measures in a child process and ranks by critical path; a warm rerun never waits for it', async (t) => {
  const { config } = resolveConfig(toy, undefined, ['slow.steps=50']);
  const plan = buildPlan(toy.stages, config);
  const module = fileURLToPath(new URL('../test/fixtures/toy-project.ts', import.meta.url));
  const ranks = await measuredPriorities(plan, config, module);
  t.truthy(ranks);
  t.is(ranks!.get('slow'), 100 + ranks!.get('summary')!, 'slow: 50 steps × 2 ms, then the summary');
  const aborted = new AbortController();
  aborted.abort();
  t.is(await measuredPriorities(plan, config, module, aborted.signal), null, 'cancelled: null, not an error');
});
