import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReportFiles, writeReportFiles } from './bundle.ts';
import { decodePng } from './png-decode.ts';
import { sampleBarFigure, sampleReportDocument } from './sample-document.ts';

const quiet = { onWarning: () => {} };

test('the bundle has index.html and five files per figure, identical on a second render', async (t) => {
  const doc = sampleReportDocument();
  const files = await renderReportFiles(doc, quiet);
  const ids = ['sample-loss', 'sample-scatter', 'sample-escape'];
  t.deepEqual(
    Object.keys(files).sort(),
    ['index.html', ...ids.flatMap((id) => ['svg', 'png', 'json', 'csv', 'vl.json'].map((e) => `figures/${id}.${e}`))].sort(),
  );
  const again = await renderReportFiles(doc, quiet);
  for (const [path, contents] of Object.entries(files)) t.deepEqual(again[path], contents, path);

  const bar = sampleBarFigure();
  t.deepEqual(JSON.parse(files['figures/sample-escape.json'] as string), bar.data);
  const csv = (files['figures/sample-escape.csv'] as string).split('\n');
  t.is(csv[0], 'kind,escapeRate');
  t.is(csv.length, bar.data.length + 2);
  const spec = JSON.parse(files['figures/sample-escape.vl.json'] as string);
  t.deepEqual(spec.data, { values: bar.data });
  t.is(spec.config.background, '#ffffff');
  const svg = files['figures/sample-escape.svg'] as string;
  t.true((files['index.html'] as string).includes(svg.slice(0, 200)), 'the page inlines the same SVG');
  const png = decodePng(files['figures/sample-escape.png'] as Uint8Array);
  t.is(png.width, 2 * Number(/width="(\d+)"/.exec(svg)![1]));
});

test('unsafe or repeated figure ids are refused', async (t) => {
  const doc = sampleReportDocument();
  const bad = { ...doc, sections: [{ id: 's', title: 'S', blocks: [{ type: 'figure' as const, figure: { ...sampleBarFigure(), id: '../evil' } }] }] };
  await t.throwsAsync(renderReportFiles(bad, quiet), { message: /figure id '\.\.\/evil' is not file-name-safe/ });
  const twice = {
    ...doc,
    sections: [
      {
        id: 's',
        title: 'S',
        blocks: [
          { type: 'figure' as const, figure: sampleBarFigure() },
          { type: 'figure' as const, figure: sampleBarFigure() },
        ],
      },
    ],
  };
  await t.throwsAsync(renderReportFiles(twice, quiet), { message: /'sample-escape' appears twice/ });
});

test('a figure whose spec fails names the figure', async (t) => {
  const broken = { ...sampleBarFigure(), spec: { mark: 'point', data: { url: 'x.json' } } };
  const doc = { title: 'T', subtitle: '', sections: [{ id: 's', title: 'S', blocks: [{ type: 'figure' as const, figure: broken }] }] };
  await t.throwsAsync(renderReportFiles(doc, quiet), { message: /^figure sample-escape: a figure spec must not carry its own data/ });
});

test('writeReportFiles creates folders and refuses paths leaving the report folder', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'report-write-'));
  try {
    const index = await writeReportFiles(dir, { 'index.html': '<p>x</p>', 'figures/a.png': new Uint8Array([1, 2]) });
    t.is(index, join(dir, 'index.html'));
    t.deepEqual([...(await readFile(join(dir, 'figures/a.png')))], [1, 2]);
    await t.throwsAsync(writeReportFiles(dir, { '../x': 'y' }), { message: /escapes the report folder/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
