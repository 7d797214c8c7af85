/**
 * The Fashion-MNIST experiment's part of the report: its section (Fig. 3) and the theory section, the claims on them,
 * and its parts beyond the paper (SGD against gld_full, the tail index, the spectrum, the batch sizes).
 */
import type { ExperimentReport } from '../experiment.ts';
import { seeded, single } from '../report/inputs.ts';
import { fashionOutcomes, fashionSection } from '../report/figures/fashion.ts';
import { theoryAtHorizon, theoryRows, theorySection } from '../report/figures/theory.ts';
import { seedIndices } from '../seeds.ts';
import { optionalDep, type StageHandle } from '../../pipeline/deps.ts';
import { fashionBatchSummaryStage } from './batch-size.ts';
import { fashionConfig } from './config.ts';
import { fashionSpectrumStage } from './spectrum.ts';
import { fashionSummaryStage } from './stages.ts';
import { fashionTailIndexStage } from './tail-index.ts';
import { fashionTheoryStage } from './theory.ts';

/**
 * `fashion.summary` as `fashion`, `fashion.theory[seed]` as `theory_<seed>`, and when enabled `fashion.spectrum[seed]`
 * as `spectrum_<seed>`, `fashion.tailIndex[seed]` as `tail_<seed>` and `fashion.batchSummary` as `batchSize`.
 */
export const fashionReport: ExperimentReport = {
  inputs: (cfg) => {
    const c = fashionConfig(cfg);
    const perSeed = (name: string, stage: StageHandle<{ seed: number }>) =>
      Object.fromEntries(seedIndices(cfg, 'fashion.seeds').map((seed) => [`${name}_${seed}`, optionalDep(stage, { seed })]));
    return {
      fashion: optionalDep(fashionSummaryStage),
      ...perSeed('theory', fashionTheoryStage),
      ...(c('spectrum').enabled ? perSeed('spectrum', fashionSpectrumStage) : {}),
      ...(c('tailIndex').enabled ? perSeed('tail', fashionTailIndexStage) : {}),
      ...(c('batchSizes.enabled') ? { batchSize: optionalDep(fashionBatchSummaryStage) } : {}),
    };
  },
  sections: (inputs) => {
    const summary = single(inputs, 'fashion', fashionSummaryStage);
    const theory = seeded(inputs, 'theory', fashionTheoryStage);
    return [...(summary ? [fashionSection(summary)] : []), ...(theory?.length ? [theorySection(theory)] : [])];
  },
  claims: (inputs, facts) => {
    const summary = single(inputs, 'fashion', fashionSummaryStage);
    const theory = seeded(inputs, 'theory', fashionTheoryStage);
    return {
      ...(summary ? { fashion: { starts: summary.start, outcomes: fashionOutcomes(summary), trainImages: facts.fashionTrainImages } } : {}),
      ...(theory?.length
        ? { theory: theoryAtHorizon(theoryRows(theory)).map((r) => ({ kind: r.kind, traceHSigma: r.traceHSigma, noiseInduced: r.noiseInduced })) }
        : {}),
    };
  },
  beyond: (inputs) => {
    const summary = single(inputs, 'fashion', fashionSummaryStage);
    const withFull = summary?.table?.some((r) => r.kind === 'gld_full');
    return {
      fashion: withFull ? summary : undefined,
      theory: seeded(inputs, 'theory', fashionTheoryStage),
      tailIndex: seeded(inputs, 'tail', fashionTailIndexStage),
      spectrum: seeded(inputs, 'spectrum', fashionSpectrumStage),
      batchSize: single(inputs, 'batchSize', fashionBatchSummaryStage),
    };
  },
};
