/**
 * The runner with an executor of its own: isolated instances go to `Executor.run` (here a stand-in for a job queue
 * that runs the stage with `executeStage` in a cache of its own and hands the entry back through a remote), light
 * ones stay inline; an executor that does not use local cores is not held to `jobs`; job reports become `job` events.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirRemote } from '../cache/remote-dir.ts';
import { pullEntries, pushEntries } from '../cache/remote.ts';
import { CacheStore } from '../cache/store.ts';
import toy from '../test/fixtures/toy-project.ts';
import { TOY } from '../test/fixtures/cli-workspace.ts';
import { main } from './cli.ts';
import type { RunEvent } from './events.ts';
import { executeStage } from './execute.ts';
import type { Executor, ExecutorJob } from './executor.ts';
import { BatchExecutor, readJobsFile, type BatchJobState, type BatchScheduler, type JobsFile } from './executors/batch.ts';
import { EXECUTORS } from './executors/index.ts';
import type { ExecutorPlugin } from './executors/plugin.ts';
import { positiveInteger } from './option-values.ts';
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
  t.deepEqual(
    calls.map((c) => [c.node.instance, c.threads]),
    [['slow', 3]],
    'only the isolated stage, with the threads the executor grants (not the budget of 1)',
  );
  t.like(
    events.find((e) => e.type === 'start' && e.instance === 'slow'),
    { where: 'child', executor: 'queue', threads: 3 },
  );
  t.deepEqual(
    events.filter((e) => e.type === 'job').map((e) => (e.type === 'job' ? [e.instance, e.jobId, e.state] : [])),
    [
      ['slow', 'q1', 'running'],
      ['slow', 'q1', 'done'],
    ],
  );
  t.is(cache.lookup(plan.nodes.get('slow')!.key).status, 'hit');
  t.true(events.some((e) => e.type === 'start' && e.instance === 'join' && e.where === 'inline' && e.executor === undefined));
  await cache.close();
  await queueCache.close();
});

/**
 * A job queue as an executor plugin: its module is a scheduler (submit runs the job's command as a child process
 * writing to its log; states reads whether it exited; cancel kills it) and a plugin declaration; registered beside
 * the registry's plugins, `run --executor queue` runs the isolated stage through the generic batch executor (remote
 * staging, log tailing, the jobs file), its flag and usage come from its declaration, and `status` asks it for its jobs.
 */
function queueScheduler(): BatchScheduler {
  const jobs = new Map<string, { child: ChildProcess; code?: number }>();
  return {
    label: 'Queue',
    submittedState: 'WAITING',
    cancelCommand: 'kill',
    logRole: 'slurmLogs',
    neverStartsAdvice: '',
    script: ({ argv }) => `#!/bin/sh\nexec ${argv.join(' ')}\n`,
    async submit(job) {
      const fd = openSync(job.log, 'a');
      const child = spawn(job.argv[0]!, job.argv.slice(1), { cwd: job.workdir, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      const id = `q${jobs.size + 1}`;
      const entry: { child: ChildProcess; code?: number } = { child };
      child.on('exit', (code) => (entry.code = code ?? 128));
      jobs.set(id, entry);
      return id;
    },
    async states(ids) {
      return new Map(
        ids.map((id): [string, BatchJobState] => {
          const code = jobs.get(id)?.code;
          if (!jobs.has(id)) return [id, { state: 'GONE', phase: 'lost', detail: 'GONE' }];
          if (code === undefined) return [id, { state: 'RUNNING', phase: 'running', detail: 'RUNNING' }];
          return [
            id,
            code === 0 ? { state: 'EXITED', phase: 'done', detail: 'EXITED' } : { state: 'EXITED', phase: 'failed', detail: `EXITED (exit code ${code})` },
          ];
        }),
      );
    },
    async cancel(ids) {
      for (const id of ids) jobs.get(id)?.child.kill();
    },
  };
}

const queuePlugin: ExecutorPlugin = {
  name: 'queue',
  summary: 'child processes of a job queue (needs --remote)',
  label: 'queue',
  needsRemote: true,
  options: [
    {
      name: 'queue-workers',
      type: 'string',
      arg: 'N',
      help: 'jobs at once, default 2',
      default: 2,
      parse: (text, flag) => positiveInteger(flag, text, 'jobs at once'),
    },
  ],
  create: (ctx) =>
    new BatchExecutor('queue', queueScheduler(), {
      cache: ctx.cache,
      remote: ctx.remote!,
      remoteLocation: ctx.remote!.location,
      logDir: path.join(ctx.remote!.location, 'queue-logs'),
      command: ctx.command,
      planArgs: ctx.planArgs,
      maxJobs: ctx.options['queue-workers'] as number,
      pollMs: 100,
      jobsFile: path.join(ctx.cacheDir, 'queue-jobs.json'),
    }),
  async status(cacheDir) {
    const jobs = readJobsFile(path.join(cacheDir, 'queue-jobs.json'));
    return jobs && { json: jobs, lines: jobs.jobs.map((j) => `${j.jobId} ${j.phase} ${j.instance}`) };
  },
};

/** Runs `main` in this process with the queue plugin registered, capturing stdout. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const write = process.stdout.write;
  let stdout = '';
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    return { code: await main(args, {}, [...EXECUTORS, queuePlugin]), stdout };
  } finally {
    process.stdout.write = write;
  }
}

test('a job queue plugin, registered beside the registry, runs the isolated stage through the batch executor; status asks it for its jobs', async (t) => {
  const dir = tmp('queue-plugin');
  const remote = path.join(dir, 'remote');
  mkdirSync(remote);
  const log = path.join(dir, 'log.txt');
  Object.assign(process.env, { TOY_ROOT: dir, TOY_LOG: log, TOY_PID_FILE: path.join(dir, 'pid') });
  const common = ['--project', TOY, '--cache', path.join(dir, 'cache'), '--publish-dir', dir, 'slow.ms=1'];
  const help = await cli(['--help']);
  t.regex(help.stdout, /\[--executor local\|slurm\|queue\]/);
  t.regex(help.stdout, /queue: child processes of a job queue \(needs --remote\), with \[--queue-workers N\] \(jobs at once, default 2\)/);
  await t.throwsAsync(cli(['run', ...common, '--executor', 'queue', '--remote', remote, '--queue-workers', '0']), {
    message: /^--queue-workers: expected a positive integer/,
  });
  await t.throwsAsync(cli(['run', ...common, '--executor', 'queue']), { message: /^run --executor queue needs a remote/ });
  const run = await cli(['run', ...common, '--executor', 'queue', '--remote', remote, '--json']);
  t.is(run.code, 0, run.stdout);
  t.true(JSON.parse(run.stdout).ran.includes('slow'));
  t.true(readFileSync(log, 'utf8').split('\n').includes('slow'), 'the job ran the stage');
  const status = await cli(['status', ...common, '--json', '--quick']);
  const jobs = (JSON.parse(status.stdout) as { queue: JobsFile }).queue.jobs;
  t.deepEqual(
    jobs.map((j) => [j.instance, j.phase, j.slurmState]),
    [['slow', 'done', 'EXITED']],
  );
  t.regex(readFileSync(jobs[0]!.log, 'utf8'), /"start"/, 'its log holds the job protocol lines the executor tails');
});
