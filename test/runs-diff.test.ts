/**
 * Run records, `sgd-noise runs` and `sgd-noise diff` end to end on the toy project: every run writes its record, two
 * concurrent runs on one cache both do, a runner killed with SIGKILL leaves a record that reads `interrupted`, the git
 * commit reaches the record and the stages of child workers, and `diff` of two runs that differ in one key shows that
 * key, the metrics below it and nothing else (`--md` against test/golden/toy-diff.md; UPDATE_GOLDEN=1 rewrites it).
 * Serial: each test runs the command several times, and on a loaded 2-core machine concurrent ones starve each other.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { alive, waitFor, workspace } from './fixtures/cli-workspace.ts';

const GOLDEN = fileURLToPath(new URL('./golden/toy-diff.md', import.meta.url));

interface ListedRun {
  id: string;
  outcome: string;
  profile: string;
  overrides: string[];
  instances: Record<string, string>;
  counts: { ran: number; cached: number; failed: number } | null;
  code: { commit: string | null; dirty: boolean | null; reason?: string };
  headlines: { metrics: { id: string; value: number | null }[]; claims: { id: string; verdict: string }[] } | null;
}

async function listed(w: ReturnType<typeof workspace>): Promise<ListedRun[]> {
  const r = await w.cli(['runs', '--json']);
  if (r.exitCode !== 0) throw new Error(`runs --json: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { runs: ListedRun[] }).runs;
}

/** The Markdown with what differs between runs of the same toy runs masked: run ids, times and cache keys. */
function masked(md: string): string {
  return md
    .replace(/\d{8}T\d{6}Z-[0-9a-f]{4}/g, '<run id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<time>')
    .replace(/`[0-9a-f]{12}`/g, '`<key>`');
}

test.serial('a fresh cache: runs says none yet and what to type (exit 0), diff says it needs two runs (exit 2); neither creates the cache', async (t) => {
  const w = workspace();
  const runs = await w.cli(['runs']);
  t.is(runs.exitCode, 0, runs.stderr);
  t.regex(runs.stdout, /^no runs recorded yet in .*runs: `sgd-noise run` \(or `npm start`\) records every run there/);
  t.deepEqual(JSON.parse((await w.cli(['runs', '--json'])).stdout), { runs: [], unreadable: [] });
  const diff = await w.cli(['diff']);
  t.is(diff.exitCode, 2);
  t.regex(diff.stderr, /^sgd-noise: diff without references compares the last two runs, and .* holds no run record/);
  t.false(existsSync(w.cache), 'runs and diff create no cache');
  t.is((await w.cli(['run', '--dry-run', '--no-estimate'])).exitCode, 0);
  t.false(existsSync(path.join(w.cache, 'runs')), 'a dry run records nothing');
});

test.serial('every run writes its record: outcome, counts and the keys it resolved to; a failed run reads failed', async (t) => {
  const w = workspace();
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  t.is((await w.cli(['run', 'slow.ms=1', 'slow.fail=true', '--keep-going'])).exitCode, 1);
  t.is((await w.cli(['run', '--force', 'nosuch'])).exitCode, 2);
  const [failed, ok, ...more] = await listed(w);
  t.deepEqual(more, [], 'a run refused before anything ran leaves no record');
  t.is(ok!.outcome, 'ok');
  t.deepEqual(ok!.overrides, ['slow.ms=1']);
  t.like(ok!.counts, { ran: 9, cached: 0, failed: 0 });
  const shown = JSON.parse((await w.cli(['show', 'join', '--json', 'slow.ms=1'])).stdout) as { key: string };
  t.is(ok!.instances.join, shown.key, 'the key the run resolved join to');
  t.is(Object.keys(ok!.instances).length, 9);
  t.is(failed!.outcome, 'failed');
  t.like(failed!.counts, { failed: 1 });
  t.is(ok!.code.commit, null, 'the toy workspace is no git checkout');
  t.is(ok!.code.reason, 'not a git checkout');
  const text = (await w.cli(['runs'])).stdout;
  t.regex(text, new RegExp(`^${failed!.id}  \\S+ \\S+Z  failed .* no git checkout  quick slow\\.ms=1 slow\\.fail=true$`, 'm'));
  t.regex(text, /^ {4}claims\s+1 of 2 hold \(1 does not\)$/m);
  t.regex(text, /^ {4}fan\s+a \S+ {2}b \S+ {2}c \S+$/m);
  // The records are no cache entries: gc and cache verify leave them, and go by the cache file alone.
  t.is((await w.cli(['gc'])).exitCode, 0);
  t.is((await w.cli(['cache', 'verify'])).exitCode, 0);
  t.deepEqual(
    (await listed(w)).map((r) => r.id),
    [failed!.id, ok!.id],
  );
});

test.serial('two runs started together on one cache both write their record', async (t) => {
  const w = workspace();
  const [a, b] = await Promise.all([w.cli(['run', 'slow.ms=20']), w.cli(['run', 'slow.ms=21'])]);
  t.is(a.exitCode, 0, a.stderr);
  t.is(b.exitCode, 0, b.stderr);
  const runs = await listed(w);
  t.is(runs.length, 2);
  t.not(runs[0]!.id, runs[1]!.id);
  t.deepEqual(runs.map((r) => r.outcome).sort(), ['ok', 'ok']);
  t.deepEqual(runs.map((r) => r.overrides[0]).sort(), ['slow.ms=20', 'slow.ms=21']);
  t.is(runs[0]!.instances.source, runs[1]!.instances.source, 'the shared instance has one key');
  t.not(runs[0]!.instances.slow, runs[1]!.instances.slow);
  t.deepEqual(readdirSync(path.join(w.cache, 'runs')).sort(), runs.map((r) => `${r.id}.json`).sort(), 'no temporary file is left');
});

test.serial('a runner killed with SIGKILL leaves a record that reads interrupted; SIGTERM one reads cancelled', async (t) => {
  const w = workspace();
  const env = w.env as Record<string, string>;
  env.TOY_GATE = path.join(w.dir, 'gate');
  writeFileSync(env.TOY_GATE, '');
  const run = w.cli(['run']);
  await waitFor(() => existsSync(w.env.TOY_PID_FILE), 'the worker to start', 120_000);
  const worker = Number(readFileSync(w.env.TOY_PID_FILE, 'utf8'));
  t.is((await listed(w))[0]!.outcome, 'running', 'written at the start, while it runs');
  run.kill('SIGKILL');
  await run;
  await waitFor(() => !alive(worker), 'the worker to end with its runner', 60_000);
  // A writer killed half-way leaves at most a temporary file, which is no record.
  writeFileSync(path.join(w.cache, 'runs', '.20261207T000000Z-dead.json.tmp-1-abcd'), '{"format":1,"id":"2026');
  const [killed] = await listed(w);
  t.is(killed!.outcome, 'interrupted');
  t.is((await w.cli(['runs'])).stderr, '', 'no warning: the torn file is not a record');

  rmSync(w.env.TOY_PID_FILE);
  const again = w.cli(['run']);
  await waitFor(() => existsSync(w.env.TOY_PID_FILE), 'the second worker to start', 120_000);
  again.kill('SIGTERM');
  t.is((await again).exitCode, 143);
  rmSync(env.TOY_GATE);
  const [cancelled, before] = await listed(w);
  t.is(cancelled!.outcome, 'cancelled');
  t.is(before!.id, killed!.id);
});

test.serial('diff of two runs differing in one key: exactly that key, exactly the metrics below it; --md matches the golden file', async (t) => {
  const w = workspace();
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  t.is((await w.cli(['run', 'slow.ms=1', 'left.scale=-3'])).exitCode, 0);
  const r = await w.cli(['diff', '--json']);
  t.is(r.exitCode, 0, r.stderr);
  const d = JSON.parse(r.stdout) as {
    params: { key: string; changed: boolean }[];
    metrics: { id: string; changed: boolean; a: number; b: number }[];
    claims: { id: string; a: string; b: string; changed: boolean }[];
    instances: { instance: string; shared: boolean }[];
  };
  t.deepEqual(
    d.params.filter((p) => p.changed).map((p) => p.key),
    ['left.scale'],
  );
  // left.scale reaches left, then join, then the fan: their metrics move; source, right and slow keep theirs.
  t.deepEqual(
    d.metrics.filter((m) => m.changed).map((m) => m.id),
    ['mean.left', 'join.sum', 'fan.a', 'fan.b', 'fan.c'],
  );
  t.deepEqual(
    d.metrics.filter((m) => !m.changed).map((m) => m.id),
    ['mean.source', 'mean.right', 'mean.slow'],
  );
  const left = d.metrics.find((m) => m.id === 'mean.left')!;
  t.true(Math.abs(left.b / left.a - -3 / 2) < 1e-12, 'y = scale · x, so the means scale with it');
  t.deepEqual(
    d.instances.filter((i) => i.shared).map((i) => i.instance),
    ['source', 'right', 'slow'],
  );
  const md = await w.cli(['diff', '--md']);
  t.is(md.exitCode, 0);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, masked(md.stdout));
  t.is(masked(md.stdout), readFileSync(GOLDEN, 'utf8'));
  // The same comparison named explicitly, and as a profile against a point planned now (the same keys, so the same rows).
  t.is((await w.cli(['diff', 'HEAD~1', 'HEAD', '--md'])).stdout, md.stdout);
  const planned = JSON.parse((await w.cli(['diff', 'quick', 'left.scale=-3', '--json'])).stdout) as typeof d;
  t.deepEqual(
    planned.metrics.map((m) => [m.id, m.changed]),
    d.metrics.map((m) => [m.id, m.changed]),
  );
  t.deepEqual(
    planned.params.filter((p) => p.changed).map((p) => p.key),
    ['left.scale'],
  );
  const bad = await w.cli(['diff', 'nosuch', 'HEAD']);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /^sgd-noise: run reference 'nosuch' matches nothing: .*not a profile \(quick, other\)/);
  t.regex((await w.cli(['diff', 'HEAD~5'])).stderr, /run reference 'HEAD~5' names the 5th run before the newest, but .* holds 2 run records/);
});

test.serial('in a git checkout the record and the stages of child workers get the commit; runs shows it short', async (t) => {
  const w = workspace();
  const git = (...args: string[]) =>
    execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: w.dir });
  try {
    await git('init', '-q');
  } catch {
    return t.pass('git is not installed: skipped');
  }
  writeFileSync(path.join(w.dir, 'package-lock.json'), '{}\n');
  writeFileSync(path.join(w.dir, '.gitignore'), 'cache/\nlog.txt\nworker.pid\nout/\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'toy');
  const head = (await git('rev-parse', 'HEAD')).stdout.trim();
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  const [run] = await listed(w);
  t.deepEqual({ commit: run!.code.commit, dirty: run!.code.dirty }, { commit: head, dirty: false });
  const slow = JSON.parse((await w.cli(['show', 'slow', '--json', 'slow.ms=1'])).stdout) as { meta: { commit: string } };
  t.is(slow.meta.commit, head, 'the child worker’s run facts');
  t.regex((await w.cli(['runs'])).stdout, new RegExp(`^${run!.id} .* ${head.slice(0, 7)} `, 'm'));
  writeFileSync(path.join(w.dir, 'new.txt'), 'x');
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  t.regex((await w.cli(['runs'])).stdout, new RegExp(`${head.slice(0, 7)}\\+dirty`));
});
