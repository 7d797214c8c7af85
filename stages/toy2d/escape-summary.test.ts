import test from 'ava';
import type { EscapeLawsConfig } from './escape-config.ts';
import { ESCAPE_SWEEPS, sweepPoints, type EscapePoint } from './escape-points.ts';
import { escapeRow, RATIO_R2_MIN, summarizeEscapeLaws, type MeasuredPoint } from './escape-summary.ts';
import { dropForBarrier, toy2dBarrier } from './barrier.ts';
import { populationBarrier } from './population.ts';

const c: EscapeLawsConfig = {
  enabled: true,
  repeats: 400,
  horizon: 1e9,
  lr: 0.005,
  batch: 1,
  curvature: 1,
  barrier: 0.07,
  gldBarrier: 0.07,
  ratios: [
    { batch: 1, lr: 0.005 },
    { batch: 1, lr: 0.004 },
    { batch: 2, lr: 0.005 },
    { batch: 3, lr: 0.005 },
  ],
  curvatures: [0.6, 0.8, 1, 1.2, 1.4],
  barriers: [0.04, 0.06, 0.08, 0.1, 0.12],
  gldBarriers: [0.04, 0.06, 0.08, 0.1, 0.12],
};

/** n runs that all escape at exactly τ: τ̂ = τ, var(log τ̂) = 1/n. */
const exact = (point: EscapePoint, tau: number, n = 400): MeasuredPoint => ({
  point,
  times: new Float64Array(n).fill(tau),
  escaped: new Uint8Array(n).fill(1),
});
const lam = (p: EscapePoint) => 200 * p.scale;
const shapeOf = (p: EscapePoint) => ({ scale: p.scale, drop: dropForBarrier(p.scale, p.barrier) });
/** Δlog of the loss each dynamics descends: SGD the population loss L̄, GLD const the data-free one. */
const dLog = (p: EscapePoint) => (p.dynamics === 'sgd' ? populationBarrier(shapeOf(p)).deltaLogL : toy2dBarrier(shapeOf(p)).deltaLogL);
/** ΔL of the loss each dynamics descends. */
const dL = (p: EscapePoint) => (p.dynamics === 'sgd' ? populationBarrier(shapeOf(p)).deltaL : p.barrier);

/** Measurements of every point from a law log τ(point, sweep). */
function measure(law: (p: EscapePoint, sweep: (typeof ESCAPE_SWEEPS)[number]) => number): MeasuredPoint[] {
  const out: MeasuredPoint[] = [];
  for (const sweep of ESCAPE_SWEEPS) for (const p of sweepPoints(c, sweep)) out.push(exact(p, Math.exp(law(p, sweep))));
  return out;
}

const verdicts = (m: MeasuredPoint[]) => Object.fromEntries(summarizeEscapeLaws(c, m).findings.map((f) => [f.id, f.verdict]));

test('laws as Xie et al. and Mori et al. state them: every finding holds', (t) => {
  const m = measure((p, sweep) => {
    if (sweep === 'sgd-ratio') return 1 + 0.01 * (p.batch / p.lr);
    if (sweep === 'sgd-curvature') return 20 - 3 * Math.log(lam(p));
    if (sweep === 'gld-curvature') return 8 - 0.3 * Math.log(lam(p));
    return 1 + 2 * dLog(p); // both barrier sweeps: linear in Δlog L (SGD's of L̄)
  });
  t.deepEqual(verdicts(m), {
    'escape-ratio-linear': 'holds',
    'escape-curvature-sgd': 'holds',
    'escape-curvature-gld': 'holds',
    'escape-barrier-log': 'holds',
  });
  const s = summarizeEscapeLaws(c, m);
  const ratio = s.fits.find((f) => f.sweep === 'sgd-ratio')!;
  t.true(Math.abs(ratio.slope - 0.01) < 1e-12 && Math.abs(ratio.r2! - 1) < 1e-12);
  t.is(s.table.length, 4 + 5 + 5 + 5 + 5, 'a point shared by sweeps appears in each');
});

test('laws that break each criterion: every finding does not hold', (t) => {
  const m = measure((p, sweep) => {
    if (sweep === 'sgd-ratio') return [3, 6, 2, 5][c.ratios.findIndex((r) => r.batch === p.batch && r.lr === p.lr)]!; // not a line
    if (sweep.endsWith('curvature')) return 1 + 0.5 * Math.log(lam(p)); // rising, SGD and GLD alike
    return 1 + 60 * dL(p); // linear in ΔL (SGD's ΔL̄), so ΔL̄ predicts better
  });
  t.deepEqual(verdicts(m), {
    'escape-ratio-linear': 'does not hold',
    'escape-curvature-sgd': 'does not hold',
    'escape-curvature-gld': 'does not hold',
    'escape-barrier-log': 'does not hold',
  });
  const ratio = summarizeEscapeLaws(c, m).fits.find((f) => f.sweep === 'sgd-ratio')!;
  t.true(ratio.r2! < RATIO_R2_MIN);
});

test('a slope whose interval straddles 0 (few escapes, little change) does not hold', (t) => {
  const m = measure((p, sweep) => (sweep === 'sgd-curvature' ? 5 - 0.001 * Math.log(lam(p)) : 1)).map((x) =>
    x.point.dynamics === 'sgd' ? { ...x, times: Array.from(x.times).slice(0, 3), escaped: Array.from(x.escaped).slice(0, 3) } : x,
  );
  t.is(verdicts(m)['escape-curvature-sgd'], 'does not hold');
});

test('points where no run escaped are censored, kept in the table, and left out of the fits', (t) => {
  const m = measure(() => 2).map((x) =>
    x.point.dynamics === 'sgd' && x.point.lr === 0.005 && x.point.batch >= 2
      ? { ...x, times: new Float64Array(400).fill(c.horizon), escaped: new Uint8Array(400) }
      : x,
  );
  const s = summarizeEscapeLaws(c, m);
  const censored = s.table.filter((r) => r.sweep === 'sgd-ratio' && r.escapes === 0);
  t.is(censored.length, 2);
  t.is(censored[0]!.tau, null);
  t.is(censored[0]!.tauUpper, null);
  t.true(censored[0]!.tauLower > 0);
  t.is(s.findings.find((f) => f.id === 'escape-ratio-linear')!.verdict, 'does not hold');
  t.regex(s.findings.find((f) => f.id === 'escape-ratio-linear')!.thisRun, /fewer than 3 points/);
});

test('a row carries the barrier closed forms and τ̂ from the censored estimator', (t) => {
  const p: EscapePoint = { dynamics: 'sgd', batch: 2, lr: 0.004, scale: 1.2, barrier: 0.08 };
  const r = escapeRow('sgd-ratio', { point: p, times: [10, 50, 30], escaped: [1, 0, 1] }, 50, 1);
  t.is(r.batchOverLr, 500);
  t.is(r.lambdaMax, 240);
  t.true(Math.abs(r.etaLambdaMax - 0.96) < 1e-12);
  t.true(Math.abs(r.relaxation - 1 / (0.004 * 24)) < 1e-9, 'λ_min = 24');
  // the fixed point of Var ← (1 − ηλ)²·Var + η²λ²·Var(x_q)/B along the sharp eigenvector, by iteration; T = λ·Var
  let v = 0;
  for (let i = 0; i < 10_000; i++) v = (1 - 0.96) ** 2 * v + (0.004 * 240) ** 2 * (1e-4 / 2);
  // SGD's barrier is the population loss's (it descends E_x ℓ), the data-free one kept beside it
  const pop = populationBarrier({ scale: 1.2, drop: dropForBarrier(1.2, 0.08) });
  t.is(r.barrierLoss, 'population');
  t.true(pop.deltaL > 0 && pop.deltaL < 0.08);
  t.is(r.deltaL, pop.deltaL);
  t.is(r.deltaLogL, pop.deltaLogL);
  t.true(Math.abs(r.dataFreeDeltaL - 0.08) < 1e-12);
  t.true(Math.abs(r.barrierOverT - pop.deltaL / (240 * v)) < 1e-9 * r.barrierOverT);
  t.is(r.timeAtRisk, 90, 'the censored run counts its horizon');
  t.is(r.tau, 45);
  t.is(r.escapes, 2);
});

test('GLD const’s ΔL/T uses its variance matched at s₀ and the discrete factor 1/(2 − ηλ)', (t) => {
  const p: EscapePoint = { dynamics: 'gld_const', batch: 1, lr: 0.0008, scale: 1.25, barrier: 0.006 };
  const r = escapeRow('gld-curvature', { point: p, times: [10], escaped: [1] }, 50, 1);
  const V = 0.0008 ** 2 * 4.4; // η²·tr Σ(s₀ = 1)/B
  let v = 0; // per coordinate: Var ← (1 − ηλ)²·Var + V/2
  for (let i = 0; i < 10_000; i++) v = (1 - 0.2) ** 2 * v + V / 2;
  t.true(Math.abs(r.barrierOverT - 0.006 / (250 * v)) < 1e-9 * r.barrierOverT);
  // GLD const descends the data-free loss: its barrier is ΔL₀
  t.is(r.barrierLoss, 'data-free');
  t.true(Math.abs(r.deltaL - 0.006) < 1e-12 && r.deltaL === r.dataFreeDeltaL);
});

test('a missing measurement is an error naming the point', (t) => {
  t.throws(() => summarizeEscapeLaws(c, []), { message: /no measurement of/ });
});

test('GLD const’s sweeps run at its own barriers; SGD’s curvature sweep at ΔL̄(s₀, ΔL₀), its barrier sweep at `barriers`', (t) => {
  const d: EscapeLawsConfig = { ...c, gldBarrier: 0.006, gldBarriers: [0.004, 0.008] };
  t.deepEqual(
    sweepPoints(d, 'gld-curvature').map((p) => p.barrier),
    [0.006, 0.006, 0.006, 0.006, 0.006],
  );
  // SGD's curvature sweep holds the population barrier ΔL̄(s₀, ΔL₀): its data-free barrier moves with s, ΔL₀ at s₀
  const sgd = sweepPoints(d, 'sgd-curvature');
  t.is(sgd[2]!.barrier, 0.07);
  const target = populationBarrier(shapeOf(sgd[2]!)).deltaL;
  for (const p of sgd) t.true(Math.abs(populationBarrier(shapeOf(p)).deltaL - target) < 1e-6, `s = ${p.scale}`);
  t.true(sgd[0]!.barrier < 0.07 && sgd[4]!.barrier > 0.07);
  t.deepEqual(
    sweepPoints(d, 'gld-barrier').map((p) => [p.dynamics, p.barrier, p.scale]),
    [
      ['gld_const', 0.004, 1],
      ['gld_const', 0.008, 1],
    ],
  );
  t.deepEqual(
    sweepPoints(d, 'sgd-barrier').map((p) => p.barrier),
    [0.04, 0.06, 0.08, 0.1, 0.12],
  );
});
