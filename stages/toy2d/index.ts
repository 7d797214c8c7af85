/** The paper's 2-D two-basin toy (Fig. 2), as one experiment. */
import { defineExperiment } from '../experiment.ts';
import { toy2dPaper, toy2dSchema } from './config.ts';
import { measureToy2dCosts } from './cost.ts';
import { toy2dHeadlines } from './headlines.ts';
import { toy2dReport } from './report.ts';
import { toy2dEscapeStage } from './escape-stages.ts';
import { toy2dEscapeSummaryStage } from './escape-summary.ts';
import { toy2dShapeDataStage, toy2dShapesStage } from './shape-stages.ts';
import { toy2dShapesSummaryStage } from './shape-summary.ts';
import { toy2dDataStage, toy2dDynamicsStage, toy2dIndicatorStage, toy2dSummaryStage } from './stages.ts';

/** The `toy2d` experiment. */
export const toy2d = defineExperiment({
  name: 'toy2d',
  description: "The paper's 2-D two-basin toy (Fig. 2).",
  schema: toy2dSchema,
  defaults: toy2dPaper,
  stages: [
    toy2dDataStage,
    toy2dDynamicsStage,
    toy2dIndicatorStage,
    toy2dSummaryStage,
    toy2dShapeDataStage,
    toy2dShapesStage,
    toy2dShapesSummaryStage,
    toy2dEscapeStage,
    toy2dEscapeSummaryStage,
  ],
  // pure float64 JS: no tfjs backend
  cost: { usesBackend: false, measure: (cfg, needed, log) => measureToy2dCosts(cfg, needed, log) },
  report: toy2dReport,
  headlines: toy2dHeadlines,
});
