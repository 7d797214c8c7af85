/** The 2-D toy's part of the report: its section (Fig. 2), its claims' rows, and the noise-shape study beyond the paper. */
import type { ExperimentReport } from '../experiment.ts';
import { single } from '../report/inputs.ts';
import type { BeyondProtocol } from '../report/figures/beyond.ts';
import { toy2dSection, type Toy2dProtocol } from '../report/figures/toy2d.ts';
import { optionalDep } from '../../pipeline/deps.ts';
import { toy2dConfig } from './config.ts';
import { toy2dEscapeSummaryStage } from './escape-summary.ts';
import { toy2dShapesSummaryStage } from './shape-summary.ts';
import { toy2dSummaryStage } from './stages.ts';

/** `toy2d.summary` as `toy2d`, `toy2d.shapesSummary` as `toy2dShapes` and `toy2d.escapeSummary` as `toy2dEscape` when they run. */
export const toy2dReport: ExperimentReport = {
  inputs: (cfg) => {
    const c = toy2dConfig(cfg);
    return {
      ...(c('enabled') ? { toy2d: optionalDep(toy2dSummaryStage) } : {}),
      ...(c('enabled') && c('shapes.enabled') ? { toy2dShapes: optionalDep(toy2dShapesSummaryStage) } : {}),
      ...(c('enabled') && c('escapeLaws.enabled') ? { toy2dEscape: optionalDep(toy2dEscapeSummaryStage) } : {}),
    };
  },
  sections: (inputs, config) => {
    const summary = single(inputs, 'toy2d', toy2dSummaryStage);
    return summary ? [toy2dSection(summary, config.toy2d as Toy2dProtocol)] : [];
  },
  claims: (inputs) => {
    const summary = single(inputs, 'toy2d', toy2dSummaryStage);
    return summary ? { toy2d: summary.table } : {};
  },
  beyond: (inputs, config) => ({
    shapes: single(inputs, 'toy2dShapes', toy2dShapesSummaryStage),
    escapeLaws: single(inputs, 'toy2dEscape', toy2dEscapeSummaryStage),
    protocol: config.toy2d as BeyondProtocol,
  }),
};
