/** The one-hidden-layer network (Fig. 4), as one experiment. */
import { defineExperiment } from '../experiment.ts';
import { oneHiddenPaper, oneHiddenSchema } from './config.ts';
import { measureOneHiddenCosts } from './cost.ts';
import { oneHiddenHeadlines } from './headlines.ts';
import { oneHiddenReport } from './report.ts';
import { oneHiddenSummaryStage, oneHiddenTrainStage } from './stages.ts';

/** The `onehidden` experiment. */
export const onehidden = defineExperiment({
  name: 'onehidden',
  description: 'The one-hidden-layer network (Fig. 4).',
  schema: oneHiddenSchema,
  defaults: oneHiddenPaper,
  stages: [oneHiddenTrainStage, oneHiddenSummaryStage],
  cost: { measure: (cfg, needed, log) => measureOneHiddenCosts(cfg, needed, log) },
  report: oneHiddenReport,
  headlines: oneHiddenHeadlines,
});
