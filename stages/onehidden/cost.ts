/**
 * The one-hidden-layer experiment's cost model: `onehidden.train` does epochs·itersPerEpoch full-batch gradients
 * (`onehidden.grad`) and epochs + 1 indicator measurements (`onehidden.measure`: loss, accuracy, the dense Hessian,
 * per-example gradients, Σ and Tr(HΣ)), each timed at the configured sizes.
 */
import type { ConfigReader } from '../../pipeline/stage.ts';
import { tf } from '../tf/tfjs.ts';
import { valueAndGradRead } from '../models/curvature.ts';
import { createOneHidden } from '../models/onehidden.ts';
import { Rng } from '../numerics/random.ts';
import { cpuClock } from '../numerics/timing.ts';
import { oneHiddenConfig } from './config.ts';
import { oneHiddenData } from './data.ts';
import { trainOneHidden } from './train.ts';

/** The operations. */
export const ONEHIDDEN_OPS = { grad: 'onehidden.grad', measure: 'onehidden.measure' } as const;

/** `onehidden.train`: epochs·itersPerEpoch gradients and epochs + 1 measurements. */
export function oneHiddenCost(cfg: ConfigReader): Record<string, number> {
  const onehidden = oneHiddenConfig(cfg);
  const epochs = onehidden('epochs');
  return { [ONEHIDDEN_OPS.grad]: epochs * onehidden('itersPerEpoch'), [ONEHIDDEN_OPS.measure]: epochs + 1 };
}

/** Milliseconds of one gradient and of one measurement: a one-epoch, one-iteration run is 2 measurements + 1 gradient. */
export async function measureOneHiddenCosts(
  cfg: <T>(path: string) => T,
  needed: ReadonlySet<string>,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const onehidden = oneHiddenConfig(cfg);
  if (!needed.has(ONEHIDDEN_OPS.grad) && !needed.has(ONEHIDDEN_OPS.measure)) return {};
  const rng = new Rng(4);
  const model = createOneHidden({ hidden: onehidden('hidden') });
  const data = oneHiddenData(rng, onehidden('samples'));
  const w = model.init(rng);
  const batch = { x: tf.tensor2d(data.x, [data.n, 2]), y: tf.tensor1d(data.y) };
  let grad: number;
  try {
    // the gradient is read back with an await, so it is timed here rather than by the synchronous medianMs:
    // 2 warm-up calls, then the median CPU time of 5
    for (let i = 0; i < 2; i++) await valueAndGradRead(model, w, batch);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = cpuClock();
      await valueAndGradRead(model, w, batch);
      times.push(cpuClock() - t0);
    }
    grad = times.sort((a, b) => a - b)[2]!;
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
  const settings = {
    epochs: 1,
    itersPerEpoch: 1,
    lr: onehidden('lr'),
    decayEpochs: 1,
    covBatchSize: onehidden('covBatchSize'),
    covBatches: onehidden('covBatches'),
    rng,
  };
  await trainOneHidden(model, w, data, settings); // warm-up
  const t0 = cpuClock();
  await trainOneHidden(model, w, data, settings);
  const measure = Math.max(0, (cpuClock() - t0 - grad) / 2);
  log(`${ONEHIDDEN_OPS.grad}: full-batch gradient on ${data.n} points: ${grad.toFixed(2)} ms CPU`);
  log(`${ONEHIDDEN_OPS.measure}: one epoch's indicator measurement (dense Hessian, Σ, Tr(HΣ)): ${measure.toFixed(0)} ms CPU`);
  return { [ONEHIDDEN_OPS.grad]: grad, [ONEHIDDEN_OPS.measure]: measure };
}
