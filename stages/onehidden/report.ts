/** The one-hidden-layer network's part of the report: its section (Fig. 4) and the ratios its claim is judged on. */
import type { ExperimentReport } from '../experiment.ts';
import { single } from '../report/inputs.ts';
import { oneHiddenSection, type OneHiddenProtocol } from '../report/figures/onehidden.ts';
import { oneHiddenConfig } from './config.ts';

/** `onehidden.summary` as `onehidden`. */
export const oneHiddenReport: ExperimentReport = {
  inputs: (cfg) => (oneHiddenConfig(cfg)('enabled') ? { onehidden: { stage: 'onehidden.summary' } } : {}),
  sections: (inputs, config) => {
    const summary = single(inputs, 'onehidden');
    return summary ? [oneHiddenSection(summary, config.onehidden as OneHiddenProtocol)] : [];
  },
  claims: (inputs) => {
    const summary = single(inputs, 'onehidden');
    return summary ? { oneHiddenRatios: (summary.perEpoch as unknown as { ratio: number | null }[]).map((r) => r.ratio) } : {};
  },
};
