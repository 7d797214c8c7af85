/**
 * The project's `measureCosts`: initialises the configured backend and times, per experiment, the operations the
 * stages' cost models count (`fashion/cost.ts`, `vgg/cost.ts`, `toy2d/cost.ts`, `onehidden/cost.ts`), only those
 * needed. An experiment whose measurement fails is reported through `log` and left unmeasured (its instances get no
 * estimate); a backend that cannot start fails the whole measurement. On webgpu the operations run on the adapter and
 * are timed by the wall clock until their results are read back (CPU time does not see a GPU's work); the result
 * names the backend and adapter (`measuredOn`), which the dry-run prints. Nothing here is cached: every dry-run and
 * every run's priorities measure afresh on the configured backend, so costs of one backend never stand for another's.
 */
import * as tf from '@tensorflow/tfjs';
import { configReader } from '../../pipeline/estimate.ts';
import { measureFashionCosts } from '../fashion/measure.ts';
import { createVgg11 } from '../models/vgg.ts';
import { Rng } from '../numerics/random.ts';
import { measureOneHiddenCosts } from '../onehidden/cost.ts';
import type { MeasuredCosts } from '../../pipeline/project.ts';
import { initBackend, type BackendName } from '../tf/backend.ts';
import { describeAdapter } from '../tf/webgpu.ts';
import { measureToy2dCosts } from '../toy2d/cost.ts';
import { clockFor, cpuClock } from '../numerics/timing.ts';
import { vggImageGradientOp } from '../vgg/cost.ts';
import { imageGradientMs } from '../vgg/stages.ts';

/**
 * Milliseconds per unit of each needed operation, measured now on this machine with the configured backend and sizes,
 * and what they were measured on (`backend webgpu on NVIDIA H100 (nvidia, hopper)`, `backend native (avx512)`).
 */
export async function measureCosts(config: Record<string, unknown>, needed: ReadonlySet<string>, log: (line: string) => void): Promise<MeasuredCosts> {
  const cfg = configReader(config);
  const out: Record<string, number> = {};
  const tensorOps = [...needed].some((op) => !op.startsWith('toy2d.'));
  let measuredOn: string | undefined;
  let timing = clockFor('cpu');
  if (tensorOps) {
    const backend = cfg<BackendName>('backend');
    const t0 = performance.now();
    const info = await initBackend(backend);
    measuredOn = info.adapter ? `backend ${info.backend} on ${describeAdapter(info.adapter)}` : `backend ${info.label}`;
    timing = clockFor(info.backend);
    log(`${measuredOn} started in ${(performance.now() - t0).toFixed(0)} ms; ${timing.unit === 'wall' ? 'wall-clock times (the GPU\'s work is not CPU time)' : 'CPU times of this process'}`);
  }
  const parts: [string, () => Record<string, number> | Promise<Record<string, number>>][] = [
    ['toy2d', () => measureToy2dCosts(cfg, needed, log)],
    ['onehidden', () => measureOneHiddenCosts(cfg, needed, log)],
    ['fashion', () => measureFashionCosts(cfg, needed, log, timing)],
    ['svhn', () => measureVgg('svhn', cfg, needed, log, out, timing)],
    ['cifar10', () => measureVgg('cifar10', cfg, needed, log, out, timing)],
  ];
  for (const [name, measure] of parts) {
    if (![...needed].some((op) => op.startsWith(`${name}.`))) continue;
    try {
      Object.assign(out, await measure());
    } catch (err) {
      log(`${name}: measuring failed (${(err as Error).message}); its instances get no estimate`);
    }
  }
  return { costs: out, ...(measuredOn ? { measuredOn } : {}), clock: timing.unit === 'wall' ? 'wall' : 'cpu' };
}

/**
 * `<ds>.image.gradient` as the VGG refusal measures it: a value + gradient of VGG11 at `<ds>.width` on 8 random
 * 32×32×3 images, per image. A second dataset at the same width reuses the first one's measurement.
 */
async function measureVgg(
  ds: string,
  cfg: <T>(path: string) => T,
  needed: ReadonlySet<string>,
  log: (line: string) => void,
  soFar: Record<string, number>,
  timing: ReturnType<typeof clockFor> = { clock: cpuClock, unit: 'CPU' },
): Promise<Record<string, number>> {
  const op = vggImageGradientOp(ds);
  if (!needed.has(op)) return {};
  const width = cfg<number>(`${ds}.width`);
  const other = ds === 'svhn' ? 'cifar10' : 'svhn';
  if (soFar[vggImageGradientOp(other)] !== undefined && cfg<number>(`${other}.width`) === width) {
    log(`${op}: the same network as ${other}'s: ${soFar[vggImageGradientOp(other)]!.toFixed(0)} ms`);
    return { [op]: soFar[vggImageGradientOp(other)]! };
  }
  const rng = new Rng(5);
  const model = createVgg11({ width });
  const w = model.init(rng);
  const n = 8;
  const batch = { x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 32 * 32 * 3)), [n, 32, 32, 3]), y: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(10)), 'int32') };
  try {
    const ms = await imageGradientMs(model, w, batch, timing.clock);
    log(`${op}: VGG11 (width ${width}) value + gradient per image (of ${n}): ${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms ${timing.unit}`);
    return { [op]: ms };
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}
