/** Every stage of sgd-noise, in one list. Adding a stage means adding one line here. */
import type { AnyStage } from '../pipeline/stage.ts';
import { fashionDataStage, fashionDynamicsStage, fashionPretrainStage, fashionProbeStage, fashionStartProbeStage, fashionSummaryStage } from './fashion/stages.ts';
import { fashionBatchDynamicsStage, fashionBatchSummaryStage, fashionBatchTheoryStage } from './fashion/batch-size.ts';
import { fashionSpectrumStage } from './fashion/spectrum.ts';
import { fashionTailIndexStage } from './fashion/tail-index.ts';
import { fashionTheoryStage } from './fashion/theory.ts';
import { oneHiddenSummaryStage, oneHiddenTrainStage } from './onehidden/stages.ts';
import { reportStage } from './report/stage.ts';
import { imageExperimentStages } from './vgg/stages.ts';
import { toy2dShapeDataStage, toy2dShapesStage } from './toy2d/shape-stages.ts';
import { toy2dShapesSummaryStage } from './toy2d/shape-summary.ts';
import { toy2dDataStage, toy2dDynamicsStage, toy2dIndicatorStage, toy2dSummaryStage } from './toy2d/stages.ts';

/** The registry the engine builds its DAG from. */
export const stages: readonly AnyStage[] = [
  toy2dDataStage,
  toy2dDynamicsStage,
  toy2dIndicatorStage,
  toy2dSummaryStage,
  toy2dShapeDataStage,
  toy2dShapesStage,
  toy2dShapesSummaryStage,
  oneHiddenTrainStage,
  oneHiddenSummaryStage,
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
  fashionBatchTheoryStage,
  fashionBatchSummaryStage,
  ...imageExperimentStages('svhn'),
  ...imageExperimentStages('cifar10'),
  reportStage(),
];
