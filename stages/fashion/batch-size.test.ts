/**
 * The batch-size study through the engine on a tiny Fashion-MNIST: which instances exist, that the existing ones keep
 * their keys, and that the summary puts the indicator's estimate, the runs and the short runs together as stated.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import project from '../../pipeline.config.ts';
import { CacheStore } from '../../cache/store.ts';
import type { LoadedArtifacts } from '../../cache/values.ts';
import { buildPlan, selectInstances } from '../../pipeline/plan.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { runToCompletion } from '../../pipeline/runner.ts';
import { FASHION_FILES } from '../data/fashion-mnist.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx } from '../data/idx.ts';
import type { ProbeResult } from '../dynamics/probe.ts';
import type { DynamicsLog } from '../dynamics/run.ts';
import { Rng } from '../numerics/random.ts';
import { batchKindTable, type BatchSizeRow, type BatchTheoryRow } from './batch-size.ts';
import type { TheoryRow } from './theory.ts';

const N = 40;
const root = mkdtempSync(path.join(tmpdir(), 'sgdn-batch-'));
{
  const rng = new Rng(5);
  const bytes = (k: number) => Uint8Array.from({ length: k }, () => rng.int(256));
  const labels = (k: number) => Uint8Array.from({ length: k }, () => rng.int(10));
  const files = {
    trainImages: encodeIdx(IDX_IMAGES_MAGIC, [N, 28, 28], bytes(N * 784)),
    trainLabels: encodeIdx(IDX_LABELS_MAGIC, [N], labels(N)),
    testImages: encodeIdx(IDX_IMAGES_MAGIC, [5, 28, 28], bytes(5 * 784)),
    testLabels: encodeIdx(IDX_LABELS_MAGIC, [5], labels(5)),
  };
  for (const [k, v] of Object.entries(files)) writeFileSync(path.join(root, FASHION_FILES[k as keyof typeof FASHION_FILES]), gzipSync(v));
}
const overrides = (extra: string[] = []) => [
  'backend=wasm',
  `fashion.data.path=${root}`,
  `fashion.data.train=${N}`,
  'fashion.data.randomLabels=5',
  'fashion.data.test=5',
  'fashion.pretrain.maxIterations=3',
  'fashion.dynamics.kinds=["gd","sgd"]',
  'fashion.dynamics.batchSize=10',
  'fashion.dynamics.iterations=6',
  'fashion.dynamics.logEvery=3',
  'fashion.dynamics.checkpoints=[6]',
  'fashion.dynamics.gld_leading.k=2',
  'fashion.probe={"topK":3,"lanczos":{"tol":0.001,"tolPairs":2,"tolRest":0.01,"maxIter":8},"hutchinsonSamples":2,"exactTraceHSigma":true,"sharpness":{"delta":0.01,"samples":2}}',
  'fashion.theory={"runs":2,"steps":2,"every":1,"k":2}',
  'fashion.batchSizes.sizes=[5,10,20]',
  'fashion.batchSizes.kinds=["sgd"]',
  ...extra,
];
const planOf = (extra: string[] = []) => {
  const { config } = resolveConfig(project, 'quick', overrides(extra));
  return { config, plan: buildPlan(project.stages, config) };
};

test('SGD runs again only at the other batch sizes; the existing instances keep their keys', (t) => {
  const { plan } = planOf();
  const ids = plan.order.filter((id) => id.startsWith('fashion.batch'));
  t.deepEqual(ids, [
    'fashion.batchDynamics[batchSize=5,seed=0]',
    'fashion.batchDynamics[batchSize=20,seed=0]',
    'fashion.batchTheory[seed=0]',
    'fashion.batchSummary',
  ]);
  t.is(plan.nodes.get('fashion.batchSummary')!.deps.run_10_0, 'fashion.dynamics[kind=sgd,seed=0]', 'm = 10 is the sgd dynamics itself');
  const off = planOf(['fashion.batchSizes.enabled=false']).plan;
  t.false(off.order.some((id) => id.startsWith('fashion.batch')));
  for (const id of off.order.filter((x) => x !== 'report')) t.is(plan.nodes.get(id)!.key, off.nodes.get(id)!.key, `${id} does not read fashion.batchSizes`);
  // without sgd among the kinds, m = 10 is a run of its own
  const noSgd = planOf(['fashion.dynamics.kinds=["gd"]']).plan;
  t.true(noSgd.nodes.has('fashion.batchDynamics[batchSize=10,seed=0]'));
  // the sizes must stay below N
  t.throws(() => planOf(['fashion.batchSizes.sizes=[5,40]']), { message: /fashion\.batchSizes\.sizes: 40 not below data\.train \(40\)/ });
});

test('M-SGD kinds of fashion.batchSizes.kinds run at every m but their own dynamics’ m₀; SGD’s instances keep their keys', (t) => {
  const base = planOf().plan;
  const { plan } = planOf(['fashion.batchSizes.kinds=["sgd","msgd_bernoulli","msgd_gaussian"]', 'fashion.dynamics.kinds=["gd","sgd","msgd_gaussian"]']);
  const ids = plan.order.filter((id) => id.startsWith('fashion.batchKindDynamics'));
  t.deepEqual(ids.sort(), [
    'fashion.batchKindDynamics[batchSize=10,kind=msgd_bernoulli,seed=0]',
    'fashion.batchKindDynamics[batchSize=20,kind=msgd_bernoulli,seed=0]',
    'fashion.batchKindDynamics[batchSize=20,kind=msgd_gaussian,seed=0]',
    'fashion.batchKindDynamics[batchSize=5,kind=msgd_bernoulli,seed=0]',
    'fashion.batchKindDynamics[batchSize=5,kind=msgd_gaussian,seed=0]',
  ]);
  t.is(plan.nodes.get('fashion.batchSummary')!.deps.krun_msgd_gaussian_10_0, 'fashion.dynamics[kind=msgd_gaussian,seed=0]', 'its own dynamics at m₀');
  for (const id of base.order.filter((x) => x.startsWith('fashion.batchDynamics'))) {
    t.is(plan.nodes.get(id)!.key, base.nodes.get(id)!.key, `${id} does not read fashion.batchSizes.kinds`);
  }
  t.throws(() => planOf(['fashion.batchSizes.kinds=["msgd_bernoulli"]']), { message: /must include 'sgd'/ });
  t.throws(() => planOf(['fashion.batchSizes.kinds=["sgd","gld_full"]']), { message: /gld_full is not sgd or an M-SGD kind/ });
});

test('the kinds table: mean final loss over mean start loss, ranges over seeds, the run each came from', (t) => {
  const log = (trainLoss: number, randomAccuracy: number, testAccuracy: number) =>
    ({ iteration: 9, trainLoss, trainAccuracy: 1, cleanAccuracy: 1, randomAccuracy, testLoss: 1, testAccuracy, noiseTrace: 0 }) as DynamicsLog;
  const rows = batchKindTable([
    { kind: 'msgd_bernoulli', batchSize: 5, startLoss: 0.1, last: log(0.3, 0.5, 0.6), run: 'fashion.batchKindDynamics' },
    { kind: 'msgd_bernoulli', batchSize: 5, startLoss: 0.3, last: log(0.3, 0.7, 0.62), run: 'fashion.batchKindDynamics' },
    { kind: 'sgd', batchSize: 5, startLoss: 0.1, last: log(0.2, 0.9, 0.64), run: 'fashion.batchDynamics' },
  ]);
  t.is(rows.length, 2);
  const b = rows[0]!;
  t.is(b.lossRise, 0.3 / 0.2);
  t.true(b.lossRiseMin === 1 && Math.abs(b.lossRiseMax - 3) < 1e-12, `${b.lossRiseMin}, ${b.lossRiseMax}`);
  t.true(Math.abs(b.randomFit! - 0.6) < 1e-15);
  t.deepEqual([b.randomFitMin, b.randomFitMax, b.testAccuracyMin, b.testAccuracyMax, b.seeds, b.run], [0.5, 0.7, 0.6, 0.62, 2, 'fashion.batchKindDynamics']);
  t.deepEqual([rows[1]!.kind, rows[1]!.lossRise, rows[1]!.seeds], ['sgd', 2, 1]);
});

test.serial('the summary: Tr(HΣ_m) from the indicator, escape from each run, the short rise from the short runs', async (t) => {
  const { config, plan } = planOf();
  const cache = CacheStore.open(path.join(root, 'cache'));
  try {
    const run = () => runToCompletion({ plan, cache, scope: 't', config, jobs: 2, selected: selectInstances(plan, ['fashion.batchSummary']) });
    const first = await run();
    t.deepEqual(first.failed, []);
    const out = (id: string): LoadedArtifacts => cache.readOutputs(cache.getManifest(plan.nodes.get(id)!.key)!);
    const table = out('fashion.batchSummary').table as unknown as BatchSizeRow[];
    const probe = out('fashion.indicator[seed=0]').probe as unknown as ProbeResult;
    const start = (out('fashion.pretrain[seed=0]').summary as { trainLoss: number }).trainLoss;
    t.deepEqual(
      table.map((r) => r.batchSize),
      [5, 10, 20],
    );
    for (const r of table) {
      const expected = (probe.traceHSigma * 10 * (N - r.batchSize)) / (r.batchSize * N);
      t.true(Math.abs(r.traceHSigma - expected) <= 1e-12 * expected, `Tr(HΣ_${r.batchSize}) = m₀(N − m)/(mN)·Tr(HS_m₀)`);
      const log = out(r.batchSize === 10 ? 'fashion.dynamics[kind=sgd,seed=0]' : `fashion.batchDynamics[batchSize=${r.batchSize},seed=0]`)
        .log as unknown as DynamicsLog[];
      t.is(r.lossRise, log.at(-1)!.trainLoss / start);
      t.is(r.randomFit, log.at(-1)!.randomAccuracy);
      t.true(Math.abs(r.linear - (2 * 0.07 ** 2 * r.traceHSigma) / 2) <= 1e-12 * r.linear, 'n·η²/2·Tr(HΣ_m) at the horizon n = 2');
      t.is(r.ratioToLinear, r.shortHorizonRise / r.linear);
    }
    t.is(table[1]!.run, 'fashion.dynamics');
    // at m₀ the short rise is the theory stage's own sgd runs; GD's drift is the theory stage's everywhere
    const short = out('fashion.batchTheory[seed=0]').rows as unknown as BatchTheoryRow[];
    const theory = out('fashion.theory[seed=0]').rows as unknown as TheoryRow[];
    const sgd = theory.filter((r) => r.kind === 'sgd');
    t.deepEqual(
      short.filter((r) => r.batchSize === 10).map((r) => [r.step, r.measuredMean, r.noiseInduced, r.source]),
      sgd.map((r) => [r.step, r.measuredMean, r.noiseInduced, 'fashion.theory']),
    );
    for (const m of [5, 20]) {
      const rows = short.filter((r) => r.batchSize === m);
      t.deepEqual(
        rows.map((r) => r.step),
        [0, 1, 2],
      );
      t.deepEqual(
        rows.map((r) => r.gdDrift),
        sgd.map((r) => r.gdDrift),
      );
      t.is(rows[0]!.measuredMean, 0, 'every run starts at θ0');
      t.true(rows.every((r) => r.source === 'fashion.batchTheory'));
    }
    const again = await run();
    t.deepEqual(again.ran, []);
  } finally {
    await cache.close();
  }
});
