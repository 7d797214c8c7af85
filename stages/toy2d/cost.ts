/**
 * The 2-D toy's cost model: `toy2d.dynamics[kind]` is toy2d.repeats independent repeats of the same loop (pure float64
 * JS), so it counts `toy2d.repeat.<kind>`, measured by running a few repeats with the configured settings. The data,
 * indicator and summary stages take milliseconds and count nothing. `toy2d.shapes[frame]` counts
 * `toy2d.shapes.repeat.<frame>`, one repeat of every shape of the family, measured on two repeats.
 * `toy2d.escape[point]` counts `toy2d.escape.run.<point>`, one run to its escape or the horizon, measured per point on
 * `ESCAPE_MEASURE_RUNS` runs (a run's cost is its escape time, which differs by orders of magnitude between points).
 */
import { toy2dData } from '../models/toy2d_f64.ts';
import { Rng } from '../numerics/random.ts';
import { medianMs } from '../numerics/timing.ts';
import { toy2dConfig } from './config.ts';
import { runToy2dDynamics } from './dynamics.ts';
import { escapePoints } from './escape-points.ts';
import { escapeRunOp, runEscapePoint } from './escape-stages.ts';
import { configuredFamily, runShapeFamily, shapeRepeatOp } from './shape-stages.ts';
import type { ShapeFrame } from './shapes.ts';

/** Runs per escape-law point the cost model times. */
export const ESCAPE_MEASURE_RUNS = 4;

/** The operation of one repeat of one kind's dynamics. */
export const toy2dRepeatOp = (kind: string) => `toy2d.repeat.${kind}`;

/** Milliseconds per repeat of each `toy2d.repeat.<kind>` in `needed`, from 3 timed repeats (after one warm-up). */
export function measureToy2dCosts(cfg: <T>(path: string) => T, needed: ReadonlySet<string>, log: (line: string) => void): Record<string, number> {
  const toy2d = toy2dConfig(cfg);
  const out: Record<string, number> = {};
  const samples = toy2d('samples');
  for (const kind of toy2d('kinds')) {
    const op = toy2dRepeatOp(kind);
    if (!needed.has(op)) continue;
    const rng = new Rng(3);
    const repeats = 3;
    const data = new Float64Array(repeats * samples * 2);
    for (let r = 0; r < repeats; r++) data.set(toy2dData(rng, samples), r * samples * 2);
    const run = () =>
      void runToy2dDynamics({
        data,
        repeats,
        samples,
        kind,
        noise: toy2d('noise'),
        lr: toy2d('lr'),
        iterations: toy2d('iterations'),
        variance: toy2d('variance'),
        sgdBatch: toy2d('sgdBatch'),
        start: toy2d('start'),
        rng,
        trajectoryRepeats: Math.min(repeats, toy2d('trajectory.repeats')),
        trajectoryEvery: toy2d('trajectory.every'),
      });
    out[op] = medianMs(run, 3, 1) / repeats;
    log(`${op}: one repeat of ${toy2d('iterations')} iterations on ${samples} points: ${out[op]!.toFixed(1)} ms CPU`);
  }
  for (const frame of ['fixed', 'local'] as ShapeFrame[]) {
    const op = shapeRepeatOp(frame);
    if (!needed.has(op)) continue;
    const rng = new Rng(5);
    const repeats = 2;
    const data = new Float64Array(repeats * samples * 2);
    for (let r = 0; r < repeats; r++) data.set(toy2dData(rng, samples), r * samples * 2);
    const settings = { noise: toy2d('noise'), lr: toy2d('lr'), iterations: toy2d('iterations'), variance: toy2d('variance'), start: toy2d('start'), seed: 5 };
    out[op] = medianMs(() => void runShapeFamily(configuredFamily(cfg), frame, data, repeats, samples, settings), 3, 1) / repeats;
    log(`${op}: one repeat of every shape (${configuredFamily(cfg).length}), ${frame} Σ: ${out[op]!.toFixed(1)} ms CPU`);
  }
  for (const p of escapePoints(cfg)) {
    const op = escapeRunOp(p);
    if (!needed.has(op)) continue;
    const o = { repeats: ESCAPE_MEASURE_RUNS, horizon: toy2d('escapeLaws.horizon'), referenceScale: toy2d('escapeLaws.curvature'), seed: 11 };
    out[op] = medianMs(() => void runEscapePoint(p, o), 1, 0) / ESCAPE_MEASURE_RUNS;
    log(`${op}: one run to escape or ${o.horizon} iterations: ${out[op]!.toFixed(2)} ms CPU`);
  }
  return out;
}
