/**
 * The report on a fixed tiny run of the real pipeline: the Markdown summary against a golden file, the HTML report in
 * headless Chromium, re-rendering reruns nothing but the report, and `sgd-noise report` refuses to recompute.
 * Set UPDATE_GOLDEN=1 to rewrite test/golden/tiny-summary.md after an intended change.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import project from '../pipeline.config.ts';
import { CacheStore } from '../cache/store.ts';
import { main } from '../pipeline/cli.ts';
import { readHeadlines } from '../pipeline/headlines.ts';
import { buildPlan } from '../pipeline/plan.ts';
import { resolveConfig } from '../pipeline/project.ts';
import { runToCompletion } from '../pipeline/runner.ts';
import { CHROMIUM_PATH, checkReportInBrowser, chromiumAvailable } from './fixtures/browser.ts';
import { tinyRunOverrides, writeTinyFashion } from './fixtures/tiny-run.ts';

const GOLDEN = fileURLToPath(new URL('./golden/tiny-summary.md', import.meta.url));

const root = mkdtempSync(path.join(tmpdir(), 'sgdn-report-'));
// A fixed data path: it is part of the fashion stages' config and so of their cache keys, which the golden file shows.
const dataDir = path.join(tmpdir(), 'sgd-noise-tiny-fashion');
const reportDir = path.join(root, 'report');
const cacheDir = path.join(root, 'cache');

async function runTiny(extra: string[] = []) {
  const overrides = [...tinyRunOverrides(dataDir, reportDir), ...extra];
  const { config, profile } = resolveConfig(project, 'quick', overrides);
  const plan = buildPlan(project.stages, config);
  const cache = CacheStore.open(cacheDir);
  try {
    return await runToCompletion({ plan, cache, scope: profile, config, jobs: 2, publishRoot: root, overrides });
  } finally {
    await cache.close();
  }
}

/** The Markdown with what legitimately varies between machines masked: paths and software versions (it cites no wall times). */
function normaliseSummary(md: string): string {
  const lines = md.split(root).join('<tmp>').split(dataDir).join('<data>').split('\n');
  let section = '';
  return lines
    .map((line) => {
      if (line.startsWith('### ')) section = line;
      if (section === '### Software' && line.startsWith('| ') && !line.startsWith('| package')) return line.replace(/\| [^|]+ \|$/, '| <version> |');
      return line;
    })
    .join('\n');
}

let first: Awaited<ReturnType<typeof runTiny>>;

test.before(async () => {
  writeTinyFashion(dataDir);
  first = await runTiny();
});

test.serial('the tiny run completes and publishes index.html, summary.md and every figure’s files', (t) => {
  t.deepEqual(first.failed, []);
  t.true(first.ok);
  for (const f of ['index.html', 'summary.md']) t.true(existsSync(path.join(reportDir, f)), f);
  const md = readFileSync(path.join(reportDir, 'summary.md'), 'utf8');
  const figures = [...md.matchAll(/!\[[^\]]*\]\(figures\/([^)]+)\.png\)/g)].map((m) => m[1]!);
  t.true(figures.length >= 10, `figures: ${figures.join(', ')}`);
  for (const id of figures)
    for (const ext of ['svg', 'png', 'json', 'csv', 'vl.json']) t.true(existsSync(path.join(reportDir, 'figures', `${id}.${ext}`)), `${id}.${ext}`);
});

test.serial('the Markdown summary of the tiny run matches the golden file', (t) => {
  const md = normaliseSummary(readFileSync(path.join(reportDir, 'summary.md'), 'utf8'));
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, md);
  t.is(md, readFileSync(GOLDEN, 'utf8'));
});

const browserTest = chromiumAvailable() || process.env.CI ? test.serial : test.skip;
browserTest('the real report opens in headless Chromium with every figure drawn and no console errors', async (t) => {
  if (!chromiumAvailable()) return t.fail(`Chromium is not installed at ${CHROMIUM_PATH}; .ci/run must apt-get install chromium`);
  t.timeout(60_000);
  const result = await checkReportInBrowser(path.join(reportDir, 'index.html'));
  t.deepEqual(result.errors, []);
  const md = readFileSync(path.join(reportDir, 'summary.md'), 'utf8');
  t.is(result.figures, [...md.matchAll(/!\[[^\]]*\]\(figures\//g)].length);
  for (const f of result.details) {
    t.true(f.width > 100 && f.height > 100, `${f.id}: ${f.width}×${f.height}`);
    t.true(f.marks > 0, `${f.id} has no marks`);
  }
  t.true(existsSync(path.join(reportDir, 'screenshot.png')));
});

test.serial('the tiny run’s headlines, read from the cache: every metric present, the report’s verdicts, accuracies from the series', async (t) => {
  const overrides = tinyRunOverrides(dataDir, reportDir);
  const { config } = resolveConfig(project, 'quick', overrides);
  const plan = buildPlan(project.stages, config);
  const instances = new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key]));
  const cache = CacheStore.open(cacheDir);
  try {
    const h = readHeadlines(project.headlines!, { label: 'tiny', source: 'point', profile: 'quick', overrides, config, instances }, cache);
    t.is(h.problem, undefined);
    t.deepEqual(h.absent, []);
    t.deepEqual(
      h.metrics.filter((m) => m.value === null || !Number.isFinite(m.value)).map((m) => m.id),
      [],
    );
    const stored = cache.readOutputs(cache.getManifest(instances.get('report')!)!).claims as { id: string; verdict: string }[];
    t.deepEqual(
      h.claims.map((c) => [c.id, c.verdict]),
      stored.map((c) => [c.id, c.verdict]),
    );
    // Final test accuracy per kind: the mean over seeds of each run's last logged test accuracy, from the series itself.
    const series = cache.readOutputs(cache.getManifest(instances.get('fashion.summary')!)!).series as {
      kind: string;
      seed: number;
      iteration: number;
      testAccuracy: number;
    }[];
    for (const m of h.metrics.filter((x) => x.id.startsWith('fashion.testAccuracy.'))) {
      const kind = m.id.split('.').at(-1)!;
      const last = new Map<number, { iteration: number; testAccuracy: number }>();
      for (const s of series) if (s.kind === kind && (last.get(s.seed)?.iteration ?? -1) < s.iteration) last.set(s.seed, s);
      const expected = [...last.values()].reduce((a, s) => a + s.testAccuracy, 0) / last.size;
      t.true(Math.abs(m.value! - expected) < 1e-12, `${kind}: ${m.value} against ${expected}`);
    }
  } finally {
    await cache.close();
  }
});

test.serial('changing only the report’s own settings re-renders the report and reruns nothing else', async (t) => {
  const again = await runTiny(['report.title=sgd-noise: tiny run, restyled']);
  t.true(again.ok);
  t.deepEqual(again.ran, ['report']);
  t.regex(readFileSync(path.join(reportDir, 'index.html'), 'utf8'), /tiny run, restyled/);
});

test.serial('`sgd-noise report` renders from the cache and refuses when an experiment is not cached', async (t) => {
  const overrides = tinyRunOverrides(dataDir, reportDir);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const write = (sink: string[]) => (chunk: string | Uint8Array) => (sink.push(String(chunk)), true);
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = write(stdout) as typeof process.stdout.write;
  process.stderr.write = write(stderr) as typeof process.stderr.write;
  let ok: number;
  let refused: number;
  let shown: number;
  let csv: string;
  try {
    ok = await main(['report', '--cache', cacheDir, ...overrides]);
    const printed = stdout.splice(0).join('');
    t.true(printed.trim().endsWith(path.join('report', 'index.html')), printed);
    refused = await main(['report', '--cache', cacheDir, ...overrides, 'fashion.dynamics.gld_diag.refresh=7']);
    shown = await main(['show', 'report', '--cache', cacheDir, ...overrides, '--output', 'figure/fashion-test-accuracy', '--format', 'csv']);
    csv = stdout.splice(0).join('');
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
  t.is(ok, 0);
  t.is(shown, 0);
  // `show --output` prints a figure's data: one row per (kind, iteration) with mean and range over seeds.
  t.is(csv, readFileSync(path.join(reportDir, 'figures', 'fashion-test-accuracy.csv'), 'utf8'));
  t.regex(csv.split('\n')[0]!, /^kind,iteration,mean,min,max/);
  t.is(refused, 1);
  t.regex(stderr.join(''), /renders from cached outputs only.*\n(.|\n)*fashion\.dynamics\[kind=gld_diag,seed=0\]/);
  t.notRegex(stderr.join(''), /fashion\.dynamics\[kind=sgd/);
});
