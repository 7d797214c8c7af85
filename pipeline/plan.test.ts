import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheStore } from '../cache/store.ts';
import { buildPlan, selectInstances, stageKey, PlanError } from './plan.ts';
import { resolveConfig } from './project.ts';
import { runToCompletion } from './runner.ts';
import { defineStage, instanceId } from './stage.ts';
import { planStatus } from './status.ts';
import { deriveSeed } from './seed.ts';
import toy from '../test/fixtures/toy-project.ts';

const noop = async () => ({});

test('golden cache key for a fixed stage and config', (t) => {
  // If this digest changes, every cache in the field is invalidated: change it only on purpose.
  const key = stageKey({
    stage: 'fashion.dynamics',
    params: { kind: 'sgd', seed: 0 },
    version: 3,
    config: { 'fashion.dynamics.lr': 0.07, 'fashion.dynamics.m': 20, seed: 1 },
    inputs: { start: 'a'.repeat(64) },
  });
  // Reference: python3 json.dumps(fields, sort_keys=True, separators=(',', ':')) piped through hashlib.sha256.
  t.is(key, 'acdab1aafcf395d30f73ad520c5ae621ebcd19d1726d5fbb093edb59ab865b99');
});

test('golden plan keys for the toy project', (t) => {
  const { config } = resolveConfig(toy, 'quick', []);
  const plan = buildPlan(toy.stages, config);
  t.snapshot(Object.fromEntries(plan.order.map((id) => [id, plan.nodes.get(id)!.key])));
});

test('derived seeds depend only on the root seed and the instance id', (t) => {
  t.is(deriveSeed(1, 'source'), deriveSeed(1, 'source'));
  t.not(deriveSeed(1, 'source'), deriveSeed(2, 'source'));
  t.not(deriveSeed(1, 'fan[kind=a]'), deriveSeed(1, 'fan[kind=b]'));
  t.is(deriveSeed(1, 'source'), 4202315713); // python: int.from_bytes(sha256(b'sgd-noise/seed/1/source').digest()[:4], 'big')
});

test('instance ids sort parameter names', (t) => {
  t.is(instanceId('dyn', { seed: 0, kind: 'sgd' }), 'dyn[kind=sgd,seed=0]');
  t.is(instanceId('prep'), 'prep');
});

test('a dependency cycle is rejected and named', (t) => {
  const a = defineStage({ id: 'a', version: 1, description: '', reads: [], deps: () => ({ x: { stage: 'c' } }), run: noop });
  const b = defineStage({ id: 'b', version: 1, description: '', reads: [], deps: () => ({ x: { stage: 'a' } }), run: noop });
  const c = defineStage({ id: 'c', version: 1, description: '', reads: [], deps: () => ({ x: { stage: 'b' } }), run: noop });
  const err = t.throws(() => buildPlan([a, b, c], {}), { instanceOf: PlanError });
  t.is(err?.message, 'dependency cycle: a → c → b → a');
});

test('a missing dependency, a missing instance and an undeclared config key are rejected with names', (t) => {
  const a = defineStage({ id: 'a', version: 1, description: '', reads: [], deps: () => ({ in: { stage: 'nope' } }), run: noop });
  t.throws(() => buildPlan([a], {}), { message: "a depends on stage 'nope' (input 'in'), which is not registered" });
  const p = defineStage({ id: 'p', version: 1, description: '', reads: [], instances: () => [{ k: 1 }], run: noop });
  const q = defineStage({ id: 'q', version: 1, description: '', reads: [], deps: () => ({ in: { stage: 'p', params: { k: 2 } } }), run: noop });
  t.throws(() => buildPlan([p, q], {}), { message: "q depends on p[k=2] (input 'in'), which is not an instance (instances: p[k=1])" });
  const r = defineStage({ id: 'r', version: 1, description: '', reads: ['x.y'], run: noop });
  t.throws(() => buildPlan([r], { x: {} }), { message: "r reads config key 'x.y', which does not exist" });
  const d = defineStage({ id: 'd', version: 1, description: '', reads: [], run: noop });
  t.throws(() => buildPlan([d, d], {}), { message: "two stages are registered with id 'd'" });
});

test('a stage reading an undeclared key fails naming the key', async (t) => {
  const sneaky = defineStage({
    id: 'sneaky',
    version: 1,
    description: '',
    reads: ['a'],
    run: async (ctx) => ({ v: ctx.config<number>('b') }),
  });
  const plan = buildPlan([sneaky], { a: 1, b: 2 });
  const cache = CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-plan-')));
  const summary = await runToCompletion({ plan, cache, scope: 'x', config: { a: 1, b: 2 }, jobs: 1 });
  t.regex(summary.failed[0]!.error, /sneaky reads config key 'b' without declaring it \(declared: a\)/);
});

test('an optional read (key?) is keyed only when the config has it, and reads as undefined when absent', async (t) => {
  const opt = defineStage({
    id: 'opt',
    version: 1,
    description: '',
    reads: ['a', 'b?'],
    run: async (ctx) => ({ v: { b: ctx.config<number>('b') ?? 'absent' } }),
  });
  const plain = defineStage({ id: 'opt', version: 1, description: '', reads: ['a'], run: noop });
  const without = buildPlan([opt], { a: 1 }).nodes.get('opt')!;
  t.is(without.key, buildPlan([plain], { a: 1 }).nodes.get('opt')!.key);
  t.deepEqual(without.reads, ['a', 'b']);
  const withB = buildPlan([opt], { a: 1, b: 2 }).nodes.get('opt')!;
  t.not(withB.key, without.key);
  t.deepEqual(withB.config, { a: 1, b: 2 });
  const cache = CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-plan-')));
  const plan = buildPlan([opt], { a: 1 });
  const summary = await runToCompletion({ plan, cache, scope: 'x', config: { a: 1 }, jobs: 1 });
  t.deepEqual(summary.failed, []);
  t.deepEqual(cache.readOutputs(cache.getManifest(without.key)!).v, { b: 'absent' });
});

test('selection takes patterns and adds ancestors', (t) => {
  const { config } = resolveConfig(toy, 'quick', []);
  const plan = buildPlan(toy.stages, config);
  t.deepEqual([...selectInstances(plan, ['fan[kind=b]'])].sort(), ['fan[kind=b]', 'join', 'left', 'right', 'source']);
  t.deepEqual([...selectInstances(plan, ['fan'])].filter((id) => id.startsWith('fan')).sort(), ['fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]']);
  t.deepEqual([...selectInstances(plan, ['sl*'])].sort(), ['slow', 'source']);
  t.throws(() => selectInstances(plan, ['zzz']), { message: /'zzz' matches no stage instance/ });
});

test('status explains staleness: changed config key, changed upstream, never run', async (t) => {
  const cache = CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-status-')));
  const base = resolveConfig(toy, 'quick', []);
  const before = planStatus(buildPlan(toy.stages, base.config), cache, 'quick');
  t.true(before.every((s) => s.state === 'stale' && s.reasons[0] === "never run in profile 'quick'"));
  await runToCompletion({ plan: buildPlan(toy.stages, base.config), cache, scope: 'quick', config: base.config, jobs: 2 });
  const changed = resolveConfig(toy, 'quick', ['left.scale=5']);
  const status = new Map(planStatus(buildPlan(toy.stages, changed.config), cache, 'quick').map((s) => [s.instance, s]));
  t.is(status.get('source')!.state, 'fresh');
  t.is(status.get('right')!.state, 'fresh');
  t.deepEqual(status.get('left')!.reasons, ['config left.scale: 2 → 5']);
  t.deepEqual(status.get('join')!.reasons, ['upstream left changed (itself stale)']);
  t.is(status.get('slow')!.state, 'fresh');
  t.is(status.get('summary')!.state, 'stale');
});

test('declared input files enter the key by content: same bytes elsewhere, same key; other bytes, another key', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-files-'));
  const write = (name: string, content: string) => {
    writeFileSync(path.join(dir, name), content);
    return path.join(dir, name);
  };
  const a = write('a.bin', 'one');
  const b = write('b.bin', 'one');
  const c = write('c.bin', 'two');
  const keyOf = (file: string) => {
    const { config } = resolveConfig(toy, 'quick', [`right.file=${file}`]);
    const plan = buildPlan(toy.stages, config);
    return { right: plan.nodes.get('right')!.key, left: plan.nodes.get('left')!.key, join: plan.nodes.get('join')!.key };
  };
  const plain = buildPlan(toy.stages, resolveConfig(toy, 'quick', []).config);
  t.is(keyOf(a).right, keyOf(b).right);
  t.not(keyOf(a).right, keyOf(c).right);
  t.not(keyOf(a).join, keyOf(c).join, 'the change propagates downstream');
  t.is(keyOf(c).left, plain.nodes.get('left')!.key, 'stages that declare no files keep their keys');
  t.not(keyOf(a).right, plain.nodes.get('right')!.key);
});
