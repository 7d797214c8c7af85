/**
 * The VGG11 dynamics' cost model for `run --dry-run`, in units of one image's value + gradient (`<ds>.image.gradient`,
 * measured as the CPU refusal measures it; a forward pass counts a third of one, as the refusal assumes). Per
 * iteration of I = <ds>.dynamics.iterations: the gradient (sgd: batchSize images; every other kind: trainCount);
 * for kinds that need diag Σ or TrΣ (gld_dynamic, gld_diag) covBatches·batchSize images every `refresh` iterations;
 * evaluation of the training and test sets, (trainCount + testCount)/3, logCount(I, logEvery) times; at the end the
 * expected sharpness, (2·samples + 1)·trainCount/3.
 */
import type { ConfigReader } from '../../pipeline/stage.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { noiseKind } from '../noise/registry.ts';
import { needsCovariance } from '../noise/stats.ts';
import { logCount } from '../numerics/log-count.ts';
import { optionalConfig } from '../optional-config.ts';
import { imageConfig } from './config.ts';

/** The operation name of one image-gradient of a dataset's VGG11. */
export const vggImageGradientOp = (ds: string) => `${ds}.image.gradient`;

/** Image-gradient equivalents of one `<ds>.dynamics[kind]` run. */
export function vggDynamicsCost(ds: string, kind: NoiseKindName, cfg: ConfigReader): Record<string, number> {
  const d = imageConfig(cfg, ds)('dynamics');
  const train = imageConfig(cfg, ds)('data.trainCount');
  const test = imageConfig(cfg, ds)('data.testCount');
  const samples = imageConfig(cfg, ds)('sharpness.samples');
  const needs = noiseKind(kind).needs({ sigma: d.sigma });
  // Per-kind run lengths (`kindIterations`, the released scripts' 100,001 for sgd) override `iterations`.
  const iterations = optionalConfig<Record<string, number>>(cfg, `${ds}.dynamics.kindIterations`)?.[kind] ?? d.iterations;
  const gradient = iterations * (needs.minibatchGradient ? d.batchSize : train);
  const stats = needsCovariance(needs) ? Math.ceil(iterations / d.refresh) * d.covBatches * d.batchSize : 0;
  const evaluation = (logCount(iterations, d.logEvery) * (train + test)) / 3;
  // Signed: antithetic pairs on the training set; absolute (released): samples + 1 draws, test accuracy too.
  const absolute = optionalConfig<string>(cfg, `${ds}.sharpness.mode`) === 'absolute';
  const sharpness = absolute ? ((samples + 1) * (train + test)) / 3 : ((2 * samples + 1) * train) / 3;
  return { [vggImageGradientOp(ds)]: gradient + stats + evaluation + sharpness };
}
