/** Every stage of sgd-noise, in one list. Adding a stage means adding one line here. */
import type { AnyStage } from '../pipeline/stage.ts';
import { fashionDataStage, fashionDynamicsStage, fashionPretrainStage, fashionProbeStage, fashionStartProbeStage, fashionSummaryStage } from './fashion/stages.ts';
import { oneHiddenSummaryStage, oneHiddenTrainStage } from './onehidden/stages.ts';
import { reportStage } from './report/stage.ts';
import { imageExperimentStages } from './vgg/stages.ts';
import { toy2dDataStage, toy2dDynamicsStage, toy2dIndicatorStage, toy2dSummaryStage } from './toy2d/stages.ts';

/** The registry the engine builds its DAG from. */
export const stages: readonly AnyStage[] = [
  toy2dDataStage,
  toy2dDynamicsStage,
  toy2dIndicatorStage,
  toy2dSummaryStage,
  oneHiddenTrainStage,
  oneHiddenSummaryStage,
  fashionDataStage,
  fashionPretrainStage,
  fashionDynamicsStage,
  fashionStartProbeStage,
  fashionProbeStage,
  fashionSummaryStage,
  ...imageExperimentStages('svhn'),
  ...imageExperimentStages('cifar10'),
  reportStage((cfg) => ({
    toy2d: { stage: 'toy2d.summary' },
    onehidden: { stage: 'onehidden.summary' },
    fashion: { stage: 'fashion.summary' },
    ...(cfg<boolean>('svhn.enabled') ? { svhn: { stage: 'svhn.summary' } } : {}),
    ...(cfg<boolean>('cifar10.enabled') ? { cifar10: { stage: 'cifar10.summary' } } : {}),
  })),
];
