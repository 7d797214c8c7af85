/**
 * Issue 25, point 7: `sgd-noise status` in a fresh checkout (no cache yet) is a newcomer's first look. It says that
 * nothing has run and what to type, exits 0, creates nothing, and `--json` gives the same object as with a cache
 * (`cache: null`, every instance stale, never run).
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { InstanceStatus } from '../pipeline/status.ts';
import { TOY, workspace } from './fixtures/cli-workspace.ts';

test('status without a cache: nothing has run yet, what to type, exit 0, nothing created', async (t) => {
  const w = workspace();
  const r = await w.cli(['status', 'slow.ms=2']);
  t.is(r.exitCode, 0, r.stderr);
  const lines = String(r.stdout).split('\n');
  t.is(lines[0], `nothing has run yet: there is no cache at ${w.cache} (the directory does not exist).`);
  t.regex(lines[1]!, /^The 9 stage instances of profile quick are all to run\. To run them, type$/);
  // the same project, cache and overrides as the status command (the toy is not this repository's default project)
  t.is(lines[2], `  npx sgd-noise run --project ${TOY} --cache ${w.cache} slow.ms=2`);
  t.false(String(r.stdout).includes('npm start'), 'npm start runs the default project, not this one');
  t.is(r.stderr, '');
  t.false(existsSync(w.cache), 'status created the cache');
});

test('status --json without a cache: a valid object, cache null, every instance stale and never run', async (t) => {
  const w = workspace();
  const r = await w.cli(['status', '--json']);
  t.is(r.exitCode, 0, r.stderr);
  const status = JSON.parse(String(r.stdout)) as { profile: string; cache: string | null; cacheDir: string; instances: InstanceStatus[] };
  t.is(status.cache, null);
  t.is(status.cacheDir, w.cache);
  t.is(status.profile, 'quick');
  const dag = JSON.parse(String((await w.cli(['dag', '--json'])).stdout)) as { nodes: { instance: string; key: string }[] };
  t.deepEqual(
    status.instances.map((s) => [s.instance, s.key]),
    dag.nodes.map((n) => [n.instance, n.key]),
    'every instance of the plan, with its key',
  );
  t.true(status.instances.every((s) => s.state === 'stale' && s.reasons.join() === 'never run: there is no cache yet'));
  t.false(existsSync(w.cache));
  // once run, the same command names the cache and calls the instances fresh
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  const after = JSON.parse(String((await w.cli(['status', '--json', 'slow.ms=1'])).stdout)) as { cache: string; instances: InstanceStatus[] };
  t.is(after.cache, w.cache);
  t.true(after.instances.every((s) => s.state === 'fresh'));
  t.true(existsSync(path.join(w.cache, 'cache.mdb')));
});
