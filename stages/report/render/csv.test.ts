import test from 'ava';
import { csvColumns, csvField, toCsv } from './csv.ts';

test('fields with commas, quotes or line breaks are quoted, quotes doubled', (t) => {
  t.is(csvField('plain'), 'plain');
  t.is(csvField('a,b'), '"a,b"');
  t.is(csvField('say "hi"'), '"say ""hi"""');
  t.is(csvField('two\nlines'), '"two\nlines"');
  t.is(csvField('cr\rhere'), '"cr\rhere"');
  t.is(csvField(null), '');
  t.is(csvField(undefined), '');
  t.is(csvField(1.5e-7), '1.5e-7');
  t.is(csvField(false), 'false');
  t.is(csvField([1, 2]), '"[1,2]"');
  t.is(csvField({ a: 'x' }), '"{""a"":""x""}"');
  t.is(csvField(new Float64Array([0.5])), '[0.5]');
});

test('columns are the union of keys in first-seen order', (t) => {
  t.deepEqual(csvColumns([{ b: 1, a: 2 }, { c: 3, a: 4 }, { d: 5 }]), ['b', 'a', 'c', 'd']);
});

test('toCsv writes a header and one line per record, missing keys empty', (t) => {
  t.is(
    toCsv([
      { kind: 'sgd', loss: 0.5 },
      { kind: 'gld, const', note: 'x "y"' },
    ]),
    'kind,loss,note\nsgd,0.5,\n"gld, const",,"x ""y"""\n',
  );
  t.is(toCsv([{ a: null }, { a: 1 }]), 'a\n""\n1\n', 'an empty single field stays a row');
  t.is(toCsv([]), '\n');
});
