/**
 * The VGG11 experiments end to end through the engine on tiny synthetic SVHN (.mat) and CIFAR-10 (binary) files in
 * the real formats, with a width-scaled VGG11: the stages run, and without `force` the CPU backends refuse with an
 * estimate of the time.
 */
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import project from '../../pipeline.config.ts';
import { CacheStore } from '../../cache/store.ts';
import { buildPlan, selectInstances } from '../../pipeline/plan.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { runToCompletion } from '../../pipeline/runner.ts';
import { CIFAR_RECORD_BYTES, CIFAR_TEST_FILES, CIFAR_TRAIN_FILES } from '../data/cifar10.ts';
import { encodeMat5 } from '../data/mat5.ts';
import { Rng } from '../numerics/random.ts';

function writeTinyDatasets(root: string): { svhn: string; cifar: string } {
  const rng = new Rng(17);
  const svhn = path.join(root, 'svhn');
  mkdirSync(svhn);
  for (const split of ['train', 'test']) {
    const n = 24;
    const X = Uint8Array.from({ length: 3072 * n }, () => rng.int(256));
    const y = Float64Array.from({ length: n }, () => 1 + rng.int(10));
    writeFileSync(path.join(svhn, `${split}_32x32.mat`), encodeMat5([{ name: 'X', dims: [32, 32, 3, n], data: X }, { name: 'y', dims: [n, 1], data: y }], true, deflateSync));
  }
  const cifar = path.join(root, 'cifar-10-batches-bin');
  mkdirSync(cifar);
  for (const f of [...CIFAR_TRAIN_FILES, ...CIFAR_TEST_FILES]) {
    const bytes = Uint8Array.from({ length: 12 * CIFAR_RECORD_BYTES }, (_, i) => (i % CIFAR_RECORD_BYTES === 0 ? rng.int(10) : rng.int(256)));
    writeFileSync(path.join(cifar, f), bytes);
  }
  return { svhn, cifar };
}

function overrides(ds: 'svhn' | 'cifar10', dataPath: string, force: boolean): string[] {
  return [
    `${ds}.enabled=true`,
    `${ds}.force=${force}`,
    `${ds}.width=0.0625`,
    `${ds}.data.path=${dataPath}`,
    `${ds}.data.trainCount=20`,
    `${ds}.data.testCount=10`,
    `${ds}.dynamics.kinds=["gd","sgd","gld_diag"]`,
    `${ds}.dynamics.iterations=2`,
    `${ds}.dynamics.batchSize=5`,
    `${ds}.dynamics.covBatches=3`,
    `${ds}.dynamics.refresh=1`,
    `${ds}.dynamics.logEvery=1`,
    `${ds}.dynamics.chunkSize=10`,
    `${ds}.sharpness.samples=2`,
  ];
}

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
    const table = cache.readOutputs(cache.getManifest(plan.nodes.get(`${ds}.summary`)!.key)!).table as { kind: string; testAccuracy: number; sharpness: number }[];
    t.deepEqual(table.map((r) => r.kind), ['gd', 'sgd', 'gld_diag']);
    for (const r of table) t.true(r.testAccuracy >= 0 && r.testAccuracy <= 1 && Number.isFinite(r.sharpness));
  });
}

test.serial('on a CPU backend the VGG11 dynamics refuse to start, giving the estimated time, unless forced', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-svhn-refuse-'));
  const paths = writeTinyDatasets(root);
  const { config } = resolveConfig(project, 'quick', [...overrides('svhn', paths.svhn, false), 'svhn.dynamics.iterations=200000']);
  const plan = buildPlan(project.stages, config);
  const cache = CacheStore.open(path.join(root, 'cache'));
  const summary = await runToCompletion({ plan, cache, scope: 't', config, jobs: 1, keepGoing: true, selected: selectInstances(plan, ['svhn.dynamics[kind=gd,seed=0]']) });
  t.is(summary.failed.length, 1);
  t.regex(summary.failed[0]!.error, /svhn refuses to run VGG11 on the '(native|wasm)' backend: estimated .+ \(200000 iterations × .+ per image-gradient here\)\. .*set svhn\.force=true/);
});
