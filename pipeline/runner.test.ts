import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheStore } from '../cache/store.ts';
import type { RunEvent } from './events.ts';
import { buildPlan } from './plan.ts';
import { resolveConfig } from './project.ts';
import { dependentCounts, runToCompletion, type RunOptions } from './runner.ts';
import { defineStage } from './stage.ts';
import toy, { executions } from '../test/fixtures/toy-project.ts';

const TOY_MODULE = fileURLToPath(new URL('../test/fixtures/toy-project.ts', import.meta.url));

function setup(overrides: string[] = [], cacheDir?: string) {
  const dir = cacheDir ?? mkdtempSync(path.join(tmpdir(), 'sgdn-run-'));
  const { config, profile } = resolveConfig(toy, undefined, overrides);
  const plan = buildPlan(toy.stages, config);
  const opts: RunOptions = { plan, cache: CacheStore.open(dir), scope: profile, config, jobs: 4, publishRoot: dir };
  return { dir, opts, plan };
}

async function run(opts: RunOptions) {
  executions.clear();
  const events: RunEvent[] = [];
  const summary = await runToCompletion(opts, (e) => events.push(e));
  return { summary, events, counts: new Map(executions) };
}

const ALL = ['source', 'left', 'right', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'slow', 'summary'];

// These tests share the module-level `executions` counter, so they run serially.
test.serial('first run computes every instance once; an identical rerun is all hits and never calls run()', async (t) => {
  const { opts, dir } = setup();
  const first = await run(opts);
  t.true(first.summary.ok);
  t.deepEqual([...first.summary.ran].sort(), [...ALL].sort());
  for (const id of ALL) t.is(first.counts.get(id), 1, id); // shared upstreams (source, join) computed once
  const second = await run(opts);
  t.deepEqual(second.summary.ran, []);
  t.deepEqual([...second.summary.hits].sort(), [...ALL].sort());
  t.is(second.counts.size, 0, 'a cache hit must never call run()');
  const published = JSON.parse(readFileSync(path.join(dir, 'out/summary.json'), 'utf8'));
  t.deepEqual(Object.keys(published.totals).sort(), ['fan_a', 'fan_b', 'fan_c']);
});

test.serial('changing one config key reruns exactly the stages that read it and their descendants', async (t) => {
  const { opts, dir } = setup();
  await run(opts);
  const cases: Array<[string, string[]]> = [
    ['left.scale=3', ['left', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'summary']],
    ['right.offset=5', ['right', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'summary']],
    ['fan.per.b=7', ['fan[kind=b]', 'summary']],
    ['fan.factor=2', ['fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'summary']],
    ['slow.steps=3', ['slow', 'summary']],
    ['source.n=8', ALL],
  ];
  for (const [override, expected] of cases) {
    const next = setup([override], dir);
    const { summary, counts } = await run(next.opts);
    t.deepEqual([...summary.ran].sort(), [...expected].sort(), override);
    t.deepEqual([...counts.keys()].sort(), [...expected].sort(), override);
    t.deepEqual([...summary.hits].sort(), ALL.filter((id) => !expected.includes(id)).sort(), override);
  }
});

test.serial('a corrupted blob is detected, reported and recomputed', async (t) => {
  const { opts, plan } = setup();
  await run(opts);
  const key = plan.nodes.get('join')!.key;
  const manifest = opts.cache.getManifest(key)!;
  await opts.cache.unsafePutBlob(manifest.outputs.z!.blob, new Uint8Array(manifest.outputs.z!.bytes).fill(1));
  const { summary, events, counts } = await run(opts);
  t.true(summary.ok);
  t.true(events.some((e) => e.type === 'corrupt' && e.instance === 'join' && /do not match its hash/.test(e.reason)));
  t.deepEqual([...counts.keys()], ['join']);
  t.is(opts.cache.lookup(key).status, 'hit');
});

test.serial('--keep-going: dependents of a failed stage are skipped and named, other branches finish', async (t) => {
  const { opts } = setup(['slow.fail=true']);
  const { summary, events } = await run({ ...opts, keepGoing: true });
  t.false(summary.ok);
  t.deepEqual(
    summary.failed.map((f) => f.instance),
    ['slow'],
  );
  t.regex(summary.failed[0]!.error, /slow: diverged at iteration 2/);
  t.deepEqual(summary.skipped, [{ instance: 'summary', because: ['slow'] }]);
  t.deepEqual([...summary.ran].sort(), ALL.filter((id) => id !== 'slow' && id !== 'summary').sort());
  t.true(events.some((e) => e.type === 'skipped' && e.instance === 'summary'));
});

test.serial('without --keep-going a failure cancels what has not finished', async (t) => {
  const { opts } = setup(['slow.fail=true', 'slow.ms=20']);
  const { summary } = await run({ ...opts, jobs: 1 });
  t.false(summary.ok);
  t.deepEqual(
    summary.failed.map((f) => f.instance),
    ['slow'],
  );
  t.false(summary.ran.includes('summary'));
});

test.serial('--force recomputes only the named instances', async (t) => {
  const { opts } = setup();
  await run(opts);
  const { summary, counts } = await run({ ...opts, force: new Set(['right']) });
  t.deepEqual(summary.ran, ['right']);
  t.deepEqual([...counts.keys()], ['right']);
});

test.serial('outputs and keys do not depend on --jobs or scheduling', async (t) => {
  const a = setup();
  const b = setup();
  await run({ ...a.opts, jobs: 1 });
  await run({ ...b.opts, jobs: 8 });
  for (const id of ALL) {
    const ka = a.plan.nodes.get(id)!.key;
    t.is(ka, b.plan.nodes.get(id)!.key);
    const ma = a.opts.cache.getManifest(ka)!;
    const mb = b.opts.cache.getManifest(ka)!;
    t.deepEqual(
      Object.values(ma.outputs).map((o) => o.blob),
      Object.values(mb.outputs).map((o) => o.blob),
      id,
    );
  }
});

test.serial('a stage in a child process reports progress and stores its outputs through the cache', async (t) => {
  const { opts } = setup(['slow.ms=30', 'slow.steps=6']);
  const { summary, events } = await run({ ...opts, projectModule: TOY_MODULE });
  t.true(summary.ok, JSON.stringify(summary.failed));
  t.true(events.some((e) => e.type === 'start' && e.instance === 'slow' && e.where === 'child'));
  const progress = events.filter((e) => e.type === 'progress' && e.instance === 'slow');
  t.true(progress.length >= 2, `got ${progress.length} progress events`);
  // The stage's metrics cross the process boundary with its progress; the last report (done = total) is never dropped.
  for (const e of progress) {
    if (e.type !== 'progress') continue;
    t.deepEqual(e.metrics, [
      { name: 'step', label: 'step', value: e.done },
      { name: 'fraction', label: 'done', value: e.done / 6, format: 'percent' },
    ]);
  }
  t.like(progress.at(-1), { done: 6, total: 6, note: 'steps' });
  const manifest = opts.cache.getManifest(opts.plan.nodes.get('slow')!.key)!;
  t.not(manifest.meta.pid, process.pid, 'ran in another process');
});

test.serial('a child stage that can use threads gets idle cores as ctx.threads, never more than the budget', async (t) => {
  const { opts } = setup(['slow.ms=1', 'slow.steps=2', 'slow.threads=3']);
  const alone = await run({ ...opts, projectModule: TOY_MODULE, selected: new Set(['slow']), jobs: 4 });
  t.true(alone.summary.ok, JSON.stringify(alone.summary.failed));
  const start = alone.events.find((e) => e.type === 'start' && e.instance === 'slow');
  t.is(start?.type === 'start' ? start.threads : undefined, 3, 'alone: what it can use');
  t.is(opts.cache.getManifest(opts.plan.nodes.get('slow')!.key)!.meta.threads, 3);
  const { opts: small } = setup(['slow.ms=1', 'slow.steps=2', 'slow.threads=3']);
  await run({ ...small, projectModule: TOY_MODULE, selected: new Set(['slow']), jobs: 2 });
  t.is(small.cache.getManifest(small.plan.nodes.get('slow')!.key)!.meta.threads, 2, 'capped by the budget');
  t.is(small.plan.nodes.get('slow')!.key, opts.plan.nodes.get('slow')!.key, 'threads are not in the key');
});

test.serial('scheduling priority: the number of instances that depend on each one, directly or not', (t) => {
  const { plan } = setup();
  const counts = dependentCounts(plan);
  t.is(counts.get('summary'), 0);
  t.is(counts.get('slow'), 1);
  t.is(counts.get('source'), ALL.length - 1, 'everything waits on the source');
  for (const id of ALL) t.true(counts.has(id), id);
});

test.serial('cancelling stops a running child process and stores nothing for it', async (t) => {
  const { opts } = setup(['slow.ms=50', 'slow.steps=200']);
  const controller = new AbortController();
  const pending = run({ ...opts, projectModule: TOY_MODULE, signal: controller.signal });
  // Cancel once the child reports progress.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (executions.size >= 3) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  await new Promise((r) => setTimeout(r, 1500));
  controller.abort(new Error('test cancel'));
  const { summary } = await pending;
  t.false(summary.ok);
  t.true(summary.cancelled.includes('slow'));
  opts.cache.refresh();
  t.is(opts.cache.lookup(opts.plan.nodes.get('slow')!.key).status, 'miss');
});

/**
 * GPU stages for the budget tests: each logs `start X` and `end X` to a shared log, and between the two waits until
 * every instance it is told to meet has started (or 5 s, so that a budget that keeps them apart fails the assertion
 * instead of hanging). The assertions are on the order of the log, never on times.
 */
function gpuProject(gpus: Record<string, number>, meet: Record<string, string[]>) {
  const log: string[] = [];
  const granted: Record<string, number> = {};
  const started = (id: string) => log.includes(`start ${id}`);
  const stages = Object.keys(gpus).map((id) =>
    defineStage({
      id,
      version: 1,
      description: `needs ${gpus[id]} GPU(s)`,
      reads: [],
      gpus: () => gpus[id]!,
      async run(ctx) {
        log.push(`start ${id}`);
        granted[id] = ctx.gpus;
        const until = Date.now() + 5000;
        while (!(meet[id] ?? []).every(started) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
        log.push(`end ${id}`);
        return { gpus: ctx.gpus };
      },
    }),
  );
  const plan = buildPlan(stages, {});
  const opts: RunOptions = { plan, cache: CacheStore.open(mkdtempSync(path.join(tmpdir(), 'sgdn-gpu-'))), scope: 'test', config: {}, jobs: 4 };
  /** Whether the runs of `a` and `b` overlapped: each started before the other ended. */
  const overlap = (a: string, b: string) => log.indexOf(`start ${a}`) < log.indexOf(`end ${b}`) && log.indexOf(`start ${b}`) < log.indexOf(`end ${a}`);
  return { log, granted, opts, overlap };
}

test.serial('on one GPU two GPU stages never overlap, while a CPU stage runs beside them; ctx.gpus is the grant', async (t) => {
  // The CPU stage waits for both GPU stages to have started: it can end only if it runs beside them.
  const p = gpuProject({ gpuA: 1, gpuB: 1, cpu: 0 }, { gpuA: ['cpu'], gpuB: ['cpu'], cpu: ['gpuA', 'gpuB'] });
  const summary = await runToCompletion({ ...p.opts, gpus: 1 });
  t.true(summary.ok, JSON.stringify(summary.failed));
  t.false(p.overlap('gpuA', 'gpuB'), p.log.join(', '));
  t.true(p.overlap('cpu', 'gpuA') && p.overlap('cpu', 'gpuB'), p.log.join(', '));
  t.deepEqual(p.granted, { gpuA: 1, gpuB: 1, cpu: 0 });
});

test.serial('with two GPUs the two GPU stages can overlap; gpus is the default budget of 1 and a start event names the GPUs', async (t) => {
  const two = gpuProject({ gpuA: 1, gpuB: 1 }, { gpuA: ['gpuB'], gpuB: ['gpuA'] });
  t.true((await runToCompletion({ ...two.opts, gpus: 2 })).ok);
  t.true(two.overlap('gpuA', 'gpuB'), two.log.join(', '));
  const events: RunEvent[] = [];
  const one = gpuProject({ gpuA: 1, gpuB: 1 }, {});
  t.true((await runToCompletion(one.opts, (e) => events.push(e))).ok, 'no gpus option: a budget of 1');
  t.false(one.overlap('gpuA', 'gpuB'), one.log.join(', '));
  t.like(
    events.find((e) => e.type === 'start' && e.instance === 'gpuA'),
    { gpus: 1 },
  );
});

test.serial('an instance that needs more GPUs than the run has fails at once, naming it; so does a bad gpus()', async (t) => {
  const p = gpuProject({ big: 2, bad: -1, frac: 0.5, cpu: 0 }, {});
  const summary = await runToCompletion({ ...p.opts, gpus: 1, keepGoing: true });
  t.deepEqual(
    summary.failed.sort((a, b) => a.instance.localeCompare(b.instance)),
    [
      { instance: 'bad', error: 'bad: gpus() must return a non-negative integer (the GPUs one run needs), got -1' },
      { instance: 'big', error: 'big: needs 2 GPU(s), but this run has 1 (run --gpus N sets how many local runs may use)' },
      { instance: 'frac', error: 'frac: gpus() must return a non-negative integer (the GPUs one run needs), got 0.5' },
    ],
  );
  t.deepEqual(summary.ran, ['cpu']);
  t.false(p.log.includes('start big'), 'it never started');
});

test.serial('a child stage gets its GPUs as ctx.gpus through the worker; the GPU budget is not in the key', async (t) => {
  const { opts } = setup(['slow.gpus=1']);
  const { summary, events } = await run({ ...opts, projectModule: TOY_MODULE, selected: new Set(['slow']), gpus: 1 });
  t.true(summary.ok, JSON.stringify(summary.failed));
  t.like(
    events.find((e) => e.type === 'start' && e.instance === 'slow'),
    { where: 'child', gpus: 1 },
  );
  t.is(opts.cache.getManifest(opts.plan.nodes.get('slow')!.key)!.meta.gpus, 1);
  const again = await run({ ...opts, projectModule: TOY_MODULE, selected: new Set(['slow']), gpus: 3 });
  t.deepEqual(again.summary.ran, [], 'another budget: the same keys, all hits');
});
