import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import toy from '../test/fixtures/toy-project.ts';
import { ConfigError } from './config.ts';
import { UsageError } from './errors.ts';
import { projectPlan, resolveConfig } from './project.ts';
import { createRunRecord, listRunRecords, type RunStart } from './run-records.ts';
import { pointPieces, resolveRunRef, resolveRunRefs, type RunRefContext } from './run-refs.ts';

const code = { commit: null, dirty: null, reason: 'not a git checkout', lockfileSha256: null };

/** A cache directory with three run records of the toy, started a minute apart (overrides `left.scale=1`, `=2`, `=3`). */
function withRecords(): RunRefContext & { ids: string[] } {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'sgdn-refs-'));
  const ids = [1, 2, 3].map((scale, i) => {
    const { config } = resolveConfig(toy, 'quick', [`left.scale=${scale}`]);
    const start: RunStart = {
      profile: 'quick',
      overrides: [`left.scale=${scale}`],
      sweeps: [],
      config,
      points: [],
      instances: { left: `k${scale}` },
      code,
      backend: null,
    };
    return createRunRecord(cacheDir, start, new Date(Date.UTC(2026, 11, 7, 19, i))).id;
  });
  return { project: toy, cacheDir, planFor: (r) => projectPlan(toy, r), ids };
}

test('HEAD is the newest record, HEAD~n and ~n the n-th before it', (t) => {
  const ctx = withRecords();
  t.is(resolveRunRef('HEAD', ctx).label, ctx.ids[2]);
  t.is(resolveRunRef('HEAD~1', ctx).label, ctx.ids[1]);
  t.is(resolveRunRef('~2', ctx).label, ctx.ids[0]);
  const view = resolveRunRef('HEAD~2', ctx);
  t.is(view.source, 'record');
  t.deepEqual(view.overrides, ['left.scale=1']);
  t.is((view.config.left as { scale: number }).scale, 1);
  t.deepEqual([...view.instances], [['left', 'k1']], 'a record keeps the keys it resolved to');
  const far = t.throws(() => resolveRunRef('HEAD~3', ctx), { instanceOf: UsageError });
  t.regex(far.message, /names the 3rd run before the newest, but .* holds 3 run records/);
});

test('a run id, or a prefix of exactly one', (t) => {
  const ctx = withRecords();
  t.is(resolveRunRef(ctx.ids[1]!, ctx).label, ctx.ids[1]);
  t.is(resolveRunRef(ctx.ids[1]!.slice(0, 13), ctx).label, ctx.ids[1], '20261207T1901: one minute, one run');
  const many = t.throws(() => resolveRunRef('20261207', ctx), { instanceOf: UsageError });
  t.regex(many.message, /is the start of 3 run ids/);
  t.throws(() => resolveRunRef('2025', ctx), { instanceOf: UsageError, message: /^run reference '2025' matches nothing: .*not a run id or its start/ });
});

test('a profile is its configuration now, planned: every instance with its key', (t) => {
  const ctx = withRecords();
  const view = resolveRunRef('other', ctx);
  t.like(view, { label: 'other', source: 'profile', profile: 'other', overrides: [] });
  t.is(view.config.seed, 2);
  const plan = projectPlan(toy, resolveConfig(toy, 'other', []));
  t.deepEqual(view.instances, new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key])));
});

test('key=value sets apply to the command’s profile, or PROFILE:key=value to another', (t) => {
  const ctx = withRecords();
  const point = resolveRunRef('left.scale=5,right.offset=2', ctx);
  t.like(point, { label: 'left.scale=5,right.offset=2', source: 'point', profile: 'quick' });
  t.deepEqual(point.overrides, ['left.scale=5', 'right.offset=2']);
  t.like(point.config, { seed: 1, left: { scale: 5 }, right: { offset: 2 } });
  t.is(resolveRunRef('left.scale=5', { ...ctx, profile: 'other' }).config.seed, 2);
  t.like(resolveRunRef('other:left.scale=5', ctx), { profile: 'other', overrides: ['left.scale=5'] });
  t.throws(() => resolveRunRef('nosuch:left.scale=5', ctx), { instanceOf: UsageError, message: /'nosuch' is not a profile \(profiles: quick, other\)/ });
  t.throws(() => resolveRunRef('oops,left.scale=5', ctx), {
    instanceOf: UsageError,
    message: /^run reference 'oops,left\.scale=5' matches nothing \('oops' is not key=value\)/,
  });
  const bad = t.throws(() => resolveRunRef('left.scale=big', ctx), { instanceOf: ConfigError });
  t.regex(bad.message, /run reference 'left\.scale=big': .*left\.scale/);
});

test('a point label splits at the commas that start a pair, not inside a JSON value', (t) => {
  t.deepEqual(pointPieces('fan.kinds=["a","b"],left.scale=2'), ['fan.kinds=["a","b"]', 'left.scale=2']);
  const ctx = withRecords();
  t.deepEqual((resolveRunRef('fan.kinds=["a","b"],left.scale=2', ctx).config.fan as { kinds: string[] }).kinds, ['a', 'b']);
});

test('a reference that matches nothing says what it could have been', (t) => {
  const ctx = withRecords();
  const err = t.throws(() => resolveRunRef('fast', ctx), { instanceOf: UsageError });
  t.regex(
    err.message,
    /^run reference 'fast' matches nothing: not HEAD or HEAD~n \(3 run records\), not a run id .*not a profile \(quick, other\), and not key=value/,
  );
});

test('resolveRunRefs reads the records once and resolves each', (t) => {
  const ctx = withRecords();
  const views = resolveRunRefs(['HEAD~1', 'HEAD', 'quick'], { project: ctx.project, cacheDir: ctx.cacheDir, planFor: ctx.planFor });
  t.deepEqual(
    views.map((v) => v.label),
    [ctx.ids[1], ctx.ids[2], 'quick'],
  );
  t.is(listRunRecords(ctx.cacheDir).records.length, 3);
});

test('a profile that declares a sweep names several runs: refused, naming a point to give instead', (t) => {
  const swept = { ...toy, sweeps: { other: { 'left.scale': [1, 2] } } };
  const ctx = { ...withRecords(), project: swept, planFor: (r: Parameters<typeof projectPlan>[1]) => projectPlan(swept, r) };
  t.throws(() => resolveRunRef('other', ctx), {
    instanceOf: UsageError,
    message: "run reference 'other': profile other sweeps left.scale, so it names 2 runs; name one point, e.g. other:left.scale=1",
  });
  t.is((resolveRunRef('other:left.scale=2', ctx).config.left as { scale: number }).scale, 2, 'a point of it is one run');
});
