/**
 * The Fashion-MNIST experiment's part of the report: its section (Fig. 3) and the theory section, the claims on them,
 * and its parts beyond the paper (SGD against gld_full, the tail index, the spectrum, the batch sizes).
 */
import type { ExperimentReport } from '../experiment.ts';
import { seeded, single } from '../report/inputs.ts';
import { fashionOutcomes, fashionSection, type FashionStart } from '../report/figures/fashion.ts';
import { theoryAtHorizon, theoryRows, theorySection } from '../report/figures/theory.ts';
import { seedIndices } from '../seeds.ts';
import { fashionConfig } from './config.ts';

/**
 * `fashion.summary` as `fashion`, `fashion.theory[seed]` as `theory_<seed>`, and when enabled `fashion.spectrum[seed]`
 * as `spectrum_<seed>`, `fashion.tailIndex[seed]` as `tail_<seed>` and `fashion.batchSummary` as `batchSize`.
 */
export const fashionReport: ExperimentReport = {
  inputs: (cfg) => {
    const c = fashionConfig(cfg);
    const perSeed = (name: string, stage: string) => Object.fromEntries(seedIndices(cfg, 'fashion.seeds').map((seed) => [`${name}_${seed}`, { stage, params: { seed } }]));
    return {
      fashion: { stage: 'fashion.summary' },
      ...perSeed('theory', 'fashion.theory'),
      ...(c('spectrum').enabled ? perSeed('spectrum', 'fashion.spectrum') : {}),
      ...(c('tailIndex').enabled ? perSeed('tail', 'fashion.tailIndex') : {}),
      ...(c('batchSizes.enabled') ? { batchSize: { stage: 'fashion.batchSummary' } } : {}),
    };
  },
  sections: (inputs) => {
    const summary = single(inputs, 'fashion');
    const theory = seeded(inputs, 'theory');
    return [...(summary ? [fashionSection(summary)] : []), ...(theory?.length ? [theorySection(theory)] : [])];
  },
  claims: (inputs, facts) => {
    const summary = single(inputs, 'fashion');
    const theory = seeded(inputs, 'theory');
    return {
      ...(summary ? { fashion: { starts: summary.start as unknown as FashionStart[], outcomes: fashionOutcomes(summary), trainImages: facts.fashionTrainImages } } : {}),
      ...(theory?.length ? { theory: theoryAtHorizon(theoryRows(theory)).map((r) => ({ kind: r.kind, traceHSigma: r.traceHSigma, noiseInduced: r.noiseInduced })) } : {}),
    };
  },
  beyond: (inputs) => {
    const summary = single(inputs, 'fashion');
    const withFull = summary?.table && (summary.table as unknown as { kind: string }[]).some((r) => r.kind === 'gld_full');
    return { fashion: withFull ? summary : undefined, theory: seeded(inputs, 'theory'), tailIndex: seeded(inputs, 'tail'), spectrum: seeded(inputs, 'spectrum'), batchSize: single(inputs, 'batchSize') };
  },
};
