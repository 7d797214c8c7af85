/**
 * The batch executor's adoption of jobs an earlier coordinator left, and its one-coordinator lock, against a fake
 * scheduler (no cluster): a coordinator that stops watching (or dies) leaves its jobs in the jobs file; the next one on
 * the same cache waits on the job whose instance key it claims instead of submitting another, counts it as the same
 * attempt, resubmits it within the retry budget when it ended badly meanwhile, takes a lost job whose entry reached
 * the remote as done, keeps the jobs no instance claims listed (states refreshed at the end), and refuses to start
 * while another coordinator holds the lock. The "jobs" are played by the test: it computes the entry in a cache of
 * its own and pushes it to the remote, as `sgd-noise exec` would.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirRemote } from '../../cache/remote-dir.ts';
import { pushEntries } from '../../cache/remote.ts';
import { CacheStore } from '../../cache/store.ts';
import toy from '../../test/fixtures/toy-project.ts';
import { executeStage, StageFailure, type ExecHooks } from '../execute.ts';
import type { ExecutorHooks, JobReport } from '../executor.ts';
import { buildPlan, type PlanNode } from '../plan.ts';
import { resolveConfig } from '../project.ts';
import { BatchExecutor, jobsStatus, type BatchJobState, type BatchScheduler, type BatchSubmission } from './batch.ts';
import { CoordinatorBusyError } from './coordinator-lock.ts';
import { readJobsFile, type JobsFile } from './jobs-file.ts';

const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `sgdn-batch-${p}-`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake scheduler whose jobs stay RUNNING until the test sets their state; it outlives the coordinators. */
class FakeScheduler {
  submitted: BatchSubmission[] = [];
  cancelCalls: string[][] = [];
  states_ = new Map<string, BatchJobState>();
  private next = 1;
  /** The scheduler as one coordinator sees it. */
  api(): BatchScheduler {
    return {
      label: 'Fake',
      submittedState: 'WAITING',
      cancelCommand: 'fake-cancel',
      logRole: 'slurmLogs',
      neverStartsAdvice: '',
      script: ({ argv }) => `#!/bin/sh\nexec ${argv.join(' ')}\n`,
      submit: async (job) => {
        this.submitted.push(job);
        const id = `f${this.next++}`;
        this.set(id, 'running');
        return id;
      },
      states: async (ids) => new Map(ids.map((id) => [id, this.states_.get(id) ?? { state: 'GONE', phase: 'lost', detail: 'GONE' }])),
      cancel: async (ids) => {
        this.cancelCalls.push([...ids]);
        for (const id of ids) this.set(id, 'failed', 'CANCELLED');
      },
    };
  }
  set(id: string, phase: BatchJobState['phase'], state = phase.toUpperCase()): void {
    this.states_.set(id, { state, phase, detail: state });
  }
}

/** Two toy configs whose `slow` instances differ, a coordinator cache holding their inputs, a remote, a jobs file. */
async function setup() {
  const remote = DirRemote.open(tmp('remote'));
  const cache = CacheStore.open(tmp('coordinator'));
  const side = CacheStore.open(tmp('jobs'));
  const nodes: { node: PlanNode; config: Record<string, unknown> }[] = [];
  for (const ms of [1, 2]) {
    const { config } = resolveConfig(toy, undefined, [`slow.ms=${ms}`]);
    nodes.push({ node: buildPlan(toy.stages, config).nodes.get('slow')!, config });
  }
  const quiet: ExecHooks = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
  const { config } = resolveConfig(toy, undefined, []);
  const source = buildPlan(toy.stages, config).nodes.get('source')!;
  await executeStage(source, cache, quiet);
  await executeStage(source, side, quiet);
  const fake = new FakeScheduler();
  const jobsFile = path.join(tmp('state'), 'fake-jobs.json');
  const logDir = tmp('logs');
  /** A coordinator on this cache (a fresh process would make a fresh one). */
  const coordinator = (retries = 1) =>
    new BatchExecutor('fake', fake.api(), {
      cache,
      remote,
      remoteLocation: remote.location,
      logDir,
      command: ['node', 'sgd-noise.js'],
      planArgs: [],
      pollMs: 20,
      retries,
      jobsFile,
    });
  const hooks = (signal: AbortSignal, logs: string[] = [], reports: JobReport[] = []): ExecutorHooks => ({
    signal,
    progress: () => undefined,
    log: (m) => logs.push(m),
    job: (r) => reports.push(r),
  });
  /** Plays the job of node `i`: computes its entry and pushes it to the remote. */
  const complete = async (i: number) => {
    await executeStage(nodes[i]!.node, side, quiet);
    await pushEntries(side, remote, [nodes[i]!.node.key]);
  };
  const job = (i: number) => ({ node: nodes[i]!.node, config: nodes[i]!.config, cacheDir: cache.dir, threads: 1, run: { profile: 'quick', overrides: [] } });
  const file = () => JSON.parse(readFileSync(jobsFile, 'utf8')) as JobsFile;
  /** A first coordinator that submits the jobs of `which`, sees them running, then stops watching (its time limit). */
  const leaveRunning = async (which: number[]) => {
    const first = coordinator();
    const runs = which.map((i) => first.run(job(i), hooks(new AbortController().signal)).catch(() => undefined));
    while (file().jobs.filter((j) => j.phase === 'running').length < which.length) await sleep(5);
    first.leave();
    void runs; // they never settle: the process would have ended here
    return file();
  };
  return { cache, remote, fake, nodes, coordinator, hooks, complete, job, file, jobsFile, leaveRunning };
}

test('a job an earlier coordinator left running is adopted by the next one: waited on, not submitted again', async (t) => {
  const s = await setup();
  const left = await s.leaveRunning([0]);
  t.truthy(left.leftAt, 'the jobs file says the coordinator left its jobs');
  t.is(s.fake.submitted.length, 1);
  const [earlier] = left.jobs;

  const next = s.coordinator();
  t.deepEqual(
    s.file().jobs.map((j) => [j.jobId, j.phase, j.fromRun]),
    [[earlier!.jobId, 'running', left.runId]],
    'the new jobs file lists the job it may adopt',
  );
  const logs: string[] = [];
  const reports: JobReport[] = [];
  const run = next.run(s.job(0), s.hooks(new AbortController().signal, logs, reports));
  while (logs.length === 0) await sleep(5);
  t.is(s.fake.submitted.length, 1, 'nothing submitted');
  await s.complete(0);
  s.fake.set(earlier!.jobId, 'done', 'COMPLETED');
  await run;
  t.is(s.cache.lookup(s.nodes[0]!.node.key).status, 'hit', 'its entry was pulled into the cache');
  t.is(s.fake.submitted.length, 1, 'still one submission in all');
  t.regex(
    logs[0]!,
    new RegExp(`^adopted Fake job ${earlier!.jobId} \\(attempt 1\\), submitted by run ${left.runId} at .* waiting on it, not submitting another$`),
  );
  t.deepEqual(reports[0], { jobId: earlier!.jobId, state: 'running', detail: `adopted from run ${left.runId}`, attempt: 1 });
  await next.close();
  t.deepEqual(
    s.file().jobs.map((j) => [j.jobId, j.phase, j.slurmState, j.attempt]),
    [[earlier!.jobId, 'done', 'COMPLETED', 1]],
  );
});

test('an adopted job that failed while no coordinator watched is resubmitted within the retry budget, counting its attempt', async (t) => {
  const s = await setup();
  const [earlier] = (await s.leaveRunning([0])).jobs;
  s.fake.set(earlier!.jobId, 'failed', 'TIMEOUT');
  const next = s.coordinator(1);
  const run = next.run(s.job(0), s.hooks(new AbortController().signal));
  while (s.fake.submitted.length < 2) await sleep(5);
  await s.complete(0);
  s.fake.set('f2', 'done', 'COMPLETED');
  await run;
  await next.close();
  t.deepEqual(
    s.file().jobs.map((j) => [j.jobId, j.phase, j.attempt]),
    [
      [earlier!.jobId, 'failed', 1],
      ['f2', 'done', 2],
    ],
  );

  // with no retry left, the adopted job's failure is the instance's
  const t2 = await setup();
  const [lost] = (await t2.leaveRunning([1])).jobs;
  t2.fake.set(lost!.jobId, 'failed', 'NODE_FAIL');
  const strict = t2.coordinator(0);
  const err = await t.throwsAsync(strict.run(t2.job(1), t2.hooks(new AbortController().signal)), { instanceOf: StageFailure });
  t.regex(err!.message, new RegExp(`^slow: Fake job ${lost!.jobId} NODE_FAIL \\(attempt 1 of 1, no retry left\\)`));
  t.is(t2.fake.submitted.length, 1);
  await strict.close();
});

test('a job the scheduler forgot while no coordinator watched counts as done when its entry is in the remote', async (t) => {
  const s = await setup();
  const [earlier] = (await s.leaveRunning([0])).jobs;
  await s.complete(0);
  s.fake.states_.delete(earlier!.jobId); // purged: the scheduler no longer knows it
  const next = s.coordinator();
  await next.run(s.job(0), s.hooks(new AbortController().signal));
  t.is(s.fake.submitted.length, 1);
  t.is(s.cache.lookup(s.nodes[0]!.node.key).status, 'hit');
  await next.close();
});

test('jobs no instance of the next run claims stay listed, their states refreshed when it ends; cancelling the run cancels adopted jobs', async (t) => {
  const s = await setup();
  const left = await s.leaveRunning([0, 1]);
  const adopted = left.jobs.find((j) => j.key === s.nodes[0]!.node.key)!;
  const other = left.jobs.find((j) => j.key === s.nodes[1]!.node.key)!;
  const next = s.coordinator();
  const controller = new AbortController();
  const logs: string[] = [];
  const run = next.run(s.job(0), s.hooks(controller.signal, logs));
  while (!logs.some((l) => l.startsWith('adopted '))) await sleep(5); // under load, pushing the inputs can take a while
  controller.abort(new Error('cancelled by SIGINT'));
  await t.throwsAsync(run, { message: 'cancelled by SIGINT' });
  t.deepEqual(s.fake.cancelCalls, [[adopted.jobId]], "only the adopted job is cancelled: the other is not this run's");
  s.fake.set(other.jobId, 'done', 'COMPLETED');
  await next.close();
  t.is(s.fake.submitted.length, 2);
  const jobs = new Map(s.file().jobs.map((j) => [j.jobId, [j.phase, j.slurmState, j.fromRun]]));
  t.deepEqual(jobs.get(adopted.jobId), ['cancelled', 'RUNNING', left.runId]);
  t.deepEqual(jobs.get(other.jobId), ['done', 'COMPLETED', left.runId], 'refreshed at the end');

  // a third coordinator adopts nothing: no job is open any more
  const third = s.coordinator();
  t.deepEqual(s.file().jobs, []);
  await third.close();
});

test('a second coordinator on the same jobs file is refused, naming the first; once the first ends, the next starts', async (t) => {
  const s = await setup();
  const first = s.coordinator();
  const err = t.throws(() => s.coordinator(), { instanceOf: CoordinatorBusyError });
  t.regex(
    err!.message,
    new RegExp(
      `^another coordinator is driving the Fake jobs of this cache \\(pid ${process.pid} on \\S+, run \\S+ since \\S+\\); a second one would submit or adopt the same jobs`,
    ),
  );
  t.true((await jobsStatus(s.jobsFile, async () => new Map()))!.running, 'status sees a running coordinator');
  await first.close();
  t.false((await jobsStatus(s.jobsFile, async () => new Map()))!.running);
  const second = s.coordinator();
  await second.close();
});

test('a jobs file that fails its schema (a job id that would be an option) adopts nothing and is named on stderr', async (t) => {
  const s = await setup();
  const first = s.coordinator();
  await first.close();
  const hostile = s.file();
  hostile.jobs.push({
    instance: 'slow',
    key: s.nodes[0]!.node.key,
    jobId: '--user=root',
    attempt: 1,
    phase: 'running',
    slurmState: 'RUNNING',
    log: '/x',
    submittedAt: '',
  });
  writeFileSync(s.jobsFile, JSON.stringify(hostile));
  t.is(readJobsFile(s.jobsFile), undefined, 'readJobsFile refuses it');
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  let next: BatchExecutor;
  try {
    next = s.coordinator();
  } finally {
    process.stderr.write = write;
  }
  t.regex(stderr, /^warning: .*fake-jobs\.json is not a jobs file: jobs\.0\.jobId: a job id .*; jobs it may list are not adopted/);
  t.deepEqual(s.file().jobs, []);
  const run = next.run(s.job(0), s.hooks(new AbortController().signal));
  while (s.fake.submitted.length < 1) await sleep(5);
  t.is(s.fake.submitted.length, 1, 'submitted: nothing was adopted');
  await s.complete(0);
  s.fake.set('f1', 'done', 'COMPLETED');
  await run;
  await next.close();
});
