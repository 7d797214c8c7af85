import test from 'ava';
import { toy2dData } from '../models/toy2d_f64.ts';
import { Rng } from '../numerics/random.ts';
import { runToy2dDynamics, type Toy2dDynamicsOptions } from './dynamics.ts';
import { toy2dClosedForms, toy2dIndicators } from './indicator.ts';
import { toy2dPoint } from './statistics.ts';

function dataSets(repeats: number, samples: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(repeats * samples * 2);
  for (let r = 0; r < repeats; r++) out.set(toy2dData(rng, samples), r * samples * 2);
  return out;
}

const base = (over: Partial<Toy2dDynamicsOptions>): Toy2dDynamicsOptions => ({
  data: dataSets(20, 100, 1),
  repeats: 20,
  samples: 100,
  kind: 'gd',
  noise: { k: 2, sigma: 1e-3 },
  lr: 0.005,
  iterations: 500,
  variance: 0.01,
  sgdBatch: 1,
  start: [1, 1],
  rng: new Rng(2),
  trajectoryRepeats: 2,
  trajectoryEvery: 10,
  ...over,
});

test('at (1,1) the Hessian is the sharp basin closed form and Σ is small', (t) => {
  const p = toy2dPoint([1, 1], dataSets(1, 100, 3));
  t.deepEqual(Array.from(p.hessian), [110, 90, 90, 110]);
  t.true(p.sigma[0]! > 0 && p.sigma[0]! < 100);
});

test('gd never leaves the sharp minimum; its trajectory starts at (1,1)', (t) => {
  const r = runToy2dDynamics(base({ kind: 'gd' }));
  t.is(
    r.escaped.reduce((a, b) => a + b, 0),
    0,
  );
  t.deepEqual(Array.from(r.trajectories.subarray(0, 2)), [1, 1]);
  t.is(r.points, 51);
  for (let i = 0; i < 20; i++) t.true(Math.abs(r.final[2 * i]! - 1) < 0.05);
});

test('same seed, same result; the Hessian-top-1 noise escapes more often than isotropic noise', (t) => {
  const reported: number[] = [];
  const a = runToy2dDynamics(base({ kind: 'gld_hessian_top1', rng: new Rng(5), onRepeat: (_done, _total, escapes) => reported.push(escapes) }));
  const b = runToy2dDynamics(base({ kind: 'gld_hessian_top1', rng: new Rng(5) }));
  // after each repeat, the escapes among the repeats so far (what the stage shows beside its progress)
  t.deepEqual(
    reported,
    Array.from(a.escaped, (_, r) => a.escaped.subarray(0, r + 1).reduce((x, y) => x + y, 0)),
  );
  t.deepEqual(Array.from(a.final), Array.from(b.final));
  const iso = runToy2dDynamics(base({ kind: 'gld_const', rng: new Rng(5) }));
  const count = (e: Uint8Array) => e.reduce((x, y) => x + y, 0);
  t.log(`escapes of 20: hessian_top1 ${count(a.escaped)}, const ${count(iso.escaped)}`);
  t.true(count(a.escaped) > count(iso.escaped));
});

test('Tr(HΣ) per kind at (1,1) matches the closed forms (1.1, 1.1, 202/110, 202/110, 2.0) within sampling error', (t) => {
  const closed = toy2dClosedForms(0.01);
  t.is(closed.gld_const, 1.1);
  t.true(Math.abs(closed.gld_hessian! - 202 / 110) < 1e-12);
  t.true(Math.abs(closed.gld_leading! - 202 / 110) < 1e-12);
  t.is(closed.gld_hessian_top1, 2);
  const ind = toy2dIndicators(
    dataSets(100, 100, 9),
    100,
    100,
    ['gd', 'sgd', 'gld_const', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_hessian_top1', 'gld_full'],
    { k: 2, sigma: 1e-3 },
    0.01,
  );
  t.deepEqual(
    ind.map((i) => i.kind),
    ['gld_const', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_hessian_top1', 'gld_full'],
  );
  // With k = 2 = D, gld_leading keeps all of Σ: it and gld_full agree on every repeat.
  const byKind = Object.fromEntries(ind.map((i) => [i.kind, i]));
  t.true(Math.abs(byKind.gld_full!.mean - byKind.gld_leading!.mean) < 1e-12 && Math.abs(byKind.gld_full!.sd - byKind.gld_leading!.sd) < 1e-12);
  for (const i of ind) {
    t.log(`${i.kind}: ${i.mean.toFixed(4)} ± ${i.sd.toFixed(4)} (closed form ${i.closedForm?.toFixed(4)})`);
    // Isotropic, diagonal (H has equal diagonal entries), Hessian-shaped and top-1 kinds do not depend on the sample;
    // the Σ-shaped kind scatters around the population value: allow 4 standard errors of the mean over 100 repeats.
    const tol = i.kind === 'gld_leading' || i.kind === 'gld_full' ? (4 * i.sd) / Math.sqrt(100) : 1e-9;
    t.true(Math.abs(i.mean - i.closedForm!) <= tol, `${i.kind} ${i.mean} vs ${i.closedForm}`);
  }
});
