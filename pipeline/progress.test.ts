import test from 'ava';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgressMetric, RunEvent } from './events.ts';
import { createProgressDisplay, formatMetrics, formatMetricValue, parseProgressMode } from './progress.ts';

const METRICS: ProgressMetric[] = [
  { name: 'trainLoss', label: 'loss', value: 0.0123 },
  { name: 'testAccuracy', label: 'test acc', value: 0.662, format: 'percent' },
];

/** A stream that keeps what is written; `tty` makes it look like a terminal (80 columns) to cli-progress. */
function sink(tty: boolean): Writable & { text(): string; isTTY?: boolean; columns?: number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { text(): string; isTTY?: boolean; columns?: number };
  stream.text = () => chunks.join('');
  if (tty) {
    stream.isTTY = true;
    stream.columns = 120;
  }
  return stream;
}

const start = (instance: string): RunEvent => ({ type: 'start', instance, key: 'k'.repeat(64), reason: 'missing', where: 'child' });
const progress = (instance: string, done: number, metrics?: ProgressMetric[]): RunEvent => ({
  type: 'progress',
  instance,
  done,
  total: 10,
  note: 'iterations',
  elapsedMs: 1000 * done,
  ...(metrics ? { metrics } : {}),
});

test('metric values: percentages with one decimal, other numbers with 3 significant digits', (t) => {
  t.is(formatMetrics(METRICS), 'loss 0.0123  test acc 66.2%');
  t.is(formatMetricValue({ value: 2.30417 }), '2.3');
  t.is(formatMetricValue({ value: 0 }), '0');
  t.is(formatMetricValue({ value: 0.000123 }), '1.23e-4');
  t.is(formatMetricValue({ value: 123456 }), '1.23e+5');
  t.is(formatMetricValue({ value: 1 / 3, format: 'percent' }), '33.3%');
  t.is(formatMetricValue({ value: Number.NaN }), 'NaN');
  t.is(formatMetricValue({ value: null as unknown as number }), 'null', 'a damaged value is shown, not thrown on');
  t.is(formatMetrics(undefined), '');
  t.is(formatMetrics([]), '');
});

test('plain display: the thinned progress lines end with the metrics', (t) => {
  const out = sink(false);
  const display = createProgressDisplay(out as unknown as NodeJS.WriteStream);
  display.handle(start('dyn[kind=sgd]'));
  display.handle(progress('dyn[kind=sgd]', 1, METRICS));
  display.handle(progress('dyn[kind=sgd]', 2));
  display.stop();
  const lines = out.text().trimEnd().split('\n');
  t.deepEqual(lines, [
    'start    dyn[kind=sgd] (missing, child process)',
    'progress dyn[kind=sgd] 1/10 (10%) 1.0/s ETA 9.0s iterations  loss 0.0123  test acc 66.2%',
    'progress dyn[kind=sgd] 2/10 (20%) 1.0/s ETA 8.0s iterations',
  ]);
});

test('on a TTY each running stage’s bar line shows its latest metrics', async (t) => {
  const out = sink(true);
  const display = createProgressDisplay(out as unknown as NodeJS.WriteStream);
  display.handle(start('dyn[kind=sgd]'));
  display.handle(start('dyn[kind=gd]'));
  display.handle(progress('dyn[kind=sgd]', 4, METRICS));
  display.handle(progress('dyn[kind=gd]', 3, [{ name: 'trainLoss', label: 'loss', value: 0.5 }]));
  // cli-progress redraws on its own timer (10 per second): wait for the first redraw after the updates.
  for (let i = 0; i < 100 && !/loss 0\.5/.test(out.text()); i++) await sleep(20);
  display.stop();
  const drawn = out.text();
  t.regex(drawn, /dyn\[kind=sgd\] 4\/10 1\.0\/s ETA 6\.0s iterations {2}loss 0\.0123 {2}test acc 66\.2%/);
  t.regex(drawn, /dyn\[kind=gd\] 3\/10 1\.0\/s ETA 7\.0s iterations {2}loss 0\.5/);
});

test('--progress json: every event as one line of JSON, metrics included', (t) => {
  const out = sink(true);
  const display = createProgressDisplay(out as unknown as NodeJS.WriteStream, 'json');
  const events = [start('dyn[kind=sgd]'), progress('dyn[kind=sgd]', 1, METRICS), progress('dyn[kind=sgd]', 2, METRICS)];
  for (const e of events) display.handle(e);
  display.stop();
  const lines = out.text().trimEnd().split('\n');
  t.deepEqual(
    lines.map((l) => JSON.parse(l)),
    events,
    'nothing thinned, nothing drawn: one event per line',
  );
});

test('--progress takes auto, plain or json, and names itself otherwise', (t) => {
  t.is(parseProgressMode(undefined), 'auto');
  t.is(parseProgressMode('json'), 'json');
  t.throws(() => parseProgressMode('bars'), { message: "--progress: expected one of auto, plain, json, received 'bars'" });
});
