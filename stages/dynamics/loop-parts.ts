/**
 * What the two dynamics loops (run.ts on the host, device-loop.ts on the GPU) share: computing the noise statistics
 * a kind needs at the current parameters, and one row of the log from the evaluations at an iteration.
 */
import type { NoiseNeeds, NoiseStats } from '../noise/kind.ts';
import { computeNoiseStats } from '../noise/stats.ts';
import type { Evaluation } from '../models/evaluate.ts';
import type { DynamicsLog, DynamicsOptions } from './run.ts';
import { minibatchGradientCovariance, type HessianTracker } from './statistics.ts';

/** The statistics `needs` asks for at `w`: the options' own source if given, else Σ and the Hessian's top-k. */
export async function noiseStatistics(o: DynamicsOptions, needs: NoiseNeeds, tracker: HessianTracker, w: Float32Array): Promise<NoiseStats> {
  if (o.statistics) return o.statistics(w, needs);
  return computeNoiseStats(needs, {
    size: o.model.size,
    covariance: () => minibatchGradientCovariance(o.model, w, o.train, o.batchSize, o.rng),
    hessianTopK: (k) => {
      const m = o.hessianEigvec;
      if (m?.method !== 'power') return tracker.topK(w, k);
      if (k !== 1) throw new Error(`${o.kind}: the power method finds one eigenvector, the kind needs ${k}`);
      return tracker.powerTop1(w, m.iterations);
    },
  });
}

/** The log row at `iteration`; throws naming the iteration when the training loss is not finite. */
export function logRow(o: DynamicsOptions, iteration: number, train: Evaluation, test: Evaluation | undefined, noiseTrace: number): DynamicsLog {
  if (!Number.isFinite(train.loss)) throw new Error(`${o.kind} diverged at iteration ${iteration}: training loss ${train.loss}`);
  return {
    iteration,
    trainLoss: train.loss,
    trainAccuracy: train.accuracy,
    cleanAccuracy: train.groupAccuracy?.zero ?? null,
    randomAccuracy: train.groupAccuracy?.one ?? null,
    testLoss: test ? test.loss : null,
    testAccuracy: test ? test.accuracy : null,
    noiseTrace,
  };
}
