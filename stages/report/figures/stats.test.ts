import test from 'ava';
import { ranks, spearman, spread, spreadBy } from './stats.ts';

test('spread: mean, range, sample sd; nulls and NaN ignored', (t) => {
  t.deepEqual(spread([1, 2, 3, null, Number.NaN]), { mean: 2, min: 1, max: 3, sd: 1, n: 3 });
  t.is(spread([null]), null);
  t.is(spread([5])!.sd, 0);
});

test('spreadBy groups in first-seen order', (t) => {
  const rows = [
    { kind: 'b', it: 0, v: 1 },
    { kind: 'a', it: 0, v: 4 },
    { kind: 'b', it: 0, v: 3 },
  ];
  const out = spreadBy(rows, ['kind', 'it'], 'v');
  t.deepEqual(
    out.map((r) => [r.kind, r.mean, r.n]),
    [
      ['b', 2, 2],
      ['a', 4, 1],
    ],
  );
});

test('ranks share ties; spearman is 1 for monotone pairs, -1 for reversed, matches a hand value', (t) => {
  t.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  t.is(spearman([1, 2, 3, 4], [10, 100, 1000, 1e4]), 1);
  t.is(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // d = rank differences (0, 1, -1, 0, 0): 1 - 6·2/(5·24) = 0.9 without ties.
  t.true(Math.abs(spearman([1, 2, 3, 4, 5], [1, 3, 2, 4, 5])! - 0.9) < 1e-12);
  t.is(spearman([1, 1, 1], [1, 2, 3]), null);
});
