/** The 2-D toy's headline numbers (pipeline/headlines.ts): per dynamics, the runs escaping the sharp minimum (`toy2d.summary`). */
import { readOutputs } from '../../pipeline/outputs.ts';
import type { ExperimentHeadlines } from '../experiment.ts';
import { kindLabel } from '../report/render/theme.ts';
import { toy2dSummaryOutputs } from './outputs.ts';

/** Mean escapes per kind over seeds (of `toy2d.repeats` runs each); none when the toy is switched off. */
export const toy2dHeadlines: ExperimentHeadlines = {
  stages: ['toy2d.summary'],
  metrics(outputs, cfg) {
    if (!cfg<boolean>('toy2d.enabled')) return [];
    const cached = outputs['toy2d.summary'];
    const table = cached ? readOutputs(toy2dSummaryOutputs, cached, 'toy2d.summary').table : [];
    const repeats = cfg<number>('toy2d.repeats');
    return cfg<string[]>('toy2d.kinds').map((kind) => ({
      id: `toy2d.escapes.${kind}`,
      label: `2-D toy: runs escaping the sharp minimum (of ${repeats}), ${kindLabel(kind)}`,
      value: table.find((r) => r.kind === kind)?.escapesMean ?? null,
      brief: 'toy escapes',
    }));
  },
};
