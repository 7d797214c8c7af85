/** Fashion-MNIST with 1000 clean + 200 random labels, the paper's CNN, from a sharp minimum (Fig. 3), as one experiment. */
import { defineExperiment } from '../experiment.ts';
import { fashionBatchDynamicsStage, fashionBatchKindDynamicsStage, fashionBatchSummaryStage, fashionBatchTheoryStage } from './batch-size.ts';
import { fashionPaper, fashionSchema } from './config.ts';
import { measureFashionCosts } from './measure.ts';
import { fashionHeadlines } from './headlines.ts';
import { fashionReport } from './report.ts';
import { fashionSpectrumStage } from './spectrum.ts';
import { fashionDataStage, fashionDynamicsStage, fashionPretrainStage, fashionProbeStage, fashionStartProbeStage, fashionSummaryStage } from './stages.ts';
import { fashionTailIndexStage } from './tail-index.ts';
import { fashionTheoryStage } from './theory.ts';

/** The `fashion` experiment. */
export const fashion = defineExperiment({
  name: 'fashion',
  description: "Fashion-MNIST with 1000 clean + 200 random labels, the paper's CNN, from a sharp minimum (Fig. 3).",
  schema: fashionSchema,
  defaults: fashionPaper,
  stages: [
    fashionDataStage,
    fashionPretrainStage,
    fashionDynamicsStage,
    fashionStartProbeStage,
    fashionProbeStage,
    fashionSummaryStage,
    fashionTheoryStage,
    fashionTailIndexStage,
    fashionSpectrumStage,
    fashionBatchDynamicsStage,
    fashionBatchKindDynamicsStage,
    fashionBatchTheoryStage,
    fashionBatchSummaryStage,
  ],
  cost: { measure: (cfg, needed, log, env) => measureFashionCosts(cfg, needed, log, env.timing) },
  report: fashionReport,
  headlines: fashionHeadlines,
});
