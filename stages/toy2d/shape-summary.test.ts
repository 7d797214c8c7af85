import test from 'ava';
import { wilsonInterval } from '../numerics/intervals.ts';
import { Rng } from '../numerics/random.ts';
import type { ShapeRow } from './shape-stages.ts';
import { summarizeShapes } from './shape-summary.ts';

const row = (index: number, label: string, trHSigma: number, escapes: number, repeats = 200): ShapeRow => ({
  index,
  family: 'rank1',
  parameter: null,
  label,
  escapes,
  repeats,
  trHSigma,
});

test('rates ordered like Tr(HΣ): ρ = 1, every finding holds, Wilson intervals on every row', (t) => {
  const rows = [row(0, 'a', 0.2, 1), row(1, 'b', 0.5, 10), row(2, 'c', 1.0, 40), row(3, 'd', 1.5, 80), row(4, 'e', 2.0, 140)];
  const s = summarizeShapes([{ frame: 'fixed', rows }], new Rng(1));
  t.is(s.correlation[0]!.rho, 1);
  t.is(s.correlation[0]!.lower, 1, 'every resample of a monotone relation is monotone');
  t.deepEqual(
    s.findings.map((f) => f.verdict),
    ['holds', 'holds', 'holds'],
  );
  const w = wilsonInterval(40, 200);
  t.deepEqual([s.table[2]!.rate, s.table[2]!.lower, s.table[2]!.upper], [w.estimate, w.lower, w.upper]);
});

test('equal Tr(HΣ) with disjoint intervals, and a larger Tr(HΣ) escaping less, are found and measured', (t) => {
  const rows = [
    row(0, 'iso', 1.1, 4), // Tr equal to 'diag45' within 2%, far fewer escapes
    row(1, 'diag45', 1.1, 60),
    row(2, 'sharp', 2.0, 10), // the largest Tr, fewer escapes than 'mid'
    row(3, 'mid', 1.5, 70),
    row(4, 'flat', 0.2, 0),
  ];
  const s = summarizeShapes([{ frame: 'local', rows }], new Rng(2));
  t.deepEqual(
    s.equalTraceDisjoint.map((p) => [p.a, p.b].sort()),
    [['diag45', 'iso']],
  );
  const gap = wilsonInterval(60, 200).lower - wilsonInterval(4, 200).upper;
  t.true(Math.abs(s.equalTraceDisjoint[0]!.gap - gap) < 1e-15);
  // misordered: the smaller Tr escapes significantly more: (diag45, sharp), (mid, sharp)
  t.deepEqual(s.misordered.map((p) => `${p.a}<${p.b}`).sort(), ['diag45<sharp', 'mid<sharp']);
  const verdicts = Object.fromEntries(s.findings.map((f) => [f.id, f.verdict]));
  t.is(verdicts['shapes-equal-trace-local'], 'does not hold');
  t.is(verdicts['shapes-monotone-local'], 'does not hold');
  t.regex(s.findings.find((f) => f.id === 'shapes-equal-trace-local')!.thisRun, /^pairs with disjoint intervals: 1 \(largest: /);
});

test('no escapes at all: ρ is undefined and the ordering finding does not hold', (t) => {
  const rows = [row(0, 'a', 0.2, 0), row(1, 'b', 1, 0), row(2, 'c', 2, 0)];
  const s = summarizeShapes([{ frame: 'fixed', rows }], new Rng(3));
  t.is(s.correlation.length, 0);
  t.is(s.findings[0]!.verdict, 'does not hold');
  t.regex(s.findings[0]!.thisRun, /undefined/);
});
