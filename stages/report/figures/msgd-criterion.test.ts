import test from 'ava';
import { LIKE_SGD_FACTOR, perSeedEscape } from './beyond.ts';
import {
  FIT_TOLERANCE,
  LIKE_SGD_CRITERION,
  LOSS_RISE_FACTOR,
  likeSgd,
  msgdFinding,
  SPREAD_WIDEN,
  TEST_TOLERANCE,
  type EscapeNumbers,
} from './msgd-criterion.ts';

const run = (lossRise: number, randomFit: number | null, testAccuracy: number | null): EscapeNumbers => ({ lossRise, randomFit, testAccuracy });

test('the constants are the stated ones, and the criterion text quotes them', (t) => {
  t.is(LOSS_RISE_FACTOR, LIKE_SGD_FACTOR, 'the same factor as the GLD-full finding');
  t.deepEqual([SPREAD_WIDEN, FIT_TOLERANCE, TEST_TOLERANCE], [0.5, 0.1, 0.03]);
  for (const s of ['0.5× its range', `[1/${LIKE_SGD_FACTOR}, ${LIKE_SGD_FACTOR}]`, 'within 10 ', 'within 3 percentage points', 'GLD full (refresh 1)']) {
    t.true(LIKE_SGD_CRITERION.includes(s), s);
  }
});

test('one seed: fixed tolerances, just inside and just past each edge', (t) => {
  const sgd = [run(4, 0.5, 0.6)];
  t.deepEqual(likeSgd(sgd, [run(7.99, 0.599, 0.6299)]), { rule: 'tolerance', lossRise: true, randomFit: true, testAccuracy: true, all: true });
  t.true(likeSgd(sgd, [run(2.01, 0.401, 0.5701)]).all, 'the other edges');
  const past = likeSgd(sgd, [run(8.1, 0.61, 0.64)]);
  t.deepEqual([past.lossRise, past.randomFit, past.testAccuracy, past.all], [false, false, false, false]);
  t.false(likeSgd(sgd, [run(1.9, 0.5, 0.6)]).lossRise);
  t.false(likeSgd(sgd, [run(4, null, 0.6)]).randomFit, 'a missing number does not match');
});

test('several seeds: inside SGD’s min–max widened by half its range; the loss rise on a log scale', (t) => {
  const sgd = [run(2, 0.4, 0.6), run(8, 0.6, 0.64)];
  // spread: log rise [log 2, log 8] widened by ½·log 4 = log 2 each side → [1, 16]; fit [0.3, 0.7]; test [0.58, 0.66]
  t.deepEqual(likeSgd(sgd, [run(15.9, 0.699, 0.6599), run(1.01, 0.301, 0.5801)]), {
    rule: 'spread',
    lossRise: true,
    randomFit: true,
    testAccuracy: true,
    all: true,
  });
  t.true(likeSgd(sgd, [run(15.9, 0.69, 0.659)]).all);
  const out = likeSgd(sgd, [run(16.5, 0.71, 0.665)]);
  t.deepEqual([out.lossRise, out.randomFit, out.testAccuracy], [false, false, false]);
  t.false(likeSgd(sgd, [run(0.9, 0.5, 0.6)]).lossRise);
  // seeds that agree exactly leave no room at all
  t.false(likeSgd([run(3, 0.5, 0.6), run(3, 0.5, 0.6)], [run(3, 0.5, 0.601)]).testAccuracy);
  t.throws(() => likeSgd([], [run(1, 0, 0)]), { message: /needs runs of both/ });
});

test('the finding holds when both M-SGD kinds match SGD and GLD full does not, and fails otherwise', (t) => {
  const kinds = ['msgd_gaussian', 'msgd_bernoulli'];
  const sgd = [run(10, 0.3, 0.62)];
  const like = [run(12, 0.35, 0.61)];
  const unlike = [run(0.8, 1, 0.66)];
  t.true(msgdFinding({ sgd, gld_full: unlike, msgd_gaussian: like, msgd_bernoulli: like }, kinds).verdict);
  t.false(msgdFinding({ sgd, gld_full: like, msgd_gaussian: like, msgd_bernoulli: like }, kinds).verdict, 'GLD full matches too');
  const one = msgdFinding({ sgd, gld_full: unlike, msgd_gaussian: like, msgd_bernoulli: unlike }, kinds);
  t.false(one.verdict, 'Bernoulli misses');
  t.deepEqual(Object.keys(one.matches), ['msgd_gaussian', 'msgd_bernoulli', 'gld_full']);
  t.true(msgdFinding({ sgd, gld_full: unlike, msgd_bernoulli: like }, kinds).verdict, 'only the kinds present are required');
  t.is(msgdFinding({ sgd, msgd_gaussian: like }, kinds).verdict, null, 'no GLD full: no verdict');
  t.is(msgdFinding({ gld_full: unlike, msgd_gaussian: like }, kinds).verdict, null, 'no SGD: no verdict');
});

test('per seed, the last logged row of each kind over that seed’s start loss (the finding’s inputs)', (t) => {
  const row = (kind: string, seed: number, iteration: number, trainLoss: number, randomAccuracy: number, testAccuracy: number) => ({
    kind,
    seed,
    iteration,
    trainLoss,
    trainAccuracy: 1,
    cleanAccuracy: 1,
    randomAccuracy,
    testLoss: 1,
    testAccuracy,
    noiseTrace: 0,
  });
  const start = (seed: number, trainLoss: number) =>
    ({ seed, iterations: 1, reached: true, trainLoss, trainAccuracy: 1, cleanAccuracy: 1, randomAccuracy: 1, testLoss: 1, testAccuracy: 0.6 }) as const;
  const out = perSeedEscape({
    series: [
      row('sgd', 1, 10, 0.9, 0.2, 0.61),
      row('sgd', 0, 0, 0.1, 1, 0.6),
      row('sgd', 0, 10, 0.5, 0.3, 0.62),
      row('sgd', 1, 0, 0.3, 1, 0.6),
      row('sgd', 0, 20, 0.05, 0.95, 0.63),
    ],
    start: [start(0, 0.1), start(1, 0.3)],
  });
  t.deepEqual(out, {
    sgd: [
      { lossRise: 0.9 / 0.3, randomFit: 0.2, testAccuracy: 0.61 },
      // Seed 0 left (loss ×5, fit 30%) and came back (loss below its start, fit 95%): judged by the excursion, final test accuracy.
      { lossRise: 0.5 / 0.1, randomFit: 0.3, testAccuracy: 0.63 },
    ],
  });
});
