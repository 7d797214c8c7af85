/**
 * End-to-end tests of issue 11's cache rows on the toy project, each on a copy of a real LMDB file damaged at the
 * byte level: a truncated or random file is named, never a crash (row 3); XORed page-header bytes are caught (row 4);
 * a manifest edited in place is corrupt and recomputed (row 5); `status` verifies what it calls fresh; `gc` refuses
 * while a run uses the cache (row 6); `cache verify` and `cache recover`.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execaNode } from 'execa';
import { CacheStore } from '../cache/store.ts';
import { copyCache, editManifest, flipBlob, leafPagesOf, randomizeCacheFile, removeBlob, truncateCacheFile, xorPageHeader } from './fixtures/damage.ts';

const BIN = fileURLToPath(new URL('../bin/sgd-noise.js', import.meta.url));
const TOY = fileURLToPath(new URL('./fixtures/toy-project.ts', import.meta.url));
/** Large enough that blobs live on overflow pages and the manifests tree has several leaves. */
const CONFIGS = [['source.n=20000'], ['source.n=20000', 'left.scale=3'], ['source.n=20000', 'left.scale=4', 'right.offset=2']];
const BASE = CONFIGS[0]!;
const DAMAGED = /cache file .*cache\.mdb is damaged \((.+)\); move it aside; `sgd-noise cache verify` \/ `sgd-noise cache recover` can salvage entries/;
const STACK = /\n\s+at /;

function workspace(extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-damage-'));
  const cacheDir = path.join(dir, 'cache');
  mkdirSync(cacheDir);
  const env = { TOY_ROOT: dir, TOY_PID_FILE: path.join(dir, 'worker.pid'), ...extraEnv };
  const cli = (args: string[], more: Record<string, string> = {}) =>
    execaNode(BIN, [...args, '--project', TOY, '--cache', cacheDir], { env: { ...env, ...more }, reject: false });
  return { dir, cacheDir, env, cli };
}

let template: string;

test.before(async () => {
  const w = workspace();
  for (const config of CONFIGS) {
    const r = await w.cli(['run', ...config]);
    if (r.exitCode !== 0) throw new Error(`building the template cache failed: ${r.stderr}`);
  }
  template = w.cacheDir;
});

/** A workspace whose cache is a copy of the template's file. */
function copied() {
  const w = workspace();
  copyCache(template, w.cacheDir);
  return w;
}

/** The cache key of `instance` under the base config, as the CLI reports it. */
async function keyOf(w: ReturnType<typeof workspace>, instance: string): Promise<string> {
  const dag = JSON.parse((await w.cli(['dag', '--json', ...BASE])).stdout) as { nodes: { instance: string; key: string }[] };
  return dag.nodes.find((n) => n.instance === instance)!.key;
}

const entryCount = async (cacheDir: string): Promise<number> => {
  const store = CacheStore.open(cacheDir);
  const n = [...store.entries()].length;
  await store.close();
  return n;
};

test('row 3: a truncated cache file is named by every command, exit 1, no signal, no stack trace', async (t) => {
  const w = copied();
  truncateCacheFile(w.cacheDir, 0.5);
  for (const args of [['ls'], ['status'], ['run'], ['show', 'left']]) {
    const r = await w.cli([...args, ...BASE]);
    t.is(r.signal, undefined, `${args[0]}: killed by ${r.signal}`);
    t.is(r.exitCode, 1, `${args[0]}: ${r.stderr}`);
    t.regex(r.stderr, DAMAGED, args[0]);
    t.regex(r.stderr, /truncated: the file is \d+ bytes, but its newest meta page .* says it holds pages 0–\d+ of 4096 bytes/);
    t.notRegex(r.stderr, STACK);
  }
});

test('row 3: a cache file of random bytes is named, exit 1, no signal', async (t) => {
  const w = copied();
  randomizeCacheFile(w.cacheDir);
  for (const args of [['ls'], ['run']]) {
    const r = await w.cli([...args, ...BASE]);
    t.is(r.signal, undefined);
    t.is(r.exitCode, 1, r.stderr);
    t.regex(r.stderr, DAMAGED);
    t.regex(r.stderr, /does not start with LMDB's magic number 0xbeefc0de/);
    t.notRegex(r.stderr, STACK);
  }
});

test('row 4: 32 XORed bytes of a page header are caught before ls miscounts or run fails to commit', async (t) => {
  const w = copied();
  const total = await entryCount(w.cacheDir);
  const leaves = leafPagesOf(w.cacheDir, 'manifests');
  t.true(leaves.length >= 3, `the manifests tree has ${leaves.length} leaves`);
  xorPageHeader(w.cacheDir, leaves[1]!);
  const ls = await w.cli(['ls', ...BASE]);
  t.is(ls.exitCode, 1, `ls exited ${ls.exitCode}: ${ls.stdout.split('\n').at(-1)}`);
  t.regex(ls.stderr, DAMAGED);
  t.regex(ls.stderr, new RegExp(`table 'manifests', page ${leaves[1]}: its header names page \\d+ \\(page header overwritten\\)`));
  const run = await w.cli(['run', ...BASE]);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, DAMAGED);
  t.notRegex(run.stderr, /Commit failed|TypeError/);
  const verify = await w.cli(['cache', 'verify', '--json']);
  t.is(verify.exitCode, 1);
  const report = JSON.parse(verify.stdout);
  t.false(report.ok);
  t.false(report.structure.ok);
  t.true(report.entries.ok < total, `${report.entries.ok} of ${total} entries verify`);
});

test('row 5: a manifest edited in place is corrupt for show, recomputed by run, and then right again', async (t) => {
  const w = copied();
  await editManifest(w.cacheDir, await keyOf(w, 'left'), (m) => ({ ...m, config: { ...(m.config as object), 'left.scale': 900 } }));
  const show = await w.cli(['show', 'left', '--json', ...BASE]);
  t.is(show.exitCode, 0, show.stderr);
  const shown = JSON.parse(show.stdout);
  t.false(shown.cached);
  t.regex(shown.reasons[0], /corrupt .*does not prove its key/);
  const run = await w.cli(['run', '--json', ...BASE]);
  t.is(run.exitCode, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  t.true(summary.ran.includes('left'), `ran: ${summary.ran}`);
  t.false(summary.hits.includes('left'));
  const after = JSON.parse((await w.cli(['show', 'left', '--json', ...BASE])).stdout);
  t.true(after.cached);
  t.is(after.config['left.scale'], 2);
});

test('row 5: a manifest with another seed is not served', async (t) => {
  const w = copied();
  await editManifest(w.cacheDir, await keyOf(w, 'source'), (m) => ({ ...m, seed: (m.seed as number) + 1 }));
  // The seed is not part of the key fields, but a changed manifest must not be trusted: it must still hash to its key.
  const run = await w.cli(['run', '--json', ...BASE]);
  t.is(run.exitCode, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  t.true(summary.ran.includes('source'), `ran: ${summary.ran}; hits: ${summary.hits}`);
});

test('status verifies what it calls fresh; --quick says it did not look', async (t) => {
  const w = copied();
  await flipBlob(w.cacheDir, await keyOf(w, 'right'), 'y');
  const status = JSON.parse((await w.cli(['status', '--json', ...BASE])).stdout);
  t.true(status.verified);
  const right = status.instances.find((s: { instance: string }) => s.instance === 'right');
  t.is(right.state, 'stale');
  t.regex(right.reasons[0], /its cache entry is corrupt \(output 'y' blob .* do not match its hash\)/);
  const quick = JSON.parse((await w.cli(['status', '--quick', '--json', ...BASE])).stdout);
  const unverified = quick.instances.find((s: { instance: string }) => s.instance === 'right');
  t.is(unverified.state, 'fresh');
  t.false(unverified.verified);
  const text = await w.cli(['status', '--quick', ...BASE]);
  t.regex(text.stdout, /NOT verified \(--quick\)/);
});

test('row 6: gc refuses while a run uses the cache, naming its pid, and the run keeps every entry', async (t) => {
  const gate = path.join(tmpdir(), `sgdn-gate-${process.pid}-${Date.now()}`);
  writeFileSync(gate, 'held');
  const w = workspace({ TOY_GATE: gate });
  const slow = ['slow.ms=1'];
  const run = w.cli(['run', ...slow]);
  const t0 = Date.now();
  while (!existsSync(w.env.TOY_PID_FILE)) {
    if (Date.now() - t0 > 30_000) throw new Error('the worker did not start');
    await sleep(25);
  }
  const gc = await w.cli(['gc', '--json', ...slow]);
  t.is(gc.exitCode, 1, gc.stdout);
  t.regex(gc.stderr, /another sgd-noise process \(pid [\d, ]+\) is using this cache .*gc needs it alone/);
  t.true(gc.stderr.includes(String(run.pid)), `names the runner's pid ${run.pid}: ${gc.stderr}`);
  t.notRegex(gc.stderr, STACK);
  const recover = await w.cli(['cache', 'recover']);
  t.is(recover.exitCode, 1);
  t.regex(recover.stderr, /another sgd-noise process \(pid [\d, ]+\) is using this cache .*cache recover needs it alone/);
  rmSync(gate);
  const done = await run;
  t.is(done.exitCode, 0, done.stderr);
  const rerun = JSON.parse((await w.cli(['run', '--json', ...slow])).stdout);
  t.is(rerun.hits.length, 9, `hits ${rerun.hits}, ran ${rerun.ran}`);
  const after = await w.cli(['gc', '--json', ...slow]);
  t.is(after.exitCode, 0, after.stderr);
  t.is(JSON.parse(after.stdout).manifests.kept, 9);
});

test('cache verify: a healthy cache verifies; a flipped blob, a missing blob and an edited manifest are each named', async (t) => {
  const w = copied();
  const total = await entryCount(w.cacheDir);
  const healthy = await w.cli(['cache', 'verify', '--json']);
  t.is(healthy.exitCode, 0, healthy.stdout);
  const ok = JSON.parse(healthy.stdout);
  t.true(ok.ok);
  t.is(ok.entries.checked, total);
  const hash = await flipBlob(w.cacheDir, await keyOf(w, 'join'), 'z');
  const gone = await removeBlob(w.cacheDir, await keyOf(w, 'right'), 'y');
  const edited = await keyOf(w, 'left');
  await editManifest(w.cacheDir, edited, (m) => ({ ...m, params: { extra: 1 } }));
  const bad = await w.cli(['cache', 'verify']);
  t.is(bad.exitCode, 1);
  t.regex(bad.stdout, new RegExp(`BAD blob ${hash.slice(0, 12)}: bytes do not match their hash`));
  t.regex(bad.stdout, new RegExp(`BAD entry [0-9a-f]{12}: output 'z' blob ${hash.slice(0, 12)} bytes do not match its hash`));
  t.regex(bad.stdout, new RegExp(`BAD entry [0-9a-f]{12}: output 'y' blob ${gone.slice(0, 12)} is missing`));
  t.regex(bad.stdout, new RegExp(`BAD entry ${edited.slice(0, 12)}: manifest does not prove its key`));
});

test('cache recover salvages a truncated file into a fresh one, keeps the old one aside, and run recomputes the rest', async (t) => {
  const w = copied();
  const total = await entryCount(w.cacheDir);
  truncateCacheFile(w.cacheDir, 0.6);
  const r = await w.cli(['cache', 'recover', '--json']);
  t.is(r.exitCode, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  t.true(report.entries.copied > 0 && report.entries.copied < total, `copied ${report.entries.copied} of ${total}`);
  t.is(report.entries.copied, report.entries.ok + report.scavenged.copied, 'through the trees or by the page scan');
  t.true(existsSync(report.damagedFile));
  t.regex(report.damagedFile, /cache\.mdb\.damaged-\d{4}-/);
  t.is((await w.cli(['cache', 'verify'])).exitCode, 0);
  t.is(await entryCount(w.cacheDir), report.entries.copied);
  const run = await w.cli(['run', '--json', ...BASE]);
  t.is(run.exitCode, 0, run.stderr);
  t.is(JSON.parse(run.stdout).ok, true);
});

test('cache recover: a reader killed by a signal is reported with the item, the others are copied, the page scan adds it back', async (t) => {
  const w = copied();
  const total = await entryCount(w.cacheDir);
  const store = CacheStore.open(w.cacheDir);
  const victim = [...store.manifestKeys()][2]!;
  await store.close();
  const out = path.join(w.dir, 'salvaged');
  const r = await w.cli(['cache', 'recover', '--out', out, '--json'], { SGD_NOISE_TEST_SALVAGE_CRASH: victim });
  t.is(r.exitCode, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  t.true(report.complete);
  t.is(report.readersStarted, 2);
  t.deepEqual(report.findings, [{ kind: 'entry', key: victim, problem: 'reading it killed the reader (SIGSEGV)' }]);
  t.is(report.entries.ok, total - 1, 'every other entry came through the trees');
  t.is(report.scavenged.copied, 1, 'the page scan found the one the reader could not read');
  t.is(report.damagedFile, undefined, '--out leaves the original in place');
  t.true(readFileSync(path.join(w.cacheDir, 'cache.mdb')).equals(readFileSync(path.join(template, 'cache.mdb'))));
  t.is(await entryCount(out), total);
});
