/**
 * Times `<ds>.image.gradient` as the VGG refusal measures it: a value + gradient of VGG11 at `<ds>.width` on 8 random
 * 32×32×3 images, per image. A second dataset at the same width reuses the first one's measurement.
 */
import { tf } from '../tf/tfjs.ts';
import type { ConfigReader } from '../../pipeline/stage.ts';
import type { MeasureEnv } from '../experiment.ts';
import { createVgg11 } from '../models/vgg.ts';
import { Rng } from '../numerics/random.ts';
import { vggImageGradientOp } from './cost.ts';
import { imageConfig } from './config.ts';
import { imageGradientMs, type ImageDataset } from './stages.ts';

/** Milliseconds per image of `<ds>.image.gradient` when `needed` holds it (`env.soFar`: the other dataset's, reused at the same width). */
export async function measureVgg(
  ds: ImageDataset,
  cfg: ConfigReader,
  needed: ReadonlySet<string>,
  log: (line: string) => void,
  env: MeasureEnv,
): Promise<Record<string, number>> {
  const op = vggImageGradientOp(ds);
  if (!needed.has(op)) return {};
  const width = imageConfig(cfg, ds)('width');
  const other = ds === 'svhn' ? 'cifar10' : 'svhn';
  const soFar = env.soFar[vggImageGradientOp(other)];
  if (soFar !== undefined && imageConfig(cfg, other)('width') === width) {
    log(`${op}: the same network as ${other}'s: ${soFar.toFixed(0)} ms`);
    return { [op]: soFar };
  }
  const rng = new Rng(5);
  const model = createVgg11({ width });
  const w = model.init(rng);
  const n = 8;
  const batch = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 32 * 32 * 3)), [n, 32, 32, 3]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(10)),
      'int32',
    ),
  };
  try {
    const ms = await imageGradientMs(model, w, batch, env.timing.clock);
    log(`${op}: VGG11 (width ${width}) value + gradient per image (of ${n}): ${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms ${env.timing.unit}`);
    return { [op]: ms };
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}
