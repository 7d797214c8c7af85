/** The one-hidden-layer network's part of the report: its section (Fig. 4) and the ratios its claim is judged on. */
import type { ExperimentReport } from '../experiment.ts';
import { single } from '../report/inputs.ts';
import { oneHiddenSection, type OneHiddenProtocol } from '../report/figures/onehidden.ts';
import { optionalDep } from '../../pipeline/deps.ts';
import { oneHiddenConfig } from './config.ts';
import { oneHiddenSummaryStage } from './stages.ts';

/** `onehidden.summary` as `onehidden`. */
export const oneHiddenReport: ExperimentReport = {
  inputs: (cfg) => (oneHiddenConfig(cfg)('enabled') ? { onehidden: optionalDep(oneHiddenSummaryStage) } : {}),
  sections: (inputs, config) => {
    const summary = single(inputs, 'onehidden', oneHiddenSummaryStage);
    return summary ? [oneHiddenSection(summary, config.onehidden as OneHiddenProtocol)] : [];
  },
  claims: (inputs) => {
    const summary = single(inputs, 'onehidden', oneHiddenSummaryStage);
    return summary ? { oneHiddenRatios: summary.perEpoch.map((r) => r.ratio) } : {};
  },
};
