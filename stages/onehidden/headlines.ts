/**
 * The one-hidden-layer net's headline numbers (pipeline/headlines.ts), from `onehidden.summary`: the indicator ratio
 * Tr(HΣ)/Tr(HΣ̄) and the training loss at the last epoch (means over seeds).
 */
import { readOutputs } from '../../pipeline/outputs.ts';
import type { ExperimentHeadlines } from '../experiment.ts';
import { oneHiddenSummaryOutputs } from './outputs.ts';

/** The last epoch's ratio and loss; none when the experiment is switched off. */
export const oneHiddenHeadlines: ExperimentHeadlines = {
  stages: ['onehidden.summary'],
  metrics(outputs, cfg) {
    if (!cfg<boolean>('onehidden.enabled')) return [];
    const cached = outputs['onehidden.summary'];
    const last = cached ? readOutputs(oneHiddenSummaryOutputs, cached, 'onehidden.summary').perEpoch.at(-1) : undefined;
    return [
      { id: 'onehidden.ratio', label: 'one-hidden-layer net: Tr(HΣ)/Tr(HΣ̄) at the last epoch', value: last?.ratio ?? null, brief: 'one-hidden' },
      { id: 'onehidden.loss', label: 'one-hidden-layer net: training loss at the last epoch', value: last?.loss ?? null, brief: 'one-hidden' },
    ];
  },
};
