/** The one-hidden-layer experiment (paper Fig. 4) as stages: one training run per seed, then a summary over seeds. */
import { dep, named } from '../../pipeline/deps.ts';
import { defineStage, type ConfigReader } from '../../pipeline/stage.ts';
import { oneHiddenSummaryOutputs, oneHiddenTrainOutputs } from './outputs.ts';
import { createOneHidden } from '../models/onehidden.ts';
import { Rng } from '../numerics/random.ts';
import { mean } from '../numerics/vector.ts';
import { initBackend, recordBackend, type BackendName, gpusForBackend } from '../tf/backend.ts';
import { oneHiddenConfig } from './config.ts';
import { oneHiddenData } from './data.ts';
import { trainOneHidden, type EpochRecord } from './train.ts';
import { seedIndices } from '../seeds.ts';
import { oneHiddenCost } from './cost.ts';

/** The seed indices, none when the experiment is off (`onehidden.enabled`). */
const seedsOf = (cfg: ConfigReader) => (oneHiddenConfig(cfg)('enabled') ? seedIndices(cfg, 'onehidden.seeds') : []);

/** Data, initialisation, Adam training and the per-epoch indicator for one seed. */
export const oneHiddenTrainStage = defineStage({
  id: 'onehidden.train',
  version: 2,
  outputs: oneHiddenTrainOutputs,
  description: 'onehidden: Adam training with Tr(HΣ), Tr(HΣ̄) after every epoch',
  isolate: true,
  gpus: gpusForBackend,
  instances: (cfg) => seedsOf(cfg).map((seed) => ({ seed })),
  cost: (_p, cfg) => oneHiddenCost(cfg),
  reads: [
    'seed',
    'backend',
    'onehidden.samples',
    'onehidden.hidden',
    'onehidden.epochs',
    'onehidden.itersPerEpoch',
    'onehidden.lr',
    'onehidden.decayEpochs',
    'onehidden.covBatchSize',
    'onehidden.covBatches',
  ],
  async run(ctx) {
    const onehidden = oneHiddenConfig(ctx.config);
    const info = await initBackend(ctx.config<BackendName>('backend'));
    recordBackend(ctx, info);
    const rng = new Rng(ctx.seed);
    const model = createOneHidden({ hidden: onehidden('hidden') });
    const data = oneHiddenData(rng, onehidden('samples'));
    const { records, w } = await trainOneHidden(model, model.init(rng), data, {
      epochs: onehidden('epochs'),
      itersPerEpoch: onehidden('itersPerEpoch'),
      lr: onehidden('lr'),
      decayEpochs: onehidden('decayEpochs'),
      covBatchSize: onehidden('covBatchSize'),
      covBatches: onehidden('covBatches'),
      rng,
      onEpoch: (done, total, record) => {
        ctx.throwIfAborted();
        ctx.progress(done, total, 'epochs', [
          { name: 'trainLoss', label: 'loss', value: record.loss },
          { name: 'trainAccuracy', label: 'train acc', value: record.accuracy, format: 'percent' },
        ]);
      },
    });
    return { records: records.map((r) => ({ ...r })), weights: w };
  },
});

/** Per epoch: mean and range over seeds of the ratio Tr(HΣ)/Tr(HΣ̄), with loss and accuracy. */
export const oneHiddenSummaryStage = defineStage({
  id: 'onehidden.summary',
  version: 3,
  outputs: oneHiddenSummaryOutputs,
  description: 'onehidden: indicator ratio per epoch over seeds (mean and range), and per seed',
  instances: (cfg) => (oneHiddenConfig(cfg)('enabled') ? [{}] : []),
  reads: ['onehidden.seeds'],
  cost: () => ({}),
  deps: (_p, cfg) =>
    named(
      'seed_',
      seedsOf(cfg).map((seed) => [`${seed}`, dep(oneHiddenTrainStage, { seed })] as const),
    ),
  async run(_ctx, inputs) {
    const runs = Object.values(inputs).map((i) => i.records);
    const epochs = runs[0]!.length;
    const pick = (e: number, f: (r: EpochRecord) => number) => runs.map((r) => f(r[e]!));
    // Seeds whose Tr(HΣ̄) is 0 at an epoch (ratio undefined) are left out of that epoch's ratio statistics.
    const perEpoch = Array.from({ length: epochs }, (_, e) => {
      const ratios = runs.map((r) => r[e]!.ratio).filter((x): x is number => x !== null);
      return {
        epoch: e,
        loss: mean(pick(e, (r) => r.loss)),
        accuracy: mean(pick(e, (r) => r.accuracy)),
        traceHSigma: mean(pick(e, (r) => r.traceHSigma)),
        traceHSigmaIso: mean(pick(e, (r) => r.traceHSigmaIso)),
        ratio: ratios.length ? mean(ratios) : null,
        ratioMin: ratios.length ? Math.min(...ratios) : null,
        ratioMax: ratios.length ? Math.max(...ratios) : null,
      };
    });
    const perSeed = Object.entries(inputs).flatMap(([name, i]) =>
      i.records.map((r, epoch) => ({
        seed: Number(name.slice('seed_'.length)),
        epoch,
        loss: r.loss,
        accuracy: r.accuracy,
        traceHSigma: r.traceHSigma,
        traceHSigmaIso: r.traceHSigmaIso,
        ratio: r.ratio,
      })),
    );
    const every = Math.max(1, Math.floor(epochs / 8));
    return { perEpoch, perSeed, table: perEpoch.filter((r) => r.epoch % every === 0 || r.epoch === epochs - 1) };
  },
});
