import test from 'ava';
import { denseOperator } from '../numerics/operator.ts';
import { Rng } from '../numerics/random.ts';
import { slq } from '../numerics/slq.ts';
import { densityRows } from './spectrum.ts';

test('densityRows: one grid for every point, each density integrating to 1, peaked at the eigenvalues of a diagonal matrix', async (t) => {
  const diag = (values: number[]) => {
    const n = values.length;
    const a = new Float64Array(n * n);
    values.forEach((v, i) => (a[i * n + i] = v));
    return denseOperator(a, n);
  };
  const a = await slq(diag([0, 0, 0, 0, 0, 0, 0, 10]), { probes: 4, steps: 8, rng: new Rng(1) });
  const b = await slq(diag([1, 2, 3, 4, 5, 6, 7, 8]), { probes: 4, steps: 8, rng: new Rng(2) });
  const rows = densityRows(
    [
      { point: 'a', slq: a },
      { point: 'b', slq: b },
    ],
    2001,
  );
  for (const point of ['a', 'b']) {
    const r = rows.filter((x) => x.point === point);
    t.is(r.length, 2001);
    let integral = 0;
    for (let i = 1; i < r.length; i++) integral += ((r[i]!.density + r[i - 1]!.density) / 2) * (r[i]!.lambda - r[i - 1]!.lambda);
    // the grid ends 3σ beyond the extreme nodes, which cuts at most 0.135% of their mass
    t.true(integral > 1 - 0.00135 - 1e-4 && integral < 1 + 1e-4, `${point}: ∫ = ${integral}`);
  }
  t.deepEqual(
    rows.filter((x) => x.point === 'a').map((x) => x.lambda),
    rows.filter((x) => x.point === 'b').map((x) => x.lambda),
    'common grid',
  );
  const ra = rows.filter((x) => x.point === 'a');
  const at = (lambda: number) => ra.reduce((p, q) => (Math.abs(q.lambda - lambda) < Math.abs(p.lambda - lambda) ? q : p)).density;
  t.true(at(0) > 5 * at(5) && at(10) > 5 * at(5), 'mass at 0 (7/8) and 10 (1/8), none between');
  t.true(at(0) > at(10), 'more mass at 0');
});
