/**
 * The VGG11 experiments end to end through the engine on tiny synthetic SVHN (.mat) and CIFAR-10 (binary) files in
 * the real formats, with a width-scaled VGG11: the stages run, and without `force` the CPU backends refuse with an
 * estimate of the time.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import project from '../../pipeline.config.ts';
import { CacheStore } from '../../cache/store.ts';
import { buildPlan, selectInstances } from '../../pipeline/plan.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { runToCompletion } from '../../pipeline/runner.ts';
import { overrides, writeTinyDatasets } from './testing.ts';

for (const ds of ['svhn', 'cifar10'] as const) {
  test.serial(`${ds}: data, dynamics and summary run on a tiny synthetic dataset in the real format`, async (t) => {
    const root = mkdtempSync(path.join(tmpdir(), `sgdn-${ds}-`));
    const paths = writeTinyDatasets(root);
    const { config } = resolveConfig(project, 'quick', overrides(ds, ds === 'svhn' ? paths.svhn : root, true));
    const plan = buildPlan(project.stages, config);
    const cache = CacheStore.open(path.join(root, 'cache'));
    const summary = await runToCompletion({ plan, cache, scope: 't', config, jobs: 1, selected: selectInstances(plan, [`${ds}.summary`]) });
    t.deepEqual(summary.failed, []);
    t.true(summary.ok);
    const table = cache.readOutputs(cache.getManifest(plan.nodes.get(`${ds}.summary`)!.key)!).table as {
      kind: string;
      testAccuracy: number;
      sharpness: number;
    }[];
    t.deepEqual(
      table.map((r) => r.kind),
      ['gd', 'sgd', 'gld_diag'],
    );
    for (const r of table) t.true(r.testAccuracy >= 0 && r.testAccuracy <= 1 && Number.isFinite(r.sharpness));
  });
}

test.serial('on a CPU backend the VGG11 dynamics refuse to start, giving the estimated time, unless forced', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-svhn-refuse-'));
  const paths = writeTinyDatasets(root);
  const { config } = resolveConfig(project, 'quick', [...overrides('svhn', paths.svhn, false), 'svhn.dynamics.iterations=200000']);
  const plan = buildPlan(project.stages, config);
  const cache = CacheStore.open(path.join(root, 'cache'));
  const summary = await runToCompletion({
    plan,
    cache,
    scope: 't',
    config,
    jobs: 1,
    keepGoing: true,
    selected: selectInstances(plan, ['svhn.dynamics[kind=gd,seed=0]']),
  });
  t.is(summary.failed.length, 1);
  t.regex(
    summary.failed[0]!.error,
    /svhn refuses to run VGG11 on the '(native|wasm)' backend: estimated .+ \(200000 iterations × .+ per image-gradient here\)\. .*set svhn\.force=true/,
  );
  t.regex(summary.failed[0]!.error, /Use backend=webgpu on a machine with a GPU/);
});
