import test from 'ava';
import { toy2dPaper } from './config.ts';
import { sweepPoints } from './escape-points.ts';
import { dropForBarrier } from './barrier.ts';
import { populationBarrier } from './population.ts';
import { matchPopulationBarrier, populationDeltaL, sgdCurvatureBarrier } from './population-match.ts';

/** ΔL̄ of a point through population.ts directly, from its data-free barrier as the escape stage sets the drop. */
const independent = (scale: number, dataFree: number) => populationBarrier({ scale, drop: dropForBarrier(scale, dataFree) }).deltaL;

test('SGD’s curvature points hold the base point’s population barrier ΔL̄(s₀, ΔL₀) within 1e−6 (paper grid)', (t) => {
  const c = toy2dPaper.escapeLaws;
  const target = independent(c.curvature, c.barrier);
  t.true(target > 0.005 && target < 0.007, `ΔL̄₀ = ${target}`);
  const pts = sweepPoints(c, 'sgd-curvature');
  t.deepEqual(
    pts.map((p) => p.scale),
    c.curvatures,
  );
  for (const p of pts) {
    t.is(p.dynamics, 'sgd');
    t.true(
      Math.abs(independent(p.scale, p.barrier) - target) < 1e-6,
      `s = ${p.scale}: ΔL₀ ${p.barrier}, ΔL̄ ${independent(p.scale, p.barrier)} against ${target}`,
    );
  }
  // the base point is shared with the other sweeps bit for bit; the data-free barrier the others need rises with s
  t.is(pts.find((p) => p.scale === c.curvature)!.barrier, c.barrier);
  const bs = pts.map((p) => p.barrier);
  for (let i = 1; i < bs.length; i++) t.true(bs[i]! > bs[i - 1]!, `ΔL₀ ${bs.join(', ')}`);
  // GLD const's curvature sweep keeps its data-free barrier
  t.deepEqual(
    sweepPoints(c, 'gld-curvature').map((p) => p.barrier),
    c.curvatures.map(() => c.gldBarrier),
  );
});

test('ΔL̄ rises strictly with the data-free barrier (falls with the drop) over every bracket the root find used', (t) => {
  const c = toy2dPaper.escapeLaws;
  const target = populationDeltaL(c.curvature, c.barrier);
  for (const s of [0.6, 0.8, 0.9, 1.1, 1.2, 1.5]) {
    const m = matchPopulationBarrier(s, target, c.barrier, `s = ${s}`);
    const [lo, hi] = m.bracket;
    t.true(lo < m.dataFree && m.dataFree < hi, `s = ${s}: ${m.dataFree} in [${lo}, ${hi}]`);
    let prevDrop = Number.POSITIVE_INFINITY;
    let prev = Number.NEGATIVE_INFINITY;
    for (let i = 0; i <= 20; i++) {
      const x = lo + ((hi - lo) * i) / 20;
      const drop = dropForBarrier(s, x);
      const v = populationBarrier({ scale: s, drop }).deltaL;
      t.true(drop < prevDrop && v > prev, `s = ${s}, ΔL₀ = ${x}: ΔL̄ ${v} after ${prev}`);
      prevDrop = drop;
      prev = v;
    }
  }
});

test('a population barrier no data-free barrier reaches is an error naming the point; so is a config whose base point has none', (t) => {
  // above the undropped loss's ΔL̄ (6.50 at s = 1)
  t.throws(() => matchPopulationBarrier(1, 7, 0.05, 'toy2d.escapeLaws.curvatures.3 (test)'), {
    message: /toy2d\.escapeLaws\.curvatures\.3 \(test\): no data-free barrier at scale 1 gives the population barrier ΔL̄ = 7/,
  });
  // ΔL₀ = 0.006 at s₀ = 1 leaves L̄ no sharp basin (ΔL̄ = 0): nothing to hold
  t.throws(() => sgdCurvatureBarrier({ curvature: 1, barrier: 0.006 }, 1.2, 4), {
    message: /toy2d\.escapeLaws\.curvatures\.4 \(SGD at s = 1\.2.*must be positive, got 0/,
  });
});
