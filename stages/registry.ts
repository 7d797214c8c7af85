/** Every stage of sgd-noise, in one list: each experiment's stages (stages/experiments.ts), then the report. */
import type { AnyStage } from '../pipeline/stage.ts';
import type { Experiment } from './experiment.ts';
import { EXPERIMENTS } from './experiments.ts';
import { reportStage } from './report/stage.ts';

/** The stages of `experiments` in list order, then the report over them. */
export function stagesOf(experiments: readonly Experiment[]): readonly AnyStage[] {
  return [...experiments.flatMap((e) => e.stages), reportStage(experiments)];
}

/** The registry the engine builds its DAG from. */
export const stages: readonly AnyStage[] = stagesOf(EXPERIMENTS);
