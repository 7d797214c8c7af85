import test from 'ava';
import { formatJobLine, JOB_LINE_PREFIX, parseJobLine } from './job-protocol.ts';

test('a progress line carries its metrics from the job to the coordinator', (t) => {
  const metrics = [
    { name: 'trainLoss', label: 'loss', value: 0.0123 },
    { name: 'testAccuracy', label: 'test acc', value: 0.662, format: 'percent' as const },
  ];
  const line = formatJobLine({ type: 'progress', done: 3, total: 10, note: 'iterations', elapsedMs: 812, metrics });
  t.deepEqual(parseJobLine(line.trimEnd()), { type: 'progress', done: 3, total: 10, note: 'iterations', elapsedMs: 812, metrics });
});

test('a NaN metric (JSON null in the log) reads back as NaN; malformed metrics are dropped, the progress kept', (t) => {
  const nan = parseJobLine(formatJobLine({ type: 'progress', done: 1, total: 2, elapsedMs: 5, metrics: [{ name: 'l', label: 'loss', value: Number.NaN }] }));
  t.true(nan?.type === 'progress' && Number.isNaN(nan.metrics?.[0]?.value));
  for (const metrics of [
    [{ name: 'l', value: 1 }],
    [{ name: 'l', label: 'loss', value: '1' }],
    'loss 1',
    [{ name: 'l', label: 'x', value: 1, format: 'bold' }],
    [],
  ]) {
    const parsed = parseJobLine(`${JOB_LINE_PREFIX}${JSON.stringify({ type: 'progress', done: 1, total: 2, elapsedMs: 5, metrics })}`);
    t.deepEqual(parsed, { type: 'progress', done: 1, total: 2, elapsedMs: 5 }, JSON.stringify(metrics));
  }
});

test('lines without the prefix or with damaged JSON are not protocol lines', (t) => {
  t.is(parseJobLine('{"type":"done"}'), undefined);
  t.is(parseJobLine(`${JOB_LINE_PREFIX}{"type":`), undefined);
  t.is(parseJobLine(`${JOB_LINE_PREFIX}42`), undefined);
});
