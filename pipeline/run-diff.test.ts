import test from 'ava';
import type { Headlines } from './headlines.ts';
import { diffRuns } from './run-diff.ts';
import { diffMarkdown, diffText, formatNumber } from './run-diff-format.ts';
import type { RunView } from './run-view.ts';

const view = (label: string, config: Record<string, unknown>, instances: [string, string][]): RunView => ({
  label,
  source: 'record',
  profile: 'quick',
  overrides: [],
  config,
  instances: new Map(instances),
});

const A = view('a', { seed: 1, opt: { lr: 0.1, kinds: ['x', 'y'] }, only: 'a' }, [
  ['src', 'k1'],
  ['fit', 'k2'],
  ['gone', 'k3'],
]);
const B = view('b', { seed: 1, opt: { lr: 0.05, kinds: ['x', 'y'] }, extra: true }, [
  ['src', 'k1'],
  ['fit', 'k9'],
  ['new', 'k4'],
]);
const HA: Headlines = {
  metrics: [
    { id: 'fit.loss', label: 'loss', value: 2 },
    { id: 'fit.acc', label: 'accuracy', value: 0.5 },
    { id: 'src.n', label: 'n', value: 10 },
    { id: 'zero', label: 'zero', value: 0 },
    { id: 'lost', label: 'lost', value: 1 },
  ],
  claims: [
    { id: 'c1', verdict: 'holds' },
    { id: 'c2', verdict: 'holds' },
  ],
  deviations: [{ id: 'd1', value: 'the released code' }],
};
const HB: Headlines = {
  metrics: [
    { id: 'fit.loss', label: 'loss', value: 1.5 },
    { id: 'fit.acc', label: 'accuracy', value: 0.5 },
    { id: 'src.n', label: 'n', value: 10 },
    { id: 'zero', label: 'zero', value: 3 },
    { id: 'lost', label: 'lost', value: null },
  ],
  claims: [
    { id: 'c1', verdict: 'does not hold' },
    { id: 'c2', verdict: 'holds' },
    { id: 'c3', verdict: 'not run' },
  ],
  deviations: [
    { id: 'd1', value: 'this project’s choice' },
    { id: 'd2', value: 'no key' },
  ],
};

test('params: exactly the flattened keys whose values differ, a key in one run only included', (t) => {
  const d = diffRuns({ view: A, headlines: HA }, { view: B, headlines: HB });
  t.deepEqual(
    d.params.filter((p) => p.changed),
    [
      { key: 'opt.lr', a: '0.1', b: '0.05', changed: true },
      { key: 'only', a: '"a"', b: null, changed: true },
      { key: 'extra', a: null, b: 'true', changed: true },
    ],
  );
  t.deepEqual(
    d.params.filter((p) => !p.changed).map((p) => p.key),
    ['seed', 'opt.kinds'],
  );
});

test('metrics: side by side with B − A and the change relative to |A|, null where either is missing or A is 0', (t) => {
  const d = diffRuns({ view: A, headlines: HA }, { view: B, headlines: HB });
  const byId = Object.fromEntries(d.metrics.map((m) => [m.id, m]));
  t.deepEqual(byId['fit.loss'], { id: 'fit.loss', label: 'loss', a: 2, b: 1.5, change: -0.5, relative: -0.25, changed: true });
  t.false(byId['fit.acc']!.changed);
  t.is(byId.zero!.change, 3);
  t.is(byId.zero!.relative, null);
  t.deepEqual([byId.lost!.change, byId.lost!.relative, byId.lost!.changed], [null, null, true]);
});

test('claims and deviations: every changed verdict, one present in one run only included', (t) => {
  const d = diffRuns({ view: A, headlines: HA }, { view: B, headlines: HB });
  t.deepEqual(
    d.claims.filter((c) => c.changed),
    [
      { id: 'c1', a: 'holds', b: 'does not hold', changed: true },
      { id: 'c3', a: null, b: 'not run', changed: true },
    ],
  );
  t.deepEqual(
    d.deviations.map((x) => [x.id, x.changed]),
    [
      ['d1', true],
      ['d2', true],
    ],
  );
});

test('instances: shared when both hold the same key', (t) => {
  const d = diffRuns({ view: A }, { view: B });
  t.deepEqual(
    d.instances.map((r) => [r.instance, r.shared]),
    [
      ['src', true],
      ['fit', false],
      ['gone', false],
      ['new', false],
    ],
  );
  t.false(d.hasHeadlines);
  t.deepEqual(d.metrics, []);
});

test('the table and the Markdown show only what changed, and everything with all', (t) => {
  const d = diffRuns({ view: A, headlines: HA }, { view: B, headlines: HB });
  const text = diffText(d);
  t.regex(text, /params: 3 of 5 keys differ/);
  t.regex(text, /opt\.lr\s+0\.1\s+0\.05/);
  t.notRegex(text, /opt\.kinds/);
  t.regex(text, /loss\s+2\s+1\.5\s+-0\.5\s+-25\.0%/);
  t.notRegex(text, /accuracy/);
  t.regex(text, /instances: 1 shared, 3 differ/);
  t.regex(diffText(d, { all: true }), /\s{2} {3}opt\.kinds/);
  const md = diffMarkdown(d);
  t.true(md.includes('| `opt.lr` | `0.1` | `0.05` |'), md);
  t.true(md.includes('| loss | 2 | 1.5 | -0.5 | -25.0% |'), md);
  t.true(md.includes('| `c1` | holds | does not hold |'), md);
  t.false(md.includes('`c2`'));
  t.true(diffMarkdown(d, { all: true }).includes('| `c2` | holds | holds |'));
  t.true(diffMarkdown(d, { all: true }).includes('| **≠** `c1` | holds | does not hold |'));
});

test('Markdown cells keep pipes and backticks literal', (t) => {
  const odd = view('o', { t: 'a|b`c' }, []);
  const md = diffMarkdown(diffRuns({ view: A }, { view: odd }));
  t.true(md.includes('| `t` | – | `` "a\\|b`c" `` |'), md);
});

test('numbers: integers whole, others to four significant digits', (t) => {
  t.is(formatNumber(3), '3');
  t.is(formatNumber(0.712345), '0.7123');
  t.is(formatNumber(1234567.8), '1235000');
  t.is(formatNumber(null), '–');
});
