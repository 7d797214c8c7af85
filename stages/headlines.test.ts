import test from 'ava';
import type { LoadedArtifacts } from '../cache/values.ts';
import project from '../pipeline.config.ts';
import { resolveConfig } from '../pipeline/project.ts';
import { DEVIATIONS } from './deviations.ts';
import type { Experiment } from './experiment.ts';
import { EXPERIMENTS } from './experiments.ts';
import { headlinesOf } from './headlines.ts';
import { judgeClaims } from './report/figures/claims.ts';
import { toy2dHeadlines } from './toy2d/headlines.ts';

const config = (profile: string, overrides: string[] = []) => resolveConfig(project, profile, overrides).config;

test('with nothing cached every metric is null, every configured kind listed, no verdict; disabled experiments give none', (t) => {
  const h = project.headlines!.read({}, config('quick'));
  const ids = h.metrics.map((m) => m.id);
  const fashionKinds = (config('quick').fashion as { dynamics: { kinds: string[] } }).dynamics.kinds;
  for (const what of ['testAccuracy', 'lossRise', 'traceHSigma']) for (const k of fashionKinds) t.true(ids.includes(`fashion.${what}.${k}`), `${what} ${k}`);
  t.true(ids.includes('toy2d.escapes.sgd'));
  t.true(ids.includes('onehidden.ratio'));
  t.false(
    ids.some((id) => id.startsWith('svhn.') || id.startsWith('cifar10.')),
    'VGG is off in quick',
  );
  t.true(h.metrics.every((m) => m.value === null));
  t.deepEqual(h.claims, []);
  t.false(
    project.headlines!.read({}, config('quick', ['toy2d.enabled=false'])).metrics.some((m) => m.id.startsWith('toy2d.')),
    'switched off: no toy metrics',
  );
  t.true(project.headlines!.read({}, config('paper')).metrics.some((m) => m.id === 'cifar10.testAccuracy.gld_diag'));
});

test('the verdicts are the report’s stored claims; only its claims output is loaded', (t) => {
  const spec = headlinesOf(EXPERIMENTS);
  t.true(spec.stages.includes('report'));
  t.deepEqual(spec.outputs, { report: ['claims'] });
  const claims = judgeClaims({});
  const h = spec.read({ report: { claims } as unknown as LoadedArtifacts }, config('quick'));
  t.deepEqual(
    h.claims,
    claims.map((c) => ({ id: c.id, verdict: 'not run', dependsOn: c.dependsOn })),
  );
});

test('deviation rows: paper-code follows the released code on every row with keys, quick keeps this project’s choice on the toy covariance', (t) => {
  const code = project.headlines!.read({}, config('paper-code')).deviations;
  t.is(code.length, DEVIATIONS.length);
  for (const d of code) t.is(d.value, DEVIATIONS.find((r) => r.id === d.id)!.reproduce.length ? 'the released code' : 'no key', d.id);
  const quick = project.headlines!.read({}, config('quick')).deviations;
  t.true(quick.some((d) => d.id === 'toy-covariance' && d.value === 'this project’s choice'));
});

test('toy escapes come from toy2d.summary’s table per configured kind, null for a kind it lacks', (t) => {
  const table = [{ kind: 'sgd', repeats: 10, escapes: [7, 9], escapesMean: 8, escapesMin: 7, escapesMax: 9, traceHSigma: null, traceHSigmaClosedForm: null }];
  const outputs = { 'toy2d.summary': { table, trajectories: [], lossGrid: { w1: [], w2: [], loss: [] } } as unknown as LoadedArtifacts };
  const cfg = <T>(p: string) => ({ 'toy2d.enabled': true, 'toy2d.repeats': 10, 'toy2d.kinds': ['gd', 'sgd'] })[p] as T;
  t.deepEqual(
    toy2dHeadlines.metrics(outputs, cfg).map((m) => [m.id, m.value]),
    [
      ['toy2d.escapes.gd', null],
      ['toy2d.escapes.sgd', 8],
    ],
  );
  const broken = { 'toy2d.summary': { table: 'x' } as unknown as LoadedArtifacts };
  t.throws(() => toy2dHeadlines.metrics(broken, cfg), { message: /toy2d\.summary/ }, 'an entry of another shape is refused, naming it');
});

test('every experiment with headlines reads only stages it declares', (t) => {
  const stageIds = new Set(EXPERIMENTS.flatMap((e: Experiment) => e.stages.map((s) => s.id)));
  for (const e of EXPERIMENTS) for (const s of e.headlines?.stages ?? []) t.true(stageIds.has(s), `${e.name}: ${s}`);
});
