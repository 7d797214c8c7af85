/**
 * What a sweep of fashion.dynamics.batchSize (the `batch-size` profiles) collects per point into `sweep.summary`:
 * SGD's row of the Fashion-MNIST summary and its short-horizon rise from the theory stages.
 */
import type { LoadedArtifacts } from '../../cache/values.ts';
import { readOutputs } from '../../pipeline/outputs.ts';
import type { SweepSummarySpec } from '../../pipeline/sweep.ts';
import { fashionOutcomes } from '../report/figures/fashion.ts';
import { theoryAtHorizon, theoryRows } from '../report/figures/theory.ts';
import { fashionSummaryOutputs, fashionTheoryOutputs } from './outputs.ts';

/** SGD at the theory horizon, mean over the seeds' fashion.theory instances: the short-horizon rise and its ratio to the linear prediction. */
function sgdShortHorizon(outputs: Readonly<Record<string, LoadedArtifacts>>): { noiseInduced: number; ratioToLinear: number | null } | undefined {
  const theories = Object.entries(outputs)
    .filter(([id]) => id.startsWith('fashion.theory['))
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([id, o]) => readOutputs(fashionTheoryOutputs, o, id));
  return theories.length ? theoryAtHorizon(theoryRows(theories)).find((p) => p.kind === 'sgd') : undefined;
}

/** The sweep summary of the batch-size profiles. */
export const fashionSweepSummary: SweepSummarySpec = {
  stages: ['fashion.summary', 'fashion.theory'],
  version: 2,
  // SGD's row of the Fashion-MNIST summary (mean over seeds): Tr(HΣ_m) at the sharp minimum (the paper's estimator at
  // this point's m) and the outcome; and SGD's short-horizon rise from the theory stages (mean over seeds)
  metrics: (outputs: Readonly<Record<string, LoadedArtifacts>>) => {
    const sgd = fashionOutcomes(readOutputs(fashionSummaryOutputs, outputs['fashion.summary']!, 'fashion.summary')).find((o) => o.kind === 'sgd');
    const short = sgdShortHorizon(outputs);
    return {
      sgdTraceHSigma: sgd?.traceHSigmaAtStart ?? null,
      sgdLossRise: sgd?.lossRise ?? null,
      sgdFinalTrainLoss: sgd?.finalTrainLoss ?? null,
      sgdRandomLabelFit: sgd?.randomFit ?? null,
      sgdTestAccuracy: sgd?.testAccuracy?.mean ?? null,
      sgdShortHorizonRise: short?.noiseInduced ?? null,
      sgdShortHorizonRatioToLinear: short?.ratioToLinear ?? null,
    };
  },
};
