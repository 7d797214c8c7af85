import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheStore } from '../cache/store.ts';
import type { NDArray, LoadedArtifacts } from '../cache/values.ts';
import { ConfigError } from './config.ts';
import { buildPlan, matchInstances, selectInstances } from './plan.ts';
import { defineProject, projectPlan, resolveConfig } from './project.ts';
import { runToCompletion } from './runner.ts';
import { SWEEP_SUMMARY, parseSweep, pointLabel, sweepPoints } from './sweep.ts';
import toy, { executions } from '../test/fixtures/toy-project.ts';

/** The toy's stages that read left.scale or lie below left. */
const BELOW_LEFT = ['left', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'summary'];
const SHARED = ['source', 'right', 'slow'];

function sweepRun(sweeps: string[], overrides: string[] = [], dir = mkdtempSync(path.join(tmpdir(), 'sgdn-sweep-'))) {
  const resolved = resolveConfig(toy, undefined, overrides, sweeps);
  const plan = projectPlan(toy, resolved);
  const cache = CacheStore.open(dir);
  const run = async () => {
    executions.clear();
    const summary = await runToCompletion({ plan, cache, scope: resolved.profile, config: resolved.config, jobs: 2, publishRoot: dir });
    return { summary, counts: new Map(executions) };
  };
  return { dir, resolved, plan, cache, run };
}

test('a sweep value parses as an override value; labels use the full key and canonical JSON', (t) => {
  t.deepEqual(parseSweep('fashion.dynamics.batchSize=5,10,20'), { key: 'fashion.dynamics.batchSize', values: [5, 10, 20] });
  t.deepEqual(parseSweep('a.kind=sgd,true,null,1.5').values, ['sgd', true, null, 1.5]);
  const points = sweepPoints([parseSweep('a.b=1,2'), parseSweep('c=x,y,z')]);
  t.deepEqual(
    points.map((p) => p.label),
    ['a.b=1,c=x', 'a.b=1,c=y', 'a.b=1,c=z', 'a.b=2,c=x', 'a.b=2,c=y', 'a.b=2,c=z'],
  );
  t.deepEqual(points[4]!.values, { 'a.b': 2, c: 'y' });
  t.is(pointLabel({ 'a.m': { z: 1, a: [2] } }), 'a.m={"a":[2],"z":1}');
});

test('bad sweeps are ConfigErrors naming the config path', (t) => {
  const issues = (f: () => unknown) => (t.throws(f, { instanceOf: ConfigError }) as ConfigError).issues;
  t.deepEqual(
    issues(() => parseSweep('left.scale')),
    ['left.scale: a sweep must look like key.path=value1,value2,…'],
  );
  t.deepEqual(
    issues(() => parseSweep('left.scale=')),
    ["left.scale: the sweep 'left.scale=' has an empty value (expected value1,value2,…)"],
  );
  t.deepEqual(
    issues(() => parseSweep('left.scale=1,,2')),
    ["left.scale: the sweep 'left.scale=1,,2' has an empty value (expected value1,value2,…)"],
  );
  t.deepEqual(
    issues(() => parseSweep('left.scale=1,2,1')),
    ['left.scale: the sweep repeats the value 1'],
  );
  t.deepEqual(
    issues(() => sweepPoints([parseSweep('left.scale=1'), parseSweep('left.scale=2')])),
    ['left.scale: swept twice (give its values in one --sweep)'],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, [], ['left.scael=1,2'])),
    ['left.scael: unknown key (known here: scale) (sweep point left.scael=1)'],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, [], ['left.scale=1,big'])),
    ['left.scale: expected number, received string (sweep point left.scale=big)'],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, ['left.scale=3'], ['left.scale=1,2'])),
    ['left.scale: both set by an override and swept by --sweep (give one)'],
  );
});

test('the merged plan: shared upstreams keep their ids, the rest get one @point node each, with keys of the point plans', (t) => {
  const { plan, resolved } = sweepRun(['left.scale=1,2,3,4,5']);
  t.is(resolved.points.length, 5);
  for (const id of SHARED) t.true(plan.nodes.has(id), id);
  for (const id of BELOW_LEFT) t.false(plan.nodes.has(id), id);
  t.is(plan.order.length, SHARED.length + BELOW_LEFT.length * 5 + 1);
  t.is(new Set(plan.order).size, plan.order.length);
  // Topological: every dependency comes first.
  const seen = new Set<string>();
  for (const id of plan.order) {
    for (const dep of Object.values(plan.nodes.get(id)!.deps)) t.true(seen.has(dep), `${dep} before ${id}`);
    seen.add(id);
  }
  for (const s of [1, 2, 3, 4, 5]) {
    const own = buildPlan(toy.stages, resolveConfig(toy, undefined, [`left.scale=${s}`]).config);
    for (const id of BELOW_LEFT) {
      const node = plan.nodes.get(`${id}@left.scale=${s}`)!;
      t.is(node.key, own.nodes.get(id)!.key, `${id} at scale ${s} is the entry of a plain run with left.scale=${s}`);
      t.deepEqual(node.point, { label: `left.scale=${s}`, values: { 'left.scale': s } });
    }
    t.deepEqual(plan.nodes.get(`join@left.scale=${s}`)!.deps, { l: `left@left.scale=${s}`, r: 'right' });
    for (const id of SHARED) t.is(plan.nodes.get(id)!.key, own.nodes.get(id)!.key);
  }
  t.is(plan.nodes.get('source')!.point, undefined);
  t.deepEqual(
    matchInstances(plan, 'fan[kind=b]'),
    [1, 2, 3, 4, 5].map((s) => `fan[kind=b]@left.scale=${s}`),
  );
  t.deepEqual([...selectInstances(plan, ['join@left.scale=3'])].sort(), ['join@left.scale=3', 'left@left.scale=3', 'right', 'source']);
  t.deepEqual(
    Object.values(plan.nodes.get(SWEEP_SUMMARY)!.deps),
    [1, 2, 3, 4, 5].map((s) => `join@left.scale=${s}`),
  );
});

test.serial('five points over one key: one shared upstream run, five runs of each stage below the key, a rerun runs nothing', async (t) => {
  const { run } = sweepRun(['left.scale=1,2,3,4,5']);
  const first = await run();
  t.true(first.summary.ok);
  for (const id of SHARED) t.is(first.counts.get(id), 1, id);
  for (const id of BELOW_LEFT) {
    t.is([...first.counts.keys()].filter((k) => k.startsWith(`${id}@`)).length, 5, id);
    for (const s of [1, 2, 3, 4, 5]) t.is(first.counts.get(`${id}@left.scale=${s}`), 1, `${id}@left.scale=${s}`);
  }
  t.is(first.counts.size, SHARED.length + BELOW_LEFT.length * 5, 'nothing else ran (the summary table counts no toy execution)');
  t.true(first.summary.ran.includes(SWEEP_SUMMARY));
  const second = await run();
  t.true(second.summary.ok);
  t.is(second.counts.size, 0);
  t.deepEqual(second.summary.ran, []);
});

test.serial('two sweeps give their product; the summary has one row per point with the swept values and the metrics', async (t) => {
  const { plan, cache, run } = sweepRun(['left.scale=1,3', 'right.offset=0,5,7']);
  const labels = [
    'left.scale=1,right.offset=0',
    'left.scale=1,right.offset=5',
    'left.scale=1,right.offset=7',
    'left.scale=3,right.offset=0',
    'left.scale=3,right.offset=5',
    'left.scale=3,right.offset=7',
  ];
  t.deepEqual(
    plan.order.filter((id) => id.startsWith('join@')),
    labels.map((l) => `join@${l}`),
  );
  // left reads only left.scale: one node per left.scale value, shared by that value's points; right likewise.
  t.deepEqual(
    plan.order.filter((id) => id.startsWith('left@')),
    ['left@left.scale=1', 'left@left.scale=3'],
  );
  t.deepEqual(
    plan.order.filter((id) => id.startsWith('right@')),
    ['right@right.offset=0', 'right@right.offset=5', 'right@right.offset=7'],
  );
  t.deepEqual(plan.nodes.get('join@left.scale=3,right.offset=5')!.deps, { l: 'left@left.scale=3', r: 'right@right.offset=5' });
  t.deepEqual(plan.nodes.get('left@left.scale=3')!.point, { label: 'left.scale=3', values: { 'left.scale': 3 } });
  t.true(plan.nodes.has('source') && plan.nodes.has('slow'));
  const { summary, counts } = await run();
  t.true(summary.ok);
  t.is(counts.get('source'), 1);
  t.is(counts.get('slow'), 1);
  t.deepEqual([...counts.keys()].filter((k) => k.startsWith('left@')).sort(), ['left@left.scale=1', 'left@left.scale=3']);
  t.is([...counts.keys()].filter((k) => k.startsWith('right@')).length, 3);
  t.is([...counts.keys()].filter((k) => k.startsWith('join@')).length, 6);
  t.true([...counts.values()].every((n) => n === 1));
  const rows = cache.readOutputs(cache.getManifest(plan.nodes.get(SWEEP_SUMMARY)!.key)!).rows as Record<string, number>[];
  t.is(rows.length, 6);
  const x = cache.readOutputs(cache.getManifest(plan.nodes.get('source')!.key)!).x as NDArray<Float64Array>;
  labels.forEach((label, i) => {
    const [s, o] = [
      [1, 0],
      [1, 5],
      [1, 7],
      [3, 0],
      [3, 5],
      [3, 7],
    ][i]!;
    const z = Array.from(x.data, (v) => v * s! + (v + o!)); // join adds left (x·scale) and right (x + offset)
    t.deepEqual(Object.keys(rows[i]!), ['left.scale', 'right.offset', 'first', 'sum'], label);
    t.is(rows[i]!['left.scale'], s);
    t.is(rows[i]!['right.offset'], o);
    t.is(rows[i]!.first, z[0]);
    t.is(
      rows[i]!.sum,
      z.reduce((a, b) => a + b, 0),
    );
  });
});

test('the summary key follows its inputs and the points; a shared summary stage serves every point', (t) => {
  const a = sweepRun(['left.scale=1,2']).plan.nodes.get(SWEEP_SUMMARY)!;
  const b = sweepRun(['left.scale=1,3']).plan.nodes.get(SWEEP_SUMMARY)!;
  const c = sweepRun(['left.scale=1,2'], ['source.n=8']).plan.nodes.get(SWEEP_SUMMARY)!;
  t.is(new Set([a.key, b.key, c.key]).size, 3);
  t.deepEqual(a.config['sweep.points'], [{ 'left.scale': 1 }, { 'left.scale': 2 }]);
  // slow.steps is read below join only by slow and summary: join is shared, and both rows come from it.
  const shared = sweepRun(['slow.steps=3,4']).plan;
  t.true(shared.nodes.has('join'));
  t.deepEqual(shared.nodes.get(SWEEP_SUMMARY)!.deps, { 'slow.steps=3': 'join', 'slow.steps=4': 'join' });
  t.deepEqual(
    shared.order.filter((id) => id.includes('@')),
    ['slow@slow.steps=3', 'summary@slow.steps=3', 'slow@slow.steps=4', 'summary@slow.steps=4'],
  );
  // One point: an ordinary plan with the point's override, no summary.
  const one = sweepRun(['left.scale=3']).plan;
  t.deepEqual(one.order, buildPlan(toy.stages, resolveConfig(toy, undefined, ['left.scale=3']).config).order);
  t.is(one.nodes.get('left')!.key, buildPlan(toy.stages, resolveConfig(toy, undefined, ['left.scale=3']).config).nodes.get('left')!.key);
});

test("a profile's sweeps apply when it is selected; --sweep replaces one key's, an override drops it", (t) => {
  const project = defineProject({ ...toy, sweeps: { other: { 'left.scale': [1, 2], 'right.offset': [0, 1] } } });
  t.deepEqual(
    resolveConfig(project, 'other', []).points.map((p) => p.point.label),
    ['left.scale=1,right.offset=0', 'left.scale=1,right.offset=1', 'left.scale=2,right.offset=0', 'left.scale=2,right.offset=1'],
  );
  t.deepEqual(
    resolveConfig(project, 'other', [], ['right.offset=9,8']).points.map((p) => p.point.label),
    ['left.scale=1,right.offset=9', 'left.scale=1,right.offset=8', 'left.scale=2,right.offset=9', 'left.scale=2,right.offset=8'],
  );
  t.deepEqual(
    resolveConfig(project, 'other', ['left.scale=5']).points.map((p) => p.point.label),
    ['right.offset=0', 'right.offset=1'],
  );
  t.deepEqual(resolveConfig(project, 'quick', []).points, []);
  t.throws(() => defineProject({ ...toy, sweeps: { nope: { 'left.scale': [1] } } }), { message: /sweeps are declared for profile 'nope'/ });
  // Typed values (arrays) from a profile; an instance that only some points have is theirs alone.
  const kinds = defineProject({ ...toy, sweeps: { other: { 'fan.kinds': [['a'], ['a', 'b']] } } });
  const plan = projectPlan(kinds, resolveConfig(kinds, 'other', []));
  t.deepEqual(
    plan.order.filter((id) => id.startsWith('fan') || id.startsWith('summary')),
    ['fan[kind=a]', 'summary@fan.kinds=["a"]', 'fan[kind=b]@fan.kinds=["a","b"]', 'summary@fan.kinds=["a","b"]'],
  );
  t.deepEqual(Object.values(plan.nodes.get('summary@fan.kinds=["a","b"]')!.deps).sort(), ['fan[kind=a]', 'fan[kind=b]@fan.kinds=["a","b"]', 'slow']);
});

const vec = (v: unknown) => Array.from((v as NDArray<Float64Array>).data);

test.serial('a summary over several instances: a stage id stands for all its instances, metrics get them by instance id', async (t) => {
  const project = defineProject({
    ...toy,
    sweepSummary: {
      stages: ['join', 'fan'],
      metrics: (outputs: Readonly<Record<string, LoadedArtifacts>>) => ({
        inputs: Object.keys(outputs).join(' '),
        fanTotal: Object.entries(outputs)
          .filter(([id]) => id.startsWith('fan['))
          .reduce((a, [, o]) => a + (o.total as number), 0),
        first: vec(outputs.join!.z)[0]!,
      }),
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-sweep-multi-'));
  const resolved = resolveConfig(project, undefined, [], ['left.scale=1,2']);
  const plan = projectPlan(project, resolved);
  const node = plan.nodes.get(SWEEP_SUMMARY)!;
  t.deepEqual(node.config['sweep.stages'], ['join', 'fan']);
  t.false('sweep.stage' in node.config);
  t.deepEqual(
    Object.values(node.deps),
    [1, 2].flatMap((s) => ['join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]'].map((id) => `${id}@left.scale=${s}`)),
  );
  // The single-stage form keeps its key: the toy's own summary (stage 'join') differs from this one.
  t.not(node.key, projectPlan(toy, resolveConfig(toy, undefined, [], ['left.scale=1,2'])).nodes.get(SWEEP_SUMMARY)!.key);
  const cache = CacheStore.open(dir);
  try {
    const summary = await runToCompletion({ plan, cache, scope: resolved.profile, config: resolved.config, jobs: 2, publishRoot: dir });
    t.true(summary.ok);
    const rows = cache.readOutputs(cache.getManifest(node.key)!).rows as Record<string, unknown>[];
    t.is(rows.length, 2);
    t.is(rows[0]!.inputs, 'join fan[kind=a] fan[kind=b] fan[kind=c]');
    const x = vec(cache.readOutputs(cache.getManifest(plan.nodes.get('source')!.key)!).x);
    [1, 2].forEach((s, i) => {
      const z = x.map((v) => v * s + (v + 1)); // right.offset = 1
      t.is(rows[i]!.first, z[0]);
      t.is(rows[i]!.fanTotal, z.reduce((a, b) => a + b, 0) * (1 + 2 + 3));
    });
  } finally {
    await cache.close();
  }
  const bad = defineProject({ ...toy, sweepSummary: { stages: ['join', 'nothing'], metrics: () => ({}) } });
  t.throws(() => projectPlan(bad, resolveConfig(bad, undefined, [], ['left.scale=1,2'])), {
    message: /'nothing' is neither an instance nor a stage with instances in point left.scale=1/,
  });
});

test('a non-finite sweep value is a ConfigError naming the path, from --sweep and from a profile', (t) => {
  const issues = (f: () => unknown) => (t.throws(f, { instanceOf: ConfigError }) as ConfigError).issues;
  t.deepEqual(
    issues(() => parseSweep('left.scale=1,1e999')),
    ['left.scale: expected a finite number, received Infinity'],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, [], ['left.scale=-1e999,2'])),
    ['left.scale: expected a finite number, received -Infinity'],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, [], ['fan.per={"a":1e999}'])),
    ['fan.per.a: expected a finite number, received Infinity'],
  );
  // NaN and Infinity are not JSON: strings, which a number setting refuses.
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, [], ['left.scale=1,NaN'])),
    ['left.scale: expected number, received string (sweep point left.scale=NaN)'],
  );
  t.deepEqual(
    issues(() => resolveConfig(toy, undefined, [], ['left.scale=Infinity,1'])),
    ['left.scale: expected number, received string (sweep point left.scale=Infinity)'],
  );
  const declared = defineProject({ ...toy, sweeps: { other: { 'left.scale': [1, Number.POSITIVE_INFINITY], 'right.offset': [Number.NaN] } } });
  t.deepEqual(
    issues(() => resolveConfig(declared, 'other', [])),
    ['left.scale: expected a finite number, received Infinity'],
  );
  const reserved = defineProject({ ...toy, sweeps: { other: { 'left.__proto__.scale': [1, 2] } } });
  t.regex(issues(() => resolveConfig(reserved, 'other', []))[0]!, /^left\.__proto__: '__proto__' is a reserved key name/);
});

test('a sweep over --max-instances is refused from its axes (points × instances per point) before any point is made', (t) => {
  const values = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`).join(',');
  // 1000 × 100 = 100,000 points of the toy's 9 instances: refused with the count, without making a point.
  const err = t.throws(() => resolveConfig(toy, undefined, [], [`left.scale=${values(1000)}`, `right.offset=${values(100)}`]));
  t.is(
    err?.message,
    "the sweep's 100000 points (1000 values of left.scale × 100 values of right.offset) × 9 stage instances per point make 900000, over the limit of 50000 (planning them would take about 2 min and 9 GiB); sweep fewer values, or raise the limit with --max-instances N",
  );
  // 30 points × 9 = 270 instances: over a limit of 200, within one of 300 (and the plan is made).
  t.throws(() => resolveConfig(toy, undefined, [], [`left.scale=${values(30)}`], { maxInstances: 200 }), {
    message: /^the sweep's 30 points \(30 values of left\.scale\) × 9 stage instances per point make 270, over the limit of 200 /,
  });
  const resolved = resolveConfig(toy, undefined, [], [`left.scale=${values(30)}`], { maxInstances: 300 });
  t.is(resolved.points.length, 30);
  t.is(projectPlan(toy, resolved).order.length, 3 + BELOW_LEFT.length * 30 + 1);
});

test('a plan over --max-instances is refused naming the stage; a sweep whose points grow is refused as they are planned', (t) => {
  const kinds = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
  const many = resolveConfig(toy, undefined, [`fan.kinds=${JSON.stringify(kinds(200))}`], [], { maxInstances: 100 });
  t.throws(() => projectPlan(toy, many), {
    message:
      /^stage 'fan' declares 200 instances, which makes the plan at least 204, over the limit of 100 \(.*\); lower the settings its instances come from, or raise the limit with --max-instances N$/,
  });
  // The base configuration has 3 kinds (9 instances, 27 for 3 points), but the points have 1, 80 and 81.
  const per = Object.fromEntries(kinds(81).map((k) => [k, 1]));
  const growing = defineProject({ ...toy, sweeps: { other: { 'fan.kinds': [['k0'], kinds(80), kinds(81)] } } });
  const resolved = resolveConfig(growing, 'other', [`fan.per=${JSON.stringify(per)}`], [], { maxInstances: 100 });
  t.throws(() => projectPlan(growing, resolved), { message: /^the first 3 of the sweep's 3 points plan 180 stage instances, over the limit of 100 / });
});
