/**
 * End-to-end tests of the `sgd-noise` command on the toy project: kill -9 of a worker, SIGTERM of the runner,
 * two concurrent runs on one cache, bad configuration, and JSON output of the inspection commands.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execaNode } from 'execa';
import { CacheStore } from '../cache/store.ts';

const BIN = fileURLToPath(new URL('../bin/sgd-noise.js', import.meta.url));
const TOY = fileURLToPath(new URL('./fixtures/toy-project.ts', import.meta.url));

function workspace() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-cli-'));
  const env = { TOY_ROOT: dir, TOY_LOG: path.join(dir, 'log.txt'), TOY_PID_FILE: path.join(dir, 'worker.pid') };
  const cli = (args: string[]) => execaNode(BIN, [...args, '--project', TOY, '--cache', path.join(dir, 'cache')], { env, reject: false, all: false });
  const executed = () => (existsSync(env.TOY_LOG) ? readFileSync(env.TOY_LOG, 'utf8').trim().split('\n').filter(Boolean) : []);
  return { dir, env, cli, executed };
}

/** Opens the cache (after every CLI process has exited) and checks every entry's manifest and blob hashes. */
async function assertConsistent(t: import('ava').ExecutionContext, dir: string): Promise<Map<string, string>> {
  const cache = CacheStore.open(path.join(dir, 'cache'));
  cache.refresh();
  const byInstance = new Map<string, string>();
  for (const { key, manifest, error } of cache.entries()) {
    t.is(error, undefined, `entry ${key} unreadable`);
    t.is(cache.lookup(key).status, 'hit', `entry ${key} (${manifest?.instance}) fails verification`);
    if (manifest) byInstance.set(manifest.instance, key);
  }
  await cache.close();
  return byInstance;
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const SLOW = ['slow.ms=50', 'slow.steps=40'];

test('kill -9 of a worker mid-stage leaves the cache consistent, and the next run resumes', async (t) => {
  const w = workspace();
  const run = w.cli(['run', ...SLOW]);
  await waitFor(() => existsSync(w.env.TOY_PID_FILE), 'the worker to start');
  await sleep(300);
  const pid = Number(readFileSync(w.env.TOY_PID_FILE, 'utf8'));
  process.kill(pid, 'SIGKILL');
  const first = await run;
  t.is(first.exitCode, 1);
  t.regex(first.stderr, /FAILED\s+slow: worker process killed by SIGKILL/);
  const entries = await assertConsistent(t, w.dir);
  t.false(entries.has('slow'), 'no entry for the killed stage');
  t.false(entries.has('summary'));
  const before = w.executed().length;
  const second = await w.cli(['run', ...SLOW]);
  t.is(second.exitCode, 0, second.stderr);
  t.deepEqual(w.executed().slice(before).sort(), ['slow', 'summary'], 'only the interrupted stage and its dependent rerun');
  const after = await assertConsistent(t, w.dir);
  t.is(after.size, 9);
});

test('SIGTERM cancels cleanly: the worker is stopped, nothing half-written is stored, exit code 143', async (t) => {
  const w = workspace();
  const run = w.cli(['run', ...SLOW]);
  await waitFor(() => existsSync(w.env.TOY_PID_FILE), 'the worker to start');
  await sleep(300);
  const pid = Number(readFileSync(w.env.TOY_PID_FILE, 'utf8'));
  run.kill('SIGTERM');
  const result = await run;
  t.is(result.exitCode, 143, result.stderr);
  t.regex(result.stderr, /SIGTERM: cancelling/);
  await waitFor(() => !alive(pid), 'the worker to exit', 10_000);
  const entries = await assertConsistent(t, w.dir);
  t.false(entries.has('slow'));
  const resumed = await w.cli(['run', ...SLOW]);
  t.is(resumed.exitCode, 0, resumed.stderr);
});

test('two processes running the same pipeline on one cache both finish and leave it consistent', async (t) => {
  const w = workspace();
  const args = ['run', 'slow.ms=20', 'slow.steps=20', '--jobs', '2'];
  const [a, b] = await Promise.all([w.cli(args), w.cli(args)]);
  t.is(a.exitCode, 0, a.stderr);
  t.is(b.exitCode, 0, b.stderr);
  const entries = await assertConsistent(t, w.dir);
  t.is(entries.size, 9);
  const third = await w.cli(['run', 'slow.ms=20', 'slow.steps=20', '--json']);
  const summary = JSON.parse(third.stdout);
  t.is(summary.hits.length, 9);
  t.is(summary.ran.length, 0);
});

test('a bad config value is rejected before anything runs, naming its path', async (t) => {
  const w = workspace();
  const result = await w.cli(['run', 'slow.steps=-3', 'fan.factorr=1']);
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /slow\.steps: Number must be greater than 0/);
  t.regex(result.stderr, /fan\.factorr: unknown key \(known here: kinds, factor, per\)/);
  t.deepEqual(w.executed(), []);
});

test('inspection commands print only JSON on stdout with --json', async (t) => {
  const w = workspace();
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  for (const args of [['status'], ['dag'], ['ls'], ['show', 'join'], ['show', 'fan'], ['gc', '--dry-run'], ['run', '--dry-run']]) {
    const r = await w.cli([...args, '--json', 'slow.ms=1']);
    t.is(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    t.notThrows(() => JSON.parse(r.stdout), args.join(' '));
  }
  const show = JSON.parse((await w.cli(['show', 'join', '--json', 'slow.ms=1'])).stdout);
  t.deepEqual(show.outputs.z.shape, [16]);
  t.is(typeof show.outputs.z.mean, 'number');
  const status = JSON.parse((await w.cli(['status', '--json', 'slow.ms=1', 'right.offset=3'])).stdout);
  const right = status.instances.find((s: { instance: string }) => s.instance === 'right');
  t.deepEqual(right.reasons, ['config right.offset: 1 → 3']);
  const dry = JSON.parse((await w.cli(['run', '--dry-run', '--json', '--only', 'left', 'right', 'slow.ms=1'])).stdout);
  t.deepEqual(
    dry.instances.map((r: { instance: string }) => r.instance),
    ['source', 'left', 'right'],
  );
  // Instance ids contain '=' and ',' and are still patterns, not overrides or list separators.
  const ids = JSON.parse((await w.cli(['run', '--dry-run', '--json', '--only', 'fan[kind=a],fan[kind=c]', 'slow.ms=1'])).stdout);
  t.deepEqual(
    ids.instances.map((r: { instance: string }) => r.instance).filter((i: string) => i.startsWith('fan')),
    ['fan[kind=a]', 'fan[kind=c]'],
  );
  const csv = (await w.cli(['export', 'join', '--format', 'csv', 'slow.ms=1'])).stdout.split('\n');
  t.is(csv[0], 'index,z');
  t.is(csv.length, 17); // header + 16 rows (execa strips the final newline)
});

test('export through a pipe is whole: a 1 MB output is not cut at the pipe buffer when the command exits', async (t) => {
  const w = workspace();
  const n = ['source.n=50000', '--only', 'source'];
  t.is((await w.cli(['run', ...n])).exitCode, 0);
  // execa reads stdout through a pipe, as `sgd-noise export … | jq` does; before the fix it got the first 64 KiB.
  const r = await w.cli(['export', 'source', '--format', 'json', ...n]);
  t.is(r.exitCode, 0, r.stderr);
  t.true(r.stdout.length > 512 * 1024, `${r.stdout.length} bytes`);
  const x = JSON.parse(r.stdout).outputs.x as { data: number[] };
  t.is(x.data.length, 50_000);
});

test('gc keeps what the current config reaches and drops the rest', async (t) => {
  const w = workspace();
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  t.is((await w.cli(['run', 'slow.ms=1', 'left.scale=9'])).exitCode, 0);
  const dry = JSON.parse((await w.cli(['gc', '--dry-run', '--json', 'slow.ms=1', 'left.scale=9'])).stdout);
  t.is(dry.manifests.removed.length, 6); // left, join, 3 fans, summary of the first config
  const gc = JSON.parse((await w.cli(['gc', '--json', 'slow.ms=1', 'left.scale=9'])).stdout);
  t.is(gc.manifests.kept, 9);
  const rerun = JSON.parse((await w.cli(['run', '--json', 'slow.ms=1', 'left.scale=9'])).stdout);
  t.is(rerun.hits.length, 9);
});
