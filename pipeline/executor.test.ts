/**
 * The runner with an executor of its own: isolated instances go to `Executor.run` (here a stand-in for a job queue
 * that runs the stage with `executeStage` in a cache of its own and hands the entry back through a remote), light
 * ones stay inline; an executor that does not use local cores is not held to `jobs`; job reports become `job` events.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirRemote } from '../cache/remote-dir.ts';
import { pullEntries, pushEntries } from '../cache/remote.ts';
import { CacheStore } from '../cache/store.ts';
import toy from '../test/fixtures/toy-project.ts';
import type { RunEvent } from './events.ts';
import { executeStage } from './execute.ts';
import type { Executor, ExecutorJob } from './executor.ts';
import { buildPlan } from './plan.ts';
import { resolveConfig } from './project.ts';
import { runToCompletion } from './runner.ts';

const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `sgdn-executor-${p}-`));

test('isolated instances run through the executor, the rest inline; its job reports are events', async (t) => {
  const remote = DirRemote.open(tmp('remote'));
  const dir = tmp('cache');
  const cache = CacheStore.open(dir);
  const queueCache = CacheStore.open(tmp('queue'));
  const calls: ExecutorJob[] = [];
  const queue: Executor = {
    name: 'queue',
    usesLocalCores: false,
    threadsFor: () => 3,
    async run(job, hooks) {
      calls.push(job);
      hooks.job?.({ jobId: 'q1', state: 'running', detail: 'picked up', attempt: 1 });
      await pullEntries(remote, queueCache, Object.values(job.node.inputKeys));
      await executeStage(job.node, queueCache, { ...hooks, threads: job.threads });
      await pushEntries(queueCache, remote, [job.node.key]);
      hooks.job?.({ jobId: 'q1', state: 'done', detail: 'finished', attempt: 1 });
      await pullEntries(remote, cache, [job.node.key]); // into the runner's cache, as the Slurm executor does
    },
  };
  const { config, profile } = resolveConfig(toy, undefined, []);
  const plan = buildPlan(toy.stages, config);
  const events: RunEvent[] = [];
  const summary = await runToCompletion({ plan, cache, scope: profile, config, jobs: 1, publishRoot: dir, remote, executor: queue }, (e) => events.push(e));
  t.true(summary.ok, JSON.stringify(summary.failed));
  t.deepEqual(calls.map((c) => [c.node.instance, c.threads]), [['slow', 3]], 'only the isolated stage, with the threads the executor grants (not the budget of 1)');
  t.like(events.find((e) => e.type === 'start' && e.instance === 'slow'), { where: 'child', executor: 'queue', threads: 3 });
  t.deepEqual(
    events.filter((e) => e.type === 'job').map((e) => (e.type === 'job' ? [e.instance, e.jobId, e.state] : [])),
    [['slow', 'q1', 'running'], ['slow', 'q1', 'done']],
  );
  t.is(cache.lookup(plan.nodes.get('slow')!.key).status, 'hit');
  t.true(events.some((e) => e.type === 'start' && e.instance === 'join' && e.where === 'inline' && e.executor === undefined));
  await cache.close();
  await queueCache.close();
});
