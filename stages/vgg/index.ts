/** VGG11 on SVHN (Fig. 1 / 6) and on CIFAR-10 (Fig. 6): two experiments of one kind. */
import { defineExperiment } from '../experiment.ts';
import { cifarQuick, imageSchema, svhnPaper } from './config.ts';
import { measureVgg } from './measure.ts';
import { imageHeadlines } from './headlines.ts';
import { imageReport } from './report.ts';
import { imageExperimentStages, type ImageDataset } from './stages.ts';

/** What each dataset is, and its section's settings when a profile gives none. */
const IMAGE_SETS = {
  svhn: { description: 'VGG11 on SVHN (Fig. 1 / 6).', defaults: svhnPaper },
  cifar10: { description: 'VGG11 on CIFAR-10 (Fig. 6).', defaults: cifarQuick },
} as const;

/** The VGG11 experiment on dataset `ds` (its config section, stage ids and operations are named `ds`). */
export function imageExperiment<D extends ImageDataset>(ds: D) {
  return defineExperiment({
    name: ds,
    ...IMAGE_SETS[ds],
    schema: imageSchema(),
    stages: imageExperimentStages(ds),
    cost: { measure: (cfg, needed, log, env) => measureVgg(ds, cfg, needed, log, env) },
    report: imageReport(ds),
    headlines: imageHeadlines(ds),
  });
}
