/**
 * Several runs' report documents as one: sections and blocks united in order, tables with one value column per run
 * where the runs differ (rows matched by key), texts once or per run; and the whole synthetic report of two runs,
 * every figure of which renders with both runs' marks.
 */
import test from 'ava';
import { buildReport } from './build.ts';
import { compareTable, mergeReports, runColumnKey, unionInOrder } from './compare.ts';
import type { ReportDocument, ReportTable } from './document.ts';
import { documentFigures } from './render/bundle.ts';
import { renderSvg } from './render/vega.ts';
import { SYNTHETIC_KINDS, syntheticFacts, syntheticInputs } from './testing.ts';

const claims = (rows: [string, string, string][]): ReportTable => ({
  id: 'claims',
  title: 'Claims',
  caption: 'Each claim.',
  columns: [
    { key: 'claim', label: 'claim', format: 'text' },
    { key: 'paper', label: 'paper', format: 'text' },
    { key: 'verdict', label: 'verdict', format: 'text' },
  ],
  rows: rows.map(([claim, paper, verdict]) => ({ claim, paper, verdict })),
});

test('lists are united in order: a new item goes before the next item of its own list, after those before it', (t) => {
  t.deepEqual(
    unionInOrder([
      ['a', 'b', 'd'],
      ['a', 'c', 'd', 'e'],
    ]),
    ['a', 'b', 'c', 'd', 'e'],
  );
  t.deepEqual(unionInOrder([['b'], ['a', 'b']]), ['a', 'b']);
  t.deepEqual(
    unionInOrder([
      ['x', 'y'],
      ['y', 'x', 'z'],
    ]),
    ['x', 'y', 'z'],
  );
});

test('a table gains one column per run where the runs differ; rows are matched by key, a missing one shows –', (t) => {
  const merged = compareTable([
    {
      label: 'A',
      table: claims([
        ['x', 'p1', 'holds'],
        ['y', 'p2', 'holds'],
      ]),
    },
    {
      label: 'B',
      table: claims([
        ['y', 'p2', 'does not hold'],
        ['x', 'p1', 'holds'],
        ['z', 'p3', 'holds'],
      ]),
    },
  ]);
  t.deepEqual(
    merged.columns.map((c) => c.label),
    ['claim', 'paper', 'verdict — A', 'verdict — B'],
  );
  t.deepEqual(merged.rows, [
    { claim: 'x', paper: 'p1', [runColumnKey('verdict', 0)]: 'holds', [runColumnKey('verdict', 1)]: 'holds' },
    { claim: 'y', paper: 'p2', [runColumnKey('verdict', 0)]: 'holds', [runColumnKey('verdict', 1)]: 'does not hold' },
    { claim: 'z', paper: 'p3', [runColumnKey('verdict', 0)]: undefined, [runColumnKey('verdict', 1)]: 'holds' },
  ]);
  t.is(
    merged.caption,
    'Each claim. Where the runs differ, a column is shown once per run (“— run”); the other columns hold what every run shows. Rows only some runs have: z (only B).',
  );
});

test('values that print the same are the same; declared keys and repeated keys match rows', (t) => {
  const table = (values: number[]): ReportTable => ({
    id: 't',
    title: 't',
    columns: [
      { key: 'kind', label: 'kind', format: 'text' },
      { key: 'seed', label: 'seed', format: 'integer' },
      { key: 'v', label: 'v', format: 'sig' },
    ],
    rows: values.map((v, i) => ({ kind: 'sgd', seed: i % 2, v })),
    keys: ['kind', 'seed'],
  });
  const same = compareTable([
    { label: 'A', table: table([1.00001, 2, 3]) },
    { label: 'B', table: table([1.00002, 2, 3]) },
  ]);
  t.deepEqual(
    same.columns.map((c) => c.key),
    ['kind', 'seed', 'v'],
  );
  t.regex(same.caption!, /Every run shows the same values here\.$/);
  const differ = compareTable([
    { label: 'A', table: table([1, 2, 3]) },
    { label: 'B', table: table([1, 2, 4]) },
  ]);
  // (sgd, 0) occurs twice: the second occurrence matches the second occurrence
  t.deepEqual(
    differ.rows.map((r) => [r.seed, r[runColumnKey('v', 0)], r[runColumnKey('v', 1)]]),
    [
      [0, 1, 1],
      [1, 2, 2],
      [0, 3, 4],
    ],
  );
});

test('documents merge section by section: head first, texts once or per run, a section some runs lack says so', (t) => {
  const doc = (label: string, sections: ReportDocument['sections']): { label: string; doc: ReportDocument } => ({
    label,
    doc: { title: label, subtitle: '', sections },
  });
  const merged = mergeReports(
    [
      doc('A', [
        {
          id: 'claims',
          title: 'Claims',
          blocks: [
            { type: 'text', text: 'same' },
            { type: 'text', text: 'A holds' },
          ],
        },
        { id: 'toy', title: 'Toy', blocks: [{ type: 'text', text: 'toy' }] },
      ]),
      doc('B', [
        {
          id: 'claims',
          title: 'Claims',
          blocks: [
            { type: 'text', text: 'same' },
            { type: 'text', text: 'B fails' },
          ],
        },
        { id: 'svhn', title: 'SVHN', blocks: [{ type: 'text', text: 'svhn' }] },
      ]),
    ],
    { title: 'T', subtitle: 'S', sections: [{ id: 'compared-runs', title: 'Runs', blocks: [] }] },
  );
  // svhn follows claims, the section before it in B's report
  t.deepEqual(
    merged.sections.map((s) => s.id),
    ['compared-runs', 'claims', 'svhn', 'toy'],
  );
  t.deepEqual(merged.sections[1]!.blocks, [
    { type: 'text', text: 'same' },
    { type: 'text', text: '`A`: A holds\n\n`B`: B fails' },
  ]);
  t.deepEqual(merged.sections[2]!.blocks[0], { type: 'text', text: 'Not in `A`: that run’s report has no such section.' });
  t.deepEqual(merged.sections[3]!.blocks[0], { type: 'text', text: 'Not in `B`: that run’s report has no such section.' });
  t.throws(() => mergeReports([doc('A', [])], { title: '', subtitle: '', sections: [] }), { message: /two or more runs/ });
  t.throws(() => mergeReports([doc('A', []), doc('A', [])], { title: '', subtitle: '', sections: [] }), { message: /unique/ });
});

test('the whole report of two runs: every figure holds both runs’ records and renders both runs’ marks', async (t) => {
  const a = buildReport(syntheticInputs(true), syntheticFacts).doc;
  const b = buildReport(syntheticInputs(true, 0.05), { ...syntheticFacts, run: { profile: 'quick', overrides: ['fashion.dynamics.lr=0.05'] } }).doc;
  const merged = mergeReports(
    [
      { label: 'quick', doc: a },
      { label: 'lr=0.05', doc: b },
    ],
    { title: 'T', subtitle: 'S', sections: [] },
  );
  t.deepEqual(
    merged.sections.map((s) => s.id),
    a.sections.map((s) => s.id),
  );
  const figures = documentFigures(merged);
  t.is(figures.length, documentFigures(a).length);
  for (const f of figures) {
    t.deepEqual([...new Set(f.data.map((r) => r.run))].sort(), ['lr=0.05', 'quick'], f.id);
    const svg = await renderSvg(f.spec, f.data, { onWarning: (m) => t.fail(`${f.id}: vega warning ${m}`) });
    t.regex(svg, /role-mark/, f.id);
  }
  // the test-accuracy curves: one line per kind and run, the runs told apart by the legend "Run"
  const accuracy = figures.find((f) => f.id === 'fashion-test-accuracy')!;
  const svg = await renderSvg(accuracy.spec, accuracy.data);
  const lines = [...svg.matchAll(/<path aria-label="[^"]*; Run: ([^;"]+)[;"][^>]*aria-roledescription="line mark"/g)].map((m) => m[1]);
  t.is(lines.filter((l) => l === 'quick').length, SYNTHETIC_KINDS.length);
  t.is(lines.filter((l) => l === 'lr=0.05').length, SYNTHETIC_KINDS.length);
  // the toy's contour map is one panel per run
  t.regex(figures.find((f) => f.id === 'toy2d-trajectories')!.caption, /One panel per run\.$/);
  // the final table: test accuracy differs (one column per run), Tr(HΣ) at the start does not
  const final = merged.sections.flatMap((s) => s.blocks).find((bl) => bl.type === 'table' && bl.table.id === 'fashion-final');
  const labels = final?.type === 'table' ? final.table.columns.map((c) => c.label) : [];
  t.true(labels.includes('test accuracy (%) — quick') && labels.includes('test accuracy (%) — lr=0.05'), labels.join(' | '));
  t.true(labels.includes('Tr(HΣ) at start'), labels.join(' | '));
});
