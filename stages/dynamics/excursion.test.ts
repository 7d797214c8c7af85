/** The excursion of a run: its peak loss and lowest random-label fit, whether or not it came back. */
import test from 'ava';
import { runExcursion } from './excursion.ts';

const row = (iteration: number, trainLoss: number, randomAccuracy: number | null) => ({ iteration, trainLoss, randomAccuracy });

test('a run that escapes and returns keeps its excursion though it ends where it started', (t) => {
  const log = [row(0, 0.01, 1), row(100, 0.5, 0.4), row(200, 1.2, 0.1), row(300, 0.2, 0.6), row(400, 0.009, 1)];
  const e = runExcursion(log);
  t.deepEqual(e, { peakTrainLoss: 1.2, peakIteration: 200, lowestRandomFit: 0.1, lowestIteration: 200 });
  t.true(log.at(-1)!.trainLoss < log[0]!.trainLoss, 'the final point alone looks like a stay');
});

test('a run that never leaves has its start as its extremes', (t) => {
  const e = runExcursion([row(0, 0.01, 1), row(100, 0.009, 1), row(200, 0.008, 1)]);
  t.is(e.peakTrainLoss, 0.01);
  t.is(e.peakIteration, 0);
  t.is(e.lowestRandomFit, 1);
  t.is(e.lowestIteration, 0);
});

test('peak and lowest may fall at different iterations; no random labels gives null', (t) => {
  const e = runExcursion([row(0, 0.01, 0.9), row(10, 0.3, 0.8), row(20, 0.1, 0.5)]);
  t.is(e.peakIteration, 10);
  t.is(e.lowestIteration, 20);
  const none = runExcursion([row(0, 1, null), row(5, 2, null)]);
  t.is(none.lowestRandomFit, null);
  t.is(none.lowestIteration, null);
});

test('an empty log or a non-finite loss is an error naming the iteration', (t) => {
  t.throws(() => runExcursion([]), { message: /empty log/ });
  t.throws(() => runExcursion([row(0, 1, 1), row(7, Number.NaN, 1)]), { message: /iteration 7/ });
});
