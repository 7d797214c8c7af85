/** The edge-of-stability criteria on hand-made tracks: where each holds and where it fails. */
import test from 'ava';
import { atEdge, edgeFindings, edgeReach, EOS_BAND, EOS_REACH } from './edge-of-stability.ts';

const track = (edges: number[], every = 100) => edges.map((edge, i) => ({ iteration: i * every, edge }));
const rows = (run: string, seed: number, lr: number, edges: number[]) =>
  track(edges).map((p) => ({
    run,
    seed,
    lr,
    iteration: p.iteration,
    lambdaMax: (2 * p.edge) / lr,
    relativeResidual: 1e-4,
    hvps: 5,
    converged: true,
    edge: p.edge,
  }));

test('the constants are the stated ones', (t) => {
  t.is(EOS_REACH, 0.9);
  t.deepEqual(EOS_BAND, { low: 0.8, high: 1.2 });
});

test('reach and hover: holds when λ_max·η/2 rises past 0.9 and stays in [0.8, 1.2]', (t) => {
  const r = edgeReach(track([0.1, 0.5, 0.85, 0.95, 1.15, 0.82, 1.0]));
  t.is(r.reachedAt, 300);
  t.is(r.min, 0.82);
  t.is(r.max, 1.15);
  t.is(r.after, 4);
  t.true(r.holds);
  // the points' order does not matter
  t.deepEqual(edgeReach(track([0.1, 0.5, 0.85, 0.95, 1.15, 0.82, 1.0]).reverse()), r);
});

test('reach and hover fails: never reaching, overshooting the band, or falling below it afterwards', (t) => {
  const never = edgeReach(track([0.1, 0.5, 0.89, 0.7]));
  t.is(never.reachedAt, null);
  t.false(never.holds);
  t.false(edgeReach(track([0.5, 0.95, 1.3, 1.0])).holds, 'overshoot above 1.2');
  const falls = edgeReach(track([0.5, 0.95, 1.0, 0.6, 0.12]));
  t.is(falls.reachedAt, 100);
  t.is(falls.min, 0.12);
  t.false(falls.holds, 'falls below 0.8 after reaching');
  t.false(edgeReach([]).holds);
});

test('at the edge: the band’s ends included, outside excluded', (t) => {
  t.true(atEdge(0.8));
  t.true(atEdge(1.2));
  t.true(atEdge(1.11));
  t.false(atEdge(0.79));
  t.false(atEdge(1.21));
  t.false(atEdge(0.12));
});

test('findings: both hold on every seed, or do not hold when one seed fails', (t) => {
  const good = [
    ...rows('pretrain', 0, 0.1, [0.2, 0.7, 0.92, 1.05, 1.11]),
    ...rows('pretrain', 1, 0.1, [0.3, 0.95, 1.1, 0.9]),
    ...rows('sgd', 0, 0.07, [0.8, 0.1]),
  ];
  const f = edgeFindings(good);
  t.deepEqual(
    f.map((x) => [x.id, x.verdict]),
    [
      ['eos-pretrain', 'holds'],
      ['eos-sharp-minimum', 'holds'],
    ],
  );
  t.regex(f[1]!.thisRun, /seed 0: λ_max 22\.2 at iteration 400, 1\.110·2\/η/);
  // seed 1 ends far below the edge (a long pre-training past the fit): both fail
  const bad = [...rows('pretrain', 0, 0.1, [0.2, 0.7, 0.92, 1.05, 1.11]), ...rows('pretrain', 1, 0.1, [0.3, 0.95, 1.1, 0.4, 0.12])];
  t.deepEqual(
    edgeFindings(bad).map((x) => x.verdict),
    ['does not hold', 'does not hold'],
  );
  // reaching the edge but ending inside the band after a dip: the first fails, the second holds
  const dip = rows('pretrain', 0, 0.1, [0.5, 0.95, 0.6, 1.0]);
  t.deepEqual(
    edgeFindings(dip).map((x) => x.verdict),
    ['does not hold', 'holds'],
  );
  t.deepEqual(edgeFindings(rows('sgd', 0, 0.07, [1, 1])), [], 'no pre-training track, no findings');
});
