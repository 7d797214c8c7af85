/**
 * The project's `measureCosts`: initialises the configured backend and times, per experiment, the operations the
 * stages' cost models count (each experiment's `cost`, stages/experiment.ts), only those needed. An experiment whose
 * measurement fails is reported through `log` and left unmeasured (its instances get no estimate); a backend that
 * cannot start fails the whole measurement. On webgpu the operations run on the adapter and are timed by the wall
 * clock until their results are read back (CPU time does not see a GPU's work); the result names the backend and
 * adapter (`measuredOn`), which the dry-run prints. Nothing here is cached: every dry-run and every run's priorities
 * measure afresh on the configured backend, so costs of one backend never stand for another's.
 */
import { configReader } from '../../pipeline/estimate.ts';
import type { MeasureCosts, MeasuredCosts } from '../../pipeline/project.ts';
import type { Experiment } from '../experiment.ts';
import { EXPERIMENTS } from '../experiments.ts';
import { initBackend, type BackendName } from '../tf/backend.ts';
import { describeAdapter } from '../tf/webgpu.ts';
import { clockFor } from '../numerics/timing.ts';

/** The `measureCosts` over `experiments`' cost measurements, in list order (each sees what the ones before measured). */
export function measureCostsOf(experiments: readonly Experiment[]): MeasureCosts {
  return async (config, needed, log): Promise<MeasuredCosts> => {
    const cfg = configReader(config);
    const out: Record<string, number> = {};
    const owner = (op: string) => experiments.find((e) => op.startsWith(`${e.name}.`));
    // Operations no experiment claims still start the backend, as measuring them would.
    const tensorOps = [...needed].some((op) => owner(op)?.cost?.usesBackend !== false);
    let measuredOn: string | undefined;
    let timing = clockFor('cpu');
    if (tensorOps) {
      const backend = cfg<BackendName>('backend');
      const t0 = performance.now();
      const info = await initBackend(backend);
      measuredOn = info.adapter ? `backend ${info.backend} on ${describeAdapter(info.adapter)}` : `backend ${info.label}`;
      timing = clockFor(info.backend);
      log(
        `${measuredOn} started in ${(performance.now() - t0).toFixed(0)} ms; ${timing.unit === 'wall' ? "wall-clock times (the GPU's work is not CPU time)" : 'CPU times of this process'}`,
      );
    }
    for (const { name, cost } of experiments) {
      if (!cost || ![...needed].some((op) => op.startsWith(`${name}.`))) continue;
      try {
        for (const [op, ms] of Object.entries(await cost.measure(cfg, needed, log, { timing, soFar: out }))) if (ms !== undefined) out[op] = ms;
      } catch (err) {
        log(`${name}: measuring failed (${(err as Error).message}); its instances get no estimate`);
      }
    }
    return { costs: out, ...(measuredOn ? { measuredOn } : {}), clock: timing.unit === 'wall' ? 'wall' : 'cpu' };
  };
}

/**
 * Milliseconds per unit of each needed operation of sgd-noise's experiments, measured now on this machine with the
 * configured backend and sizes, and what they were measured on (`backend webgpu on NVIDIA H100 (nvidia, hopper)`,
 * `backend native (avx512)`).
 */
export const measureCosts: MeasureCosts = measureCostsOf(EXPERIMENTS);
