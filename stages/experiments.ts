/**
 * Every experiment of sgd-noise, in one list (each one folder that describes itself: stages/experiment.ts). The config
 * schema, the stage registry, the cost measurement and the report loop over it; adding an experiment is one line here.
 */
import { fashion } from './fashion/index.ts';
import { onehidden } from './onehidden/index.ts';
import { toy2d } from './toy2d/index.ts';
import { imageExperiment } from './vgg/index.ts';

/** The experiments, in the order of the config, the registry and the report. */
export const EXPERIMENTS = [toy2d, onehidden, fashion, imageExperiment('svhn'), imageExperiment('cifar10')] as const;
