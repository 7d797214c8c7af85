/**
 * The Slurm executor against a fake Slurm (no cluster needed): one `states()` call per poll for every job in flight,
 * `--max-jobs`, a lost job (UNKNOWN) retried unless its entry reached the remote, one `scancel` for every job when the
 * run is cancelled, the jobs file, and the batch script's quoting. The "jobs" are played by the test: it computes
 * the entry with `executeStage` in a cache of its own and pushes it to the remote, as `sgd-noise exec` would.
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirRemote } from '../../../cache/remote-dir.ts';
import { pushEntries } from '../../../cache/remote.ts';
import { CacheStore } from '../../../cache/store.ts';
import toy from '../../../test/fixtures/toy-project.ts';
import { executeStage, StageFailure, type ExecHooks } from '../../execute.ts';
import type { JobReport } from '../../executor.ts';
import { buildPlan, type PlanNode } from '../../plan.ts';
import { resolveConfig } from '../../project.ts';
import type { SlurmJobInfo, SlurmJobSpec, SlurmJobState } from './client.ts';
import { SlurmExecutor, jobScript, shellQuote, type JobsFile } from './executor.ts';
import { parseSinfoCpus, sbatchArgs } from './client.ts';

const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `sgdn-exec-unit-${p}-`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake Slurm: jobs stay RUNNING until the test sets their state. */
class FakeSlurm {
  submitted: SlurmJobSpec[] = [];
  stateCalls: string[][] = [];
  cancelCalls: string[][] = [];
  states_ = new Map<string, SlurmJobInfo>();
  private next = 100;
  async submit(spec: SlurmJobSpec): Promise<string> {
    this.submitted.push(spec);
    const id = String(this.next++);
    this.states_.set(id, { jobId: id, state: 'RUNNING', source: 'squeue' });
    return id;
  }
  async states(ids: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
    this.stateCalls.push([...ids]);
    return new Map(ids.map((id) => [id, this.states_.get(id) ?? { jobId: id, state: 'UNKNOWN' as SlurmJobState, source: 'none' as const }]));
  }
  async cancel(ids: readonly string[]): Promise<void> {
    this.cancelCalls.push([...ids]);
    for (const id of ids) this.states_.set(id, { jobId: id, state: 'CANCELLED', source: 'squeue' });
  }
  set(id: string, state: SlurmJobState, extra: Partial<SlurmJobInfo> = {}): void {
    this.states_.set(id, { jobId: id, state, source: 'scontrol', ...extra });
  }
  idOf(n: number): string {
    return String(100 + n);
  }
  /** The id of the last job submitted for `key`. */
  idFor(key: string): string {
    const i = this.submitted.map((spec) => spec.script!.includes(key)).lastIndexOf(true);
    if (i < 0) throw new Error(`no job for ${key}`);
    return this.idOf(i);
  }
}

/** Three configs of the toy whose `slow` instances have different keys, a coordinator cache with their inputs. */
async function setup(
  opts: {
    maxJobs?: number;
    retries?: number;
    resourceDefaults?: { memMB?: number; timeMin?: number };
    gpuRequest?: 'gpus' | 'gres' | 'gpus-per-task';
    gpuType?: string;
  } = {},
  overrides: string[] = [],
) {
  const remote = DirRemote.open(tmp('remote'));
  const cache = CacheStore.open(tmp('coordinator'));
  const side = CacheStore.open(tmp('jobs'));
  const nodes: { node: PlanNode; config: Record<string, unknown> }[] = [];
  for (const ms of [1, 2, 3]) {
    const { config } = resolveConfig(toy, undefined, [`slow.ms=${ms}`, ...overrides]);
    const plan = buildPlan(toy.stages, config);
    nodes.push({ node: plan.nodes.get('slow')!, config });
  }
  const hooks = (signal: AbortSignal, reports: JobReport[] = []) => ({
    signal,
    progress: () => undefined,
    log: () => undefined,
    job: (r: JobReport) => reports.push(r),
  });
  const { config } = resolveConfig(toy, undefined, []);
  const source = buildPlan(toy.stages, config).nodes.get('source')!;
  const quiet: ExecHooks = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
  await executeStage(source, cache, quiet);
  await executeStage(source, side, quiet);
  const fake = new FakeSlurm();
  const jobsFile = path.join(tmp('state'), 'slurm-jobs.json');
  const executor = new SlurmExecutor({
    client: fake,
    cache,
    remote,
    remoteLocation: remote.location,
    logDir: tmp('logs'),
    command: ['node', '/opt/sgd noise/bin/sgd-noise.js'],
    planArgs: ['--project', '/p.ts', '--profile', 'quick'],
    pollMs: 20,
    jobsFile,
    ...opts,
  });
  /** Plays the job of `node`: computes its entry and pushes it to the remote. */
  const complete = async (node: PlanNode) => {
    await executeStage(node, side, quiet);
    await pushEntries(side, remote, [node.key]);
  };
  const job = (i: number) => ({ node: nodes[i]!.node, config: nodes[i]!.config, cacheDir: cache.dir, threads: 1, run: { profile: 'quick', overrides: [] } });
  return { remote, cache, fake, executor, nodes, hooks, complete, job, jobsFile };
}

test('one states() call per poll for every job in flight; a COMPLETED job is pulled into the local cache', async (t) => {
  const s = await setup();
  const reports: JobReport[] = [];
  const signal = new AbortController().signal;
  const runs = [0, 1, 2].map((i) => s.executor.run(s.job(i), s.hooks(signal, reports)));
  while (s.fake.submitted.length < 3) await sleep(5);
  const from = s.fake.stateCalls.length;
  while (s.fake.stateCalls.length < from + 3) await sleep(5);
  // a poll already under way when the third job was submitted may list two (under load it happens); every later
  // poll lists all three at once, and no poll ever lists a job twice
  const later = s.fake.stateCalls.slice(from + 1);
  t.true(later.length >= 2);
  t.true(
    later.every((ids) => ids.length === 3),
    `each poll asks for all jobs at once: ${JSON.stringify(s.fake.stateCalls)}`,
  );
  t.true(s.fake.stateCalls.every((ids) => new Set(ids).size === ids.length));
  for (const { node } of s.nodes) {
    await s.complete(node);
    s.fake.set(s.fake.idFor(node.key), 'COMPLETED', { exitCode: 0 });
  }
  await Promise.all(runs);
  for (const { node } of s.nodes) t.is(s.cache.lookup(node.key).status, 'hit');
  await s.executor.close();
  const file = JSON.parse(readFileSync(s.jobsFile, 'utf8')) as JobsFile;
  t.deepEqual(file.jobs.map((j) => [j.jobId, j.phase]).sort(), [
    ['100', 'done'],
    ['101', 'done'],
    ['102', 'done'],
  ]);
  t.truthy(file.finishedAt);
  t.deepEqual([...new Set(reports.map((r) => r.state))].sort(), ['done', 'queued', 'running']);
  t.true(s.executor.polls < 40, `polls ${s.executor.polls}`);
});

test('--max-jobs bounds the jobs in flight', async (t) => {
  const s = await setup({ maxJobs: 2 });
  const signal = new AbortController().signal;
  const runs = [0, 1, 2].map((i) => s.executor.run(s.job(i), s.hooks(signal)));
  while (s.fake.submitted.length < 2) await sleep(5); // under load, pushing the inputs can take a while
  await sleep(100);
  t.is(s.fake.submitted.length, 2);
  const first = s.nodes.find(({ node }) => s.fake.submitted[0]!.script!.includes(node.key))!.node;
  await s.complete(first);
  s.fake.set(s.fake.idFor(first.key), 'COMPLETED', { exitCode: 0 });
  while (s.fake.submitted.length < 3) await sleep(5);
  for (const { node } of s.nodes.filter(({ node }) => node !== first)) {
    await s.complete(node);
    s.fake.set(s.fake.idFor(node.key), 'COMPLETED', { exitCode: 0 });
  }
  await Promise.all(runs);
  t.true(s.fake.stateCalls.every((ids) => ids.length <= 2));
});

test('a lost job (UNKNOWN) is resubmitted; one whose entry reached the remote counts as done; after the retries, a StageFailure names the job', async (t) => {
  const s = await setup({ retries: 1 });
  const signal = new AbortController().signal;
  // job 0: lost before it stored anything → retried, the retry completes
  const r0 = s.executor.run(s.job(0), s.hooks(signal));
  while (s.fake.submitted.length < 1) await sleep(5);
  s.fake.states_.delete(s.fake.idOf(0));
  while (s.fake.submitted.length < 2) await sleep(5);
  await s.complete(s.nodes[0]!.node);
  s.fake.set(s.fake.idOf(1), 'COMPLETED', { exitCode: 0 });
  await r0;
  // job 1: stored its entry, then Slurm forgot it (purged after MinJobAge) → done, no resubmission
  const r1 = s.executor.run(s.job(1), s.hooks(signal));
  while (s.fake.submitted.length < 3) await sleep(5);
  await s.complete(s.nodes[1]!.node);
  s.fake.states_.delete(s.fake.idOf(2));
  await r1;
  t.is(s.fake.submitted.length, 3);
  // job 2: out of memory twice → fails
  const r2 = s.executor.run(s.job(2), s.hooks(signal));
  while (s.fake.submitted.length < 4) await sleep(5);
  s.fake.set(s.fake.idOf(3), 'OUT_OF_MEMORY', { exitCode: 0, signal: 9 });
  while (s.fake.submitted.length < 5) await sleep(5);
  s.fake.set(s.fake.idOf(4), 'OUT_OF_MEMORY', { exitCode: 0, signal: 9 });
  const err = await t.throwsAsync(r2, { instanceOf: StageFailure });
  t.regex(err!.message, /^slow: Slurm job 104 OUT_OF_MEMORY \(signal 9\) \(attempt 2 of 2, no retry left\); last lines of its log \S+\.2\.log:\n/);
  t.regex(err!.message, /\n {2}\| \(empty\)$/);
});

test('cancelling the run cancels every job in flight with one scancel', async (t) => {
  const s = await setup();
  const controller = new AbortController();
  const runs = [0, 1, 2].map((i) => s.executor.run(s.job(i), s.hooks(controller.signal)));
  while (s.fake.submitted.length < 3) await sleep(5);
  controller.abort(new Error('cancelled by SIGINT'));
  const results = await Promise.allSettled(runs);
  t.true(results.every((r) => r.status === 'rejected' && /SIGINT/.test(String((r.reason as Error).message))));
  t.deepEqual(
    s.fake.cancelCalls.map((ids) => ids.sort()),
    [['100', '101', '102']],
  );
  await s.executor.close();
  const file = JSON.parse(readFileSync(s.jobsFile, 'utf8')) as JobsFile;
  t.true(file.jobs.every((j) => j.phase === 'cancelled'));
});

test('the batch script execs the command with every argument quoted for /bin/sh, after the #SBATCH defaults', (t) => {
  t.is(shellQuote('slow.ms=1'), 'slow.ms=1');
  t.is(shellQuote(`a 'b'`), `'a '\\''b'\\'''`);
  const script = jobScript({
    instance: 'fan[kind=a]',
    key: 'k'.repeat(64),
    defaults: ['--partition=gpu'],
    argv: ['node', '/x y/bin.js', 'exec', 'fan[kind=a]', 'toy2d.kinds=["gd"]'],
  });
  t.is(
    script,
    `#!/bin/sh\n# sgd-noise job: fan[kind=a] (${'k'.repeat(64)})\n#SBATCH --partition=gpu\nexec node '/x y/bin.js' exec 'fan[kind=a]' 'toy2d.kinds=["gd"]'\n`,
  );
});

test('a job Slurm can never start (PENDING with PartitionConfig) is cancelled and fails at once, without a retry', async (t) => {
  const s = await setup({ retries: 3 });
  const reports: JobReport[] = [];
  const run = s.executor.run({ ...s.job(0), threads: 16 }, s.hooks(new AbortController().signal, reports));
  while (s.fake.submitted.length < 1) await sleep(5);
  s.fake.set(s.fake.idOf(0), 'PENDING', { reason: 'PartitionConfig' });
  const err = await t.throwsAsync(run);
  t.regex(err!.message, /Slurm job 100 can never start: it stays PENDING \(PartitionConfig\) asking for 16 CPU\(s\).*--slurm-max-cpus/);
  t.is(s.fake.submitted.length, 1, 'no retry');
  t.deepEqual(s.fake.cancelCalls, [['100']]);
  t.true(reports.some((r) => r.state === 'failed'));
  await s.executor.close();
});

test('sinfo CPU counts: the largest node, "+" suffixes and noise ignored', (t) => {
  t.is(parseSinfoCpus('2\n48+\n16\n'), 48);
  t.is(parseSinfoCpus(''), undefined);
  t.is(parseSinfoCpus('n/a\n'), undefined);
});

test("the config's slurm defaults give --mem and --time to jobs whose stage declares no resources", async (t) => {
  const s = await setup({ resourceDefaults: { memMB: 4000, timeMin: 90 } });
  const run = s.executor.run(s.job(0), s.hooks(new AbortController().signal));
  while (s.fake.submitted.length < 1) await sleep(5);
  t.is(s.fake.submitted[0]!.memMB, 4000);
  t.is(s.fake.submitted[0]!.timeLimitMin, 90);
  await s.complete(s.nodes[0]!.node);
  s.fake.set(s.fake.idOf(0), 'COMPLETED', { exitCode: 0 });
  await run;
  await s.executor.close();
});

test("a GPU stage's job asks for its GPUs (--gpus=1, or --gres=gpu:1), its exec gets --gpus 1; a CPU stage's job asks for none", async (t) => {
  /** Submits the job of node 0 and returns the sbatch argv and the script, completing the job. */
  const submitted = async (s: Awaited<ReturnType<typeof setup>>) => {
    const run = s.executor.run(s.job(0), s.hooks(new AbortController().signal));
    while (s.fake.submitted.length < 1) await sleep(5);
    const spec = s.fake.submitted[0]!;
    await s.complete(s.nodes[0]!.node);
    s.fake.set(s.fake.idOf(0), 'COMPLETED', { exitCode: 0 });
    await run;
    await s.executor.close();
    return { args: sbatchArgs(spec), script: spec.script! };
  };
  const gpuArgs = (args: string[]) => args.filter((a) => /^--(gpus|gres|ntasks|gpus-per-task)=/.test(a));
  const gpu = await submitted(await setup({}, ['slow.gpus=1']));
  t.deepEqual(gpuArgs(gpu.args), ['--gpus=1']);
  t.regex(gpu.script, /^exec .* --threads 1 --gpus 1 /m);
  const gres = await submitted(await setup({ gpuRequest: 'gres' }, ['slow.gpus=1']));
  t.deepEqual(gpuArgs(gres.args), ['--gres=gpu:1']);
  const typed = await submitted(await setup({ gpuRequest: 'gres', gpuType: 'h100' }, ['slow.gpus=2']));
  t.deepEqual(gpuArgs(typed.args), ['--gres=gpu:h100:2']);
  const perTask = await submitted(await setup({ gpuRequest: 'gpus-per-task' }, ['slow.gpus=1']));
  t.deepEqual(gpuArgs(perTask.args), ['--ntasks=1', '--gpus-per-task=1']);
  for (const mode of ['gpus', 'gres'] as const) {
    const cpu = await submitted(await setup({ gpuRequest: mode }));
    t.deepEqual(gpuArgs(cpu.args), [], `${mode}: nothing GPU-related for a CPU stage`);
    t.notRegex(cpu.script, / --gpus /);
  }
});

test('the GPU options are checked: an unknown request form or a type that is not a plain word is refused', async (t) => {
  await t.throwsAsync(setup({ gpuRequest: 'gpu' as never }), { message: 'Slurm executor: gpuRequest must be one of gpus, gres, gpus-per-task, got "gpu"' });
  for (const bad of ['h100\n#SBATCH --x', 'a100:2', 'h 100', '']) {
    await t.throwsAsync(setup({ gpuType: bad }), { message: /^Slurm executor: gpuType must match/ }, JSON.stringify(bad));
  }
  const s = await setup({}, ['slow.gpus=1.5']);
  await t.throwsAsync(s.executor.run(s.job(0), s.hooks(new AbortController().signal)), {
    message: 'slow: gpus() must return a non-negative integer (the GPUs one run needs), got 1.5',
  });
  t.is(s.fake.submitted.length, 0);
});
