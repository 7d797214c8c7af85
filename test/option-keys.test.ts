/**
 * Key tests over the real registry and profiles: `quick` keeps the keys it had before the released-code options
 * (test/golden/quick-keys.json, from main), and each option moves exactly the instances that read it (and what lies
 * below them).
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import project from '../pipeline.config.ts';
import { buildPlan } from '../pipeline/plan.ts';
import { projectPlan, resolveConfig } from '../pipeline/project.ts';

const GOLDEN = new URL('./golden/quick-keys.json', import.meta.url);

/** Instance id → key for a profile with overrides. */
function keys(profile: string, overrides: string[] = []): Record<string, string> {
  const plan = buildPlan(project.stages, resolveConfig(project, profile, overrides).config);
  return Object.fromEntries(plan.order.map((id) => [id, plan.nodes.get(id)!.key]));
}

/** The instances whose key differs (or that exist on one side only), sorted. */
function moved(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((id) => a[id] !== b[id]).sort();
}

// The report reads whole experiment sections, so it moves with every option; it is left out of the comparisons.
const noReport = (ids: string[]) => ids.filter((id) => id !== 'report');

test('quick keeps every key it had before the released-code options (the report aside: its version moved)', (t) => {
  // The golden keys were taken on backend 'wasm'; the default 'auto' (native where its addon is built) moves every
  // tfjs stage's key by design, since artifacts record the backend that computed them.
  const now = keys('quick', ['backend=wasm']);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(now, null, 1)}\n`);
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string>;
  // instances added since (the beyond-the-paper stages) are not in the golden file; every one it has must keep its key
  t.deepEqual(
    noReport(moved(golden, now)).filter((id) => id in golden),
    [],
  );
});

test('fashion.sharpnessTrack and fashion.pretrain.iterations move the pre-training and what lies below it, nothing outside Fashion', (t) => {
  const base = keys('quick');
  for (const o of ['fashion.sharpnessTrack.dynamicsEvery=100', 'fashion.pretrain.iterations=2000']) {
    const ids = noReport(moved(base, keys('quick', [o])));
    t.true(ids.includes('fashion.dynamics[kind=gd,seed=0]'), o);
    t.true(
      ids.every((id) => id.startsWith('fashion.')),
      `${o}: ${ids.join(', ')}`,
    );
    t.false(ids.includes('fashion.data'), o);
  }
  t.true(noReport(moved(base, keys('quick', ['fashion.pretrain.iterations=2000']))).includes('fashion.pretrain[seed=0]'));
  t.true(noReport(moved(base, keys('quick', ['fashion.sharpnessTrack.pretrainEvery=100']))).includes('fashion.pretrain[seed=0]'));
});

test('toy2d.covariance moves only the gld_diag and gld_leading dynamics, the indicator and the summary', (t) => {
  const base = keys('quick');
  const ids = noReport(moved(base, keys('quick', ['toy2d.covariance="released-cumulative"'])));
  t.deepEqual(ids, ['toy2d.dynamics[kind=gld_diag,seed=0]', 'toy2d.dynamics[kind=gld_leading,seed=0]', 'toy2d.indicator[seed=0]', 'toy2d.summary']);
  t.deepEqual(
    noReport(moved(base, keys('quick', ['toy2d.covariance="per-sample"']))).filter((id) => !id.startsWith('toy2d.dynamics[kind=gld_')),
    ['toy2d.indicator[seed=0]', 'toy2d.summary'],
  );
});

test('gld_leading.noiseSteps moves only the gld_leading dynamics and what reads it', (t) => {
  const ids = noReport(moved(keys('quick'), keys('quick', ['fashion.dynamics.gld_leading.noiseSteps="refresh"'])));
  t.deepEqual(ids, ['fashion.dynamics[kind=gld_leading,seed=0]', 'fashion.probe[kind=gld_leading,seed=0]', 'fashion.spectrum[seed=0]', 'fashion.summary']);
});

test('gld_hessian_top1.eigvec moves only the gld_hessian_top1 dynamics and what reads it', (t) => {
  const ids = noReport(moved(keys('quick'), keys('quick', ['fashion.dynamics.gld_hessian_top1.eigvec={"method":"power","iterations":30}'])));
  t.deepEqual(ids, [
    'fashion.dynamics[kind=gld_hessian_top1,seed=0]',
    'fashion.probe[kind=gld_hessian_top1,seed=0]',
    'fashion.spectrum[seed=0]',
    'fashion.summary',
  ]);
});

test('sharpness.mode moves the Fashion probes and the indicator (they estimate sharpness), not the dynamics', (t) => {
  const ids = noReport(moved(keys('quick'), keys('quick', ['fashion.probe.sharpness.mode="absolute"'])));
  t.true(ids.length > 0);
  t.true(
    ids.every((id) => /^fashion\.(probe|indicator)\[|^fashion\.(summary|batchSummary)$/.test(id)),
    ids.join(', '),
  );
  t.false(ids.some((id) => id.startsWith('fashion.dynamics') || id.startsWith('fashion.theory')));
});

test('fashion.data.randomLabelsFrom moves the Fashion data and everything below it, nothing outside Fashion', (t) => {
  const ids = noReport(moved(keys('quick'), keys('quick', ['fashion.data.randomLabelsFrom=100'])));
  t.true(ids.includes('fashion.data'));
  t.true(
    ids.every((id) => id.startsWith('fashion.')),
    ids.join(', '),
  );
});

test('VGG kindIterations moves only that data set’s sgd dynamics and its summary', (t) => {
  const on = ['svhn.enabled=true', 'svhn.force=true'];
  const ids = noReport(moved(keys('quick', on), keys('quick', [...on, 'svhn.dynamics.kindIterations={"sgd":5}'])));
  // The VGG dynamics read their whole dynamics block, so every kind's run moves; nothing outside svhn does.
  t.true(ids.includes('svhn.dynamics[kind=sgd,seed=0]'));
  t.true(
    ids.every((id) => id.startsWith('svhn.')),
    ids.join(', '),
  );
});

test('fashion.batchSizes moves only the batch-size study’s instances; switching it off removes them', (t) => {
  const base = keys('quick');
  t.deepEqual(noReport(moved(base, keys('quick', ['fashion.batchSizes.sizes=[5,20,50]']))), [
    'fashion.batchDynamics[batchSize=10,seed=0]',
    'fashion.batchDynamics[batchSize=100,seed=0]',
    'fashion.batchSummary',
    'fashion.batchTheory[seed=0]',
  ]);
  const off = noReport(moved(base, keys('quick', ['fashion.batchSizes.enabled=false'])));
  t.true(off.length > 0 && off.every((id) => id.startsWith('fashion.batch')), off.join(', '));
});

test('toy2d.enabled and onehidden.enabled remove exactly their experiment’s instances', (t) => {
  const base = keys('quick');
  const toy = noReport(moved(base, keys('quick', ['toy2d.enabled=false'])));
  t.true(toy.length > 0 && toy.every((id) => id.startsWith('toy2d.')), toy.join(', '));
  t.deepEqual(
    Object.keys(base)
      .filter((id) => id.startsWith('toy2d.'))
      .sort(),
    toy,
    'every toy instance, the shapes included',
  );
  const hidden = noReport(moved(base, keys('quick', ['onehidden.enabled=false'])));
  t.deepEqual(hidden, ['onehidden.summary', 'onehidden.train[seed=0]']);
});

test('the batch-size profiles run Fashion-MNIST’s SGD alone, at every swept m', (t) => {
  for (const profile of ['batch-size', 'batch-size-paper']) {
    const plan = projectPlan(project, resolveConfig(project, profile, []));
    const stages = new Set(plan.order.map((id) => id.split(/[[@]/)[0]!));
    t.deepEqual(
      [...stages].filter((s) => !s.startsWith('fashion.') && s !== 'report' && s !== 'sweep.summary'),
      [],
      profile,
    );
    t.false(
      [...stages].some((s) => s.startsWith('fashion.batch')),
      `${profile}: the sweep is the study; fashion.batchSizes is off`,
    );
    const seeds = profile === 'batch-size' ? [0] : [0, 1, 2];
    const expected = [5, 10, 20, 50, 100].flatMap((m) => seeds.map((seed) => `fashion.dynamics[kind=sgd,seed=${seed}]@fashion.dynamics.batchSize=${m}`));
    t.deepEqual(
      plan.order.filter((id) => id.startsWith('fashion.dynamics[')),
      expected,
      profile,
    );
  }
});
