/** sgd-noise's compare renderer: what runs are called, the head section, and the files it renders. */
import test from 'ava';
import type { LoadedArtifacts } from '../../cache/values.ts';
import type { CompareRun } from '../../pipeline/project.ts';
import type { RunView } from '../../pipeline/run-view.ts';
import { EXPERIMENTS } from '../experiments.ts';
import { runColumnKey } from './compare.ts';
import { compareReportOf, comparisonDocument, runNames } from './compare-report.ts';
import { syntheticFacts, syntheticInputs } from './testing.ts';

/** A run of the synthetic summaries, its inputs named as the report stage gets them (`theory_0`, `theory_1`, …). */
function run(label: string, lr: number, shift: number): CompareRun {
  const inputs: Record<string, LoadedArtifacts> = {};
  for (const [name, value] of Object.entries(syntheticInputs(false, shift))) {
    if (Array.isArray(value)) value.forEach((v, i) => (inputs[`${name}_${i}`] = v as LoadedArtifacts));
    else if (value !== undefined) inputs[name] = value as LoadedArtifacts;
  }
  const config = {
    seed: 1,
    backend: 'wasm',
    ...syntheticFacts.config,
    fashion: { data: { train: 1200 }, dynamics: { lr } },
    report: { title: 't', dir: 'reports/t' },
  };
  const view: RunView = { label, source: 'point', profile: 'quick', overrides: [`fashion.dynamics.lr=${lr}`], config, instances: new Map() };
  return { view, inputs, lineage: syntheticFacts.lineage };
}

test('runs are called by their labels while all are short, else run A, run B, …', (t) => {
  t.deepEqual(runNames(['quick', 'fashion.dynamics.lr=0.05']), ['quick', 'fashion.dynamics.lr=0.05']);
  t.deepEqual(runNames(['quick', 'x'.repeat(41)]), ['run A', 'run B']);
});

test('the comparison starts with the runs, their line styles and exactly the settings that differ', (t) => {
  const doc = comparisonDocument([run('quick', 0.07, 0), run('lr=0.05', 0.05, 0.05)], EXPERIMENTS, { node: 'v20' });
  t.is(doc.title, 'sgd-noise: 2 runs compared');
  const head = doc.sections[0]!;
  t.is(head.id, 'compared-runs');
  const tables = head.blocks.flatMap((b) => (b.type === 'table' ? [b.table] : []));
  t.deepEqual(
    tables[0]!.rows.map((r) => [r.run, r.overrides, r.line, r.shape]),
    [
      ['quick', 'fashion.dynamics.lr=0.07', 'solid', 'circle'],
      ['lr=0.05', 'fashion.dynamics.lr=0.05', 'dashed', 'square'],
    ],
  );
  t.deepEqual(tables[1]!.rows, [{ key: 'fashion.dynamics.lr', [runColumnKey('value', 0)]: '0.07', [runColumnKey('value', 1)]: '0.05' }]);
  t.deepEqual(
    doc.sections.map((s) => s.id),
    ['compared-runs', 'claims', 'toy2d', 'onehidden', 'fashion', 'theory', 'provenance'],
  );
});

test('the renderer gives the files of a report: index.html, summary.md and every figure’s', async (t) => {
  const files = await compareReportOf(EXPERIMENTS)([run('quick', 0.07, 0), run('lr=0.05', 0.05, 0.05)], (m) => t.fail(m));
  t.regex(String(files['index.html']), /<h1>sgd-noise: 2 runs compared<\/h1>/);
  t.regex(String(files['summary.md']), /^# sgd-noise: 2 runs compared/);
  for (const ext of ['svg', 'png', 'json', 'csv', 'vl.json']) t.true(Object.hasOwn(files, `figures/fashion-test-accuracy.${ext}`), ext);
  t.regex(String(files['figures/fashion-test-accuracy.csv']).split('\n')[0]!, /^run,kind,iteration,mean/);
});
