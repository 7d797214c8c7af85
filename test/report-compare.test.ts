/**
 * `sgd-noise report --compare` end to end on the real pipeline: two runs of the `tiny` profile
 * (test/fixtures/tiny-project.ts) that differ in fashion.dynamics.lr, their report inputs computed once. The comparison
 * is rendered from the cache only; each run's curves in it are that run's own summary; in headless Chromium every
 * figure draws, and the dynamics curves show one line per kind and run. A run whose inputs are not cached is refused,
 * naming them and the command that computes them; bad references and misplaced flags are usage errors.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheStore } from '../cache/store.ts';
import { main } from '../pipeline/cli.ts';
import { UsageError } from '../pipeline/errors.ts';
import { buildPlan } from '../pipeline/plan.ts';
import { resolveConfig } from '../pipeline/project.ts';
import { createRunRecord, updateRunRecord } from '../pipeline/run-records.ts';
import { runToCompletion } from '../pipeline/runner.ts';
import { CHROMIUM_PATH, checkReportInBrowser, chromiumAvailable } from './fixtures/browser.ts';
import project, { TINY_FASHION_DIR, TINY_KINDS } from './fixtures/tiny-project.ts';
import { writeTinyFashion } from './fixtures/tiny-run.ts';

const TINY_PROJECT = fileURLToPath(new URL('./fixtures/tiny-project.ts', import.meta.url));
const TOY_PROJECT = fileURLToPath(new URL('./fixtures/toy-project.ts', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'sgdn-compare-'));
const cacheDir = path.join(root, 'cache');
const LR = 'fashion.dynamics.lr=0.05';
const folder = path.join(root, 'reports', `compare-tiny_vs_${LR}`);
const common = ['--profile', 'tiny', '--project', TINY_PROJECT, '--cache', cacheDir, '--publish-dir', root];

/** Computes the report's inputs (not the report) of the tiny profile with `overrides`; returns the run's plan. */
async function computeInputs(overrides: string[]) {
  const { config, profile } = resolveConfig(project, 'tiny', overrides);
  const plan = buildPlan(project.stages, config);
  const selected = new Set(Object.values(plan.nodes.get('report')!.deps));
  const cache = CacheStore.open(cacheDir);
  try {
    const summary = await runToCompletion({ plan, cache, scope: profile, config, jobs: 2, publishRoot: root, overrides, selected });
    if (!summary.ok) throw new Error(`the tiny run ${overrides.join(' ')} failed: ${summary.failed.join(', ')}`);
  } finally {
    await cache.close();
  }
  return plan;
}

/** Runs the CLI in this process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}

let plans: Awaited<ReturnType<typeof computeInputs>>[];

test.before(async () => {
  writeTinyFashion(TINY_FASHION_DIR);
  plans = [await computeInputs([]), await computeInputs([LR])];
});

test.serial('report --compare renders both runs from the cache into reports/compare-<labels>/; each run’s curves are its own', async (t) => {
  t.timeout(120_000);
  const r = await cli(['report', '--compare', 'tiny', LR, ...common]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${path.join(folder, 'index.html')}\n`);
  for (const f of ['index.html', 'summary.md', 'figures/fashion-test-accuracy.svg', 'figures/toy2d-trajectories.png'])
    t.true(existsSync(path.join(folder, f)), f);
  // The figure's records, per run, are that run's fashion.summary series (one seed: the mean is the value).
  const rows = JSON.parse(readFileSync(path.join(folder, 'figures', 'fashion-test-accuracy.json'), 'utf8')) as Record<string, unknown>[];
  const cache = CacheStore.open(cacheDir);
  try {
    for (const [label, plan] of [
      ['tiny', plans[0]!],
      [LR, plans[1]!],
    ] as const) {
      const key = plan.nodes.get('fashion.summary')!.key;
      const series = cache.readOutputs(cache.getManifest(key)!).series as { kind: string; iteration: number; testAccuracy: number }[];
      t.deepEqual(
        rows.filter((row) => row.run === label).map((row) => [row.kind, row.iteration, row.mean]),
        series.map((s) => [s.kind, s.iteration, s.testAccuracy]),
        label,
      );
    }
  } finally {
    await cache.close();
  }
  // The head lists exactly the one setting that differs.
  const md = readFileSync(path.join(folder, 'summary.md'), 'utf8');
  const settings = md.split('### Settings that differ')[1]!.split('###')[0]!;
  t.deepEqual(
    settings.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| key')),
    ['| fashion.dynamics.lr | 0.07 | 0.05 |'],
  );
});

// Runs in the page (a string, as the fixture's own inspection): per figure, its line paths by the run their aria
// label names, its titles and its legend labels.
const INSPECT_RUNS = `Object.fromEntries([...document.querySelectorAll('figure.report-figure')].map((fig) => {
  const lines = {};
  for (const p of fig.querySelectorAll('g.mark-line.role-mark > path')) {
    const m = /; Run: ([^;]+)(;|$)/.exec(p.getAttribute('aria-label') || '');
    if (m) lines[m[1]] = (lines[m[1]] || 0) + 1;
  }
  const texts = (sel) => [...fig.querySelectorAll(sel)].map((x) => x.textContent);
  return [fig.id, { lines, titles: texts('g.role-title text'), legend: texts('g.role-legend-label text') }];
}))`;

type Inspected = Record<string, { lines: Record<string, number>; titles: string[]; legend: string[] }>;

const browserTest = chromiumAvailable() || process.env.CI ? test.serial : test.skip;
if (!chromiumAvailable() && !process.env.CI)
  console.warn(`report-compare browser test skipped: Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium)`);
browserTest('in headless Chromium every figure draws; the dynamics curves have one line per kind and run, the contour map a panel per run', async (t) => {
  if (!chromiumAvailable()) return t.fail(`Chromium is not installed at ${CHROMIUM_PATH}; .ci/run must apt-get install chromium`);
  t.timeout(60_000);
  const index = path.join(folder, 'index.html');
  if (!existsSync(index)) t.is((await cli(['report', '--compare', 'tiny', LR, ...common])).code, 0);
  const result = await checkReportInBrowser(index, { inspect: INSPECT_RUNS });
  t.deepEqual(result.errors, []);
  const md = readFileSync(path.join(folder, 'summary.md'), 'utf8');
  t.is(result.figures, [...md.matchAll(/!\[[^\]]*\]\(figures\//g)].length);
  for (const f of result.details) t.true(f.marks > 0, `${f.id} has no marks`);
  const seen = result.inspected as Inspected;
  for (const id of ['fig-fashion-test-accuracy', 'fig-fashion-train-loss', 'fig-fashion-sharpness']) {
    t.deepEqual(seen[id]!.lines, { tiny: TINY_KINDS.length, [LR]: TINY_KINDS.length }, id);
    t.true(seen[id]!.legend.includes('tiny') && seen[id]!.legend.includes(LR), `${id} legend: ${seen[id]!.legend.join(', ')}`);
  }
  // theory: one predicted curve per kind panel and run
  t.is(seen['fig-theory-loss-increase']!.lines.tiny, seen['fig-theory-loss-increase']!.lines[LR]);
  t.true(
    seen['fig-toy2d-trajectories']!.titles.includes('tiny') && seen['fig-toy2d-trajectories']!.titles.includes(LR),
    seen['fig-toy2d-trajectories']!.titles.join(', '),
  );
});

test.serial('report --compare HEAD~1 HEAD reads two recorded runs under the keys they recorded, labelled by run id', async (t) => {
  t.timeout(120_000);
  // Two records as `run` writes them (older first), for the two computed runs; configs resolved as the runs resolved them.
  const ids: string[] = [];
  for (const [i, overrides] of [[], [LR]].entries()) {
    const { config } = resolveConfig(project, 'tiny', overrides);
    const instances = Object.fromEntries(plans[i]!.order.map((id) => [id, plans[i]!.nodes.get(id)!.key]));
    const start: Parameters<typeof createRunRecord>[1] = {
      profile: 'tiny',
      overrides,
      sweeps: [],
      config,
      points: [],
      instances,
      code: { commit: null, dirty: null, lockfileSha256: null, reason: 'test' },
      backend: 'wasm',
    };
    const record = createRunRecord(cacheDir, start, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    updateRunRecord(cacheDir, { ...record, outcome: 'ok', finishedAt: record.startedAt, wallMs: 1 });
    ids.push(record.id);
  }
  const out = path.join(root, 'by-record');
  const r = await cli(['report', '--compare', 'HEAD~1', 'HEAD', '--json', '--out', out, ...common]);
  t.is(r.code, 0, r.stderr);
  const { runs } = JSON.parse(r.stdout) as { runs: string[] };
  t.deepEqual(runs, ids);
  const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
  const settings = md.split('### Settings that differ')[1]!.split('###')[0]!;
  t.deepEqual(
    settings.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| key')),
    ['| fashion.dynamics.lr | 0.07 | 0.05 |'],
  );
});

test.serial('a run whose report inputs are not cached is refused (exit 1), naming them and the command that computes them', async (t) => {
  const r = await cli(['report', '--compare', 'tiny', 'fashion.dynamics.lr=0.1', ...common]);
  t.is(r.code, 1);
  t.is(
    r.stderr,
    [
      'the comparison renders from cached outputs only, and some runs lack report inputs:',
      "  run 'fashion.dynamics.lr=0.1': 2 of its 5 report inputs are not cached:",
      '    fashion.summary',
      '    fashion.theory[seed=0]',
      `    compute them with: sgd-noise run --profile tiny fashion.dynamics.lr=0.1 --project ${TINY_PROJECT} --cache ${cacheDir}`,
      '',
    ].join('\n'),
  );
  t.false(existsSync(path.join(root, 'reports', 'compare-tiny_vs_fashion.dynamics.lr=0.1')));
});

test.serial('--json and --out: the index and the runs’ labels, written where --out says', async (t) => {
  const out = path.join(root, 'elsewhere');
  const r = await cli(['report', '--compare', LR, 'tiny', '--json', '--out', out, ...common]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { index: path.join(out, 'index.html'), runs: [LR, 'tiny'] });
  t.true(existsSync(path.join(out, 'summary.md')));
});

test.serial('fewer than two references, one that matches nothing, --compare elsewhere, --sweep, or a project that cannot compare: usage errors', async (t) => {
  await t.throwsAsync(cli(['report', '--compare', 'tiny', ...common]), { instanceOf: UsageError, message: /two or more run references.*got 1/ });
  await t.throwsAsync(cli(['report', '--compare', 'tiny', 'nosuch', ...common]), { instanceOf: UsageError, message: /run reference 'nosuch' matches nothing/ });
  await t.throwsAsync(cli(['ls', '--compare', 'tiny', LR, ...common]), { instanceOf: UsageError, message: '--compare is an option of report, not of ls' });
  await t.throwsAsync(cli(['report', '--compare', 'tiny', LR, '--sweep', 'seed=1,2', ...common]), { instanceOf: UsageError, message: /takes no --sweep/ });
  await t.throwsAsync(cli(['report', '--compare', 'quick', 'other', '--project', TOY_PROJECT, '--cache', cacheDir]), {
    instanceOf: UsageError,
    message: 'project toy cannot compare runs (it declares no reportStage in defineProject)',
  });
});
