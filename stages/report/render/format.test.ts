import test from 'ava';
import { formatCell, formatSig, isNumericColumn, type CellFormat } from './format.ts';

const cases: [unknown, CellFormat | undefined, string][] = [
  [1.836361, undefined, '1.836'],
  [1.836361, 'sig', '1.836'],
  [0.000012346, 'sig', '1.235e-5'],
  [12345.6, 'sig', '12350'],
  [123456789.5, 'sig', '1.235e8'],
  [60000, 'sig', '60000'],
  [-0.5, 'sig', '-0.5000'],
  [0, 'sig', '0'],
  [NaN, 'sig', 'NaN'],
  [Infinity, 'sig', '∞'],
  [0.8125, 'percent', '81.3%'],
  [1, 'percent', '100.0%'],
  [0, 'percent', '0.0%'],
  [15.6, 'integer', '16'],
  [0.1234567, 'text', '0.1234567'],
  ['sgd', 'sig', 'sgd'],
  [null, 'sig', '–'],
  [undefined, 'text', '–'],
  [[1, 2.5, null], undefined, '1, 2.500, –'],
  [[0.5, 0.25], 'percent', '50.0%, 25.0%'],
  [[], undefined, '–'],
  [true, undefined, 'true'],
  [{ a: 1 }, 'text', '{"a":1}'],
];

for (const [value, format, text] of cases) {
  test(`formatCell(${JSON.stringify(value)}, ${format}) = ${text}`, (t) => {
    t.is(formatCell(value, format), text);
  });
}

test('formatSig honours the digit count', (t) => {
  t.is(formatSig(Math.PI, 2), '3.1');
  t.is(formatSig(-Infinity), '-∞');
});

test('numeric columns: numeric formats, or numbers only', (t) => {
  const rows = [
    { a: 1, b: 'x', c: null, d: [1, 2] },
    { a: 2.5, b: 3, c: null, d: [3] },
  ];
  t.true(isNumericColumn({ key: 'a', label: 'A' }, rows));
  t.false(isNumericColumn({ key: 'b', label: 'B' }, rows));
  t.false(isNumericColumn({ key: 'c', label: 'C' }, rows), 'an all-empty column is not numeric');
  t.true(isNumericColumn({ key: 'd', label: 'D' }, rows));
  t.true(isNumericColumn({ key: 'b', label: 'B', format: 'percent' }, rows));
  t.false(isNumericColumn({ key: 'a', label: 'A', format: 'text' }, rows));
});
