/** Every stage of sgd-noise, in one list. Adding a stage means adding one line here. */
import type { AnyStage } from '../pipeline/stage.ts';
import { reportStage } from './report/stage.ts';

/** The registry the engine builds its DAG from. */
export const stages: readonly AnyStage[] = [reportStage];
