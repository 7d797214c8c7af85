/**
 * Class 5 of issue 23: deleting the cache's lock files under a live user never lets `gc` run, stale markers are
 * dropped, and a holder notices a replaced lock file. Real processes: a holder that opens the cache as a run does
 * (test/fixtures/cache-holder.ts) and the real `sgd-noise gc`.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaNode, type ResultPromise } from 'execa';
import { BIN, TOY, waitFor } from '../test/fixtures/cli-workspace.ts';

const HOLDER = fileURLToPath(new URL('../test/fixtures/cache-holder.ts', import.meta.url));

/** Starts a holder of the cache in `dir`; resolves once it has the cache open. */
async function holder(t: import('ava').ExecutionContext, dir: string) {
  const child = execaNode(HOLDER, [dir], { nodeOptions: ['--import', 'tsx'], stdin: 'pipe', reject: false, buffer: false });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => void (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => void (err += b.toString()));
  t.teardown(() => void child.kill('SIGKILL'));
  await waitFor(() => out.includes('ready'), 'the holder to open the cache');
  return { child, out: () => out, err: () => err, pid: child.pid! };
}

function cacheDir(): { root: string; cache: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-lock-'));
  return { root, cache: path.join(root, 'cache') };
}

const gc = (root: string, cache: string) => execaNode(BIN, ['gc', '--project', TOY, '--cache', cache], { env: { TOY_ROOT: root }, reject: false });

async function stop(child: ResultPromise): Promise<void> {
  child.stdin!.end();
  await child;
}

test('deleting cache.lock and cache.mdb-lock under a live user: a real gc still refuses, naming its pid', async (t) => {
  const { root, cache } = cacheDir();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const h = await holder(t, cache);
  rmSync(path.join(cache, 'cache.lock'));
  rmSync(path.join(cache, 'cache.mdb-lock'));
  const r = await gc(root, cache);
  t.is(r.exitCode, 1, `gc ran under a live user: ${r.stdout}${r.stderr}`);
  t.regex(r.stderr, new RegExp(`another sgd-noise process \\(pid [\\d, ]*${h.pid}[\\d, ]*\\) is using this cache .*gc needs it alone`));
  t.notRegex(r.stderr, /\n\s+at /);
  await stop(h.child);
});

test('deleting the lock files and the markers too: the lock on cache.mdb alone keeps gc out', async (t) => {
  const { root, cache } = cacheDir();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const h = await holder(t, cache);
  for (const f of ['cache.lock', 'cache.mdb-lock', 'cache.users']) rmSync(path.join(cache, f), { recursive: true });
  const r = await gc(root, cache);
  t.is(r.exitCode, 1, `gc ran under a live user: ${r.stdout}${r.stderr}`);
  t.regex(r.stderr, /gc needs it alone/);
  await stop(h.child);
});

test('a marker of a dead process is stale: gc runs and removes it', async (t) => {
  const { root, cache } = cacheDir();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const h = await holder(t, cache);
  await stop(h.child);
  const dead = execaNode('-e', ['0']);
  await dead;
  mkdirSync(path.join(cache, 'cache.users'), { recursive: true });
  writeFileSync(path.join(cache, 'cache.users', String(dead.pid)), 'node gone\n');
  const r = await gc(root, cache);
  t.is(r.exitCode, 0, r.stderr);
  t.false(existsSync(path.join(cache, 'cache.users', String(dead.pid))), 'the stale marker was removed');
});

test('a holder whose cache.lock is deleted locks it again with one line on stderr, and still commits', async (t) => {
  const { root, cache } = cacheDir();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const h = await holder(t, cache);
  rmSync(path.join(cache, 'cache.lock'));
  await waitFor(() => h.err().includes('locked it again'), 'the holder to notice the deleted lock file', 15_000);
  t.regex(h.err(), /the lock file \S+cache\.lock was deleted or replaced while this process \(pid \d+\) used the cache; locked it again/);
  t.true(existsSync(path.join(cache, 'cache.lock')));
  t.true(existsSync(path.join(cache, 'cache.users', String(h.pid))), 'its marker is there');
  h.child.stdin!.write('commit\n');
  await waitFor(() => /committed|error/.test(h.out()), 'the commit');
  t.regex(h.out(), /committed/);
  await stop(h.child);
});

test('a holder whose LMDB lock file is deleted stops writing: its next commit fails naming the file', async (t) => {
  const { root, cache } = cacheDir();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const h = await holder(t, cache);
  rmSync(path.join(cache, 'cache.mdb-lock'));
  h.child.stdin!.write('commit\n');
  await waitFor(() => /committed|error/.test(h.out()), 'the commit');
  t.regex(h.out(), /error: \S+cache\.mdb-lock was deleted or replaced while this process had the cache open; stopped writing to it/);
  await stop(h.child);
});
