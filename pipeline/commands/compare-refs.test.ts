/** The stand-in resolver of run references on the toy project: profiles, override sets, `PROFILE:` and the refusals. */
import test from 'ava';
import { ConfigError } from '../config.ts';
import { UsageError } from '../errors.ts';
import { buildPlan } from '../plan.ts';
import { resolveConfig, type Project } from '../project.ts';
import toy from '../../test/fixtures/toy-project.ts';
import { resolveCompareRefs, splitOverrideSet } from './compare-refs.ts';

const context = (project: Project = toy, profile?: string) => ({
  project,
  profile,
  planFor: (r: ReturnType<typeof resolveConfig>) => buildPlan(project.stages, r.config),
  maxInstances: 1000,
});

/** Instance id → key of a profile with overrides, planned independently of the resolver. */
function keys(profile: string, overrides: string[] = []): Map<string, string> {
  const plan = buildPlan(toy.stages, resolveConfig(toy, profile, overrides).config);
  return new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key]));
}

test('an override set splits at the commas that start another key, not inside JSON values', (t) => {
  t.deepEqual(splitOverrideSet('left.scale=3'), ['left.scale=3']);
  t.deepEqual(splitOverrideSet('left.scale=3,fan.kinds=["a","b"],slow={"ms":1,"steps":2,"fail":false}'), [
    'left.scale=3',
    'fan.kinds=["a","b"]',
    'slow={"ms":1,"steps":2,"fail":false}',
  ]);
});

test('a profile name is that profile now; an override set applies to --profile (default: the default profile)', (t) => {
  const [quick, other, point, onOther] = resolveCompareRefs(['quick', 'other', 'left.scale=3,right.offset=2', 'other:left.scale=3'], context());
  t.like(quick, { label: 'quick', source: 'profile', profile: 'quick', overrides: [] });
  t.deepEqual(quick!.instances, keys('quick'));
  t.is(other!.config.seed, 2);
  t.deepEqual(other!.instances, keys('other'));
  t.like(point, { label: 'left.scale=3,right.offset=2', source: 'point', profile: 'quick', overrides: ['left.scale=3', 'right.offset=2'] });
  t.deepEqual(point!.instances, keys('quick', ['left.scale=3', 'right.offset=2']));
  t.like(onOther, { label: 'other:left.scale=3', source: 'point', profile: 'other', overrides: ['left.scale=3'] });
  t.deepEqual(onOther!.instances, keys('other', ['left.scale=3']));
  const [onBase] = resolveCompareRefs(['left.scale=3'], context(toy, 'other'));
  t.is(onBase!.profile, 'other');
});

test('a reference that matches nothing, names no profile, or sets a bad value is refused naming it', (t) => {
  const nothing = t.throws(() => resolveCompareRefs(['20261207T194512Z-3f9a'], context()), { instanceOf: UsageError });
  t.regex(nothing.message, /run reference '20261207T194512Z-3f9a' matches nothing: it is not a profile \(quick, other\) nor a key=value/);
  t.regex(nothing.message, /run ids and HEAD~n/);
  t.throws(() => resolveCompareRefs(['nosuch:left.scale=3'], context()), {
    instanceOf: UsageError,
    message: /'nosuch' is not a profile \(profiles: quick, other\)/,
  });
  t.throws(() => resolveCompareRefs(['oops,left.scale=3'], context()), { instanceOf: UsageError, message: /matches nothing/ });
  const bad = t.throws(() => resolveCompareRefs(['left.scale="x"'], context()), { instanceOf: ConfigError });
  t.regex(bad.message, /run reference 'left\.scale="x"': .*left\.scale/);
});

test('a profile that declares a sweep is several runs: refused, with a point to name instead', (t) => {
  const swept: Project = { ...toy, sweeps: { other: { 'left.scale': [1, 2] } } };
  t.throws(() => resolveCompareRefs(['other'], context(swept)), {
    instanceOf: UsageError,
    message: "run reference 'other': profile other sweeps left.scale, so it names 2 runs; name one point, e.g. other:left.scale=1",
  });
  const [point] = resolveCompareRefs(['other:left.scale=2'], context(swept));
  t.is(point!.config.left && (point!.config.left as { scale: number }).scale, 2);
});
