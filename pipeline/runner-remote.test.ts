import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirRemote } from '../cache/remote-dir.ts';
import { remoteLookup } from '../cache/remote.ts';
import { CacheStore } from '../cache/store.ts';
import type { RunEvent } from './events.ts';
import { buildPlan } from './plan.ts';
import { resolveConfig } from './project.ts';
import { runToCompletion, type RunOptions } from './runner.ts';
import toy, { executions } from '../test/fixtures/toy-project.ts';

const ALL = ['source', 'left', 'right', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'slow', 'summary'];
const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `sgdn-runremote-${p}-`));

function setup(remote: DirRemote): RunOptions {
  const dir = tmp('cache');
  const { config, profile } = resolveConfig(toy, undefined, []);
  const plan = buildPlan(toy.stages, config);
  return { plan, cache: CacheStore.open(dir), scope: profile, config, jobs: 4, publishRoot: dir, remote };
}

async function run(opts: RunOptions) {
  executions.clear();
  const events: RunEvent[] = [];
  const summary = await runToCompletion(opts, (e) => events.push(e));
  return { summary, events, counts: new Map(executions) };
}

// The toy project counts run() calls in a module-level map, so these run serially.
test.serial('a run pushes each computed entry (pushed events); a run on a fresh cache reports hits from the remote and computes nothing', async (t) => {
  const remote = DirRemote.open(tmp('remote'));
  const first = await run(setup(remote));
  t.true(first.summary.ok);
  const pushed = first.events.filter((e): e is Extract<RunEvent, { type: 'pushed' }> => e.type === 'pushed');
  t.deepEqual(pushed.map((e) => e.instance).sort(), [...ALL].sort());
  t.true(pushed.every((e) => !e.already && e.bytes > 0 && e.blobs > 0));
  t.true(first.events.filter((e) => e.type === 'hit').length === 0);

  const second = await run(setup(remote));
  t.true(second.summary.ok);
  t.is(second.counts.size, 0, 'nothing computed');
  const hits = second.events.filter((e): e is Extract<RunEvent, { type: 'hit' }> => e.type === 'hit');
  t.deepEqual(hits.map((e) => e.instance).sort(), [...ALL].sort());
  t.true(hits.every((e) => e.from === 'remote' && (e.bytes ?? 0) > 0));
  t.deepEqual([...second.summary.pulled].sort(), [...ALL].sort());
  t.deepEqual(second.summary.pushed, []);
});

test.serial(
  'a failing push is loud (remote-failed events, run not ok) and corrupts nothing: the local cache is complete, the remote has no entry',
  async (t) => {
    const root = tmp('remote');
    const remote = DirRemote.open(root);
    await remote.prepareWrite();
    // Break the remote after it was found writable: manifests can no longer be written.
    rmSync(path.join(root, 'manifests'), { recursive: true });
    writeFileSync(path.join(root, 'manifests'), 'not a directory');
    const opts = setup(remote);
    const { summary, events } = await run(opts);
    t.false(summary.ok);
    t.deepEqual([...summary.ran].sort(), [...ALL].sort(), 'every stage still ran');
    // each lookup in the remote failed (it cannot read manifests/ either), then each push
    for (const op of ['pull', 'push'])
      t.deepEqual(
        summary.remoteFailed
          .filter((f) => f.op === op)
          .map((f) => f.instance)
          .sort(),
        [...ALL].sort(),
        op,
      );
    const failed = events.find((e): e is Extract<RunEvent, { type: 'remote-failed' }> => e.type === 'remote-failed' && e.op === 'push')!;
    t.regex(
      failed.error,
      new RegExp(
        `^pushing to the remote failed: remote ${root}: cannot (list|write) .*manifests.* \\(a component of the path is not a directory, ENOTDIR\\).*kept in the local cache; \`sgd-noise cache push\` uploads it later`,
      ),
    );
    for (const id of ALL) t.is(opts.cache.lookup(opts.plan.nodes.get(id)!.key).status, 'hit', id);
    t.is(readFileSync(path.join(root, 'manifests'), 'utf8'), 'not a directory');
    rmSync(path.join(root, 'manifests'));
    for (const id of ALL) t.is(await remoteLookup(remote, opts.plan.nodes.get(id)!.key), 'absent');
    const leftovers = readdirSync(path.join(root, 'blobs'), { recursive: true }).filter((f) => String(f).includes('.tmp-'));
    t.deepEqual(leftovers, []);
  },
);

test.serial('a corrupt remote entry is reported (where: remote), recomputed, and replaced by the push', async (t) => {
  const root = tmp('remote');
  const remote = DirRemote.open(root);
  const a = setup(remote);
  await run(a);
  const key = a.plan.nodes.get('join')!.key;
  const manifest = JSON.parse(readFileSync(remote.manifestPath(key), 'utf8')).manifest;
  const blob = remote.blobPath(manifest.outputs.z.blob);
  chmodSync(blob, 0o644);
  const bytes = readFileSync(blob);
  bytes[0] ^= 0xff;
  writeFileSync(blob, bytes);
  const { summary, events, counts } = await run(setup(remote));
  t.true(summary.ok);
  t.true(events.some((e) => e.type === 'corrupt' && e.instance === 'join' && e.where === 'remote' && e.reason.includes(`${blob} does not match its hash`)));
  t.deepEqual([...counts.keys()], ['join']);
  t.deepEqual(summary.pushed, ['join']);
  t.is(await remoteLookup(remote, key), 'present');
});
