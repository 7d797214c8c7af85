/**
 * The detached coordinator on a real single-node Slurm cluster (test/fixtures/slurm-cluster.ts), with the toy project:
 * `run --executor slurm --detach` returns at once while the run goes on as a Slurm job and completes; `cancel` leaves
 * squeue empty; a coordinator killed mid-run (scancel of its job, then kill -9 of its process) is resumed by the same
 * command, and the job still running is adopted, never submitted twice (every sbatch call is counted by a wrapper on
 * PATH, which the coordinator job inherits). The toy's slow stage waits while its gate file exists, which keeps its
 * job running for as long as a test needs. Each test logs `skipped: <reason>` and passes where the cluster cannot
 * start (not root, slurm-wlm or munge missing), and fails on CI.
 */
import test from 'ava';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, execaNode } from 'execa';
import type { JobsFile } from '../pipeline/executors/jobs-file.ts';
import type { CoordinatorRecord } from '../pipeline/executors/slurm/coordinator.ts';
import { BIN, TOY, waitFor, workspace } from './fixtures/cli-workspace.ts';
import { findExecutable, type SlurmCluster } from './fixtures/slurm-cluster.ts';
import { useSlurmCluster, withCluster } from './fixtures/slurm-test.ts';

const cluster = useSlurmCluster();
// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, read field by field by the assertions
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

/**
 * A toy workspace on the cluster: a remote, a gate file holding the slow stage, and an `sbatch` wrapper on PATH that
 * logs every submission (its arguments, one line each) before handing it to the real sbatch.
 */
function detachWorkspace(c: SlurmCluster) {
  const w = workspace();
  const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-detach-remote-'));
  const bin = mkdtempSync(path.join(tmpdir(), 'sgdn-detach-bin-'));
  const submissions = path.join(w.dir, 'sbatch.log');
  writeFileSync(path.join(bin, 'sbatch'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${submissions}'\nexec '${findExecutable('sbatch')}' "$@"\n`);
  chmodSync(path.join(bin, 'sbatch'), 0o755);
  const gate = path.join(w.dir, 'gate');
  const env = { ...w.env, ...c.env, SGD_NOISE_SLURM_POLL_MS: '250', TOY_GATE: gate, PATH: `${bin}:${process.env.PATH}` };
  const common = ['--project', TOY, '--cache', w.cache];
  const runArgs = ['run', '--executor', 'slurm', '--remote', remote];
  const cli = (args: string[]) => execaNode(BIN, [...args, ...common], { env, reject: false });
  const jobsFile = path.join(w.cache, 'slurm-jobs.json');
  const jobs = (): JobsFile | undefined => (existsSync(jobsFile) ? (JSON.parse(readFileSync(jobsFile, 'utf8')) as JobsFile) : undefined);
  const record = () => JSON.parse(readFileSync(path.join(w.cache, 'slurm-coordinator.json'), 'utf8')) as CoordinatorRecord;
  /** Every sbatch call so far, by job name (`sgdn:coordinator`, `sgdn:slow`). */
  const submitted = () =>
    (existsSync(submissions) ? readFileSync(submissions, 'utf8').trim().split('\n') : []).map((l) => /--job-name=(\S+)/.exec(l)?.[1] ?? l);
  /** Slurm's state of a job (squeue, else scontrol), e.g. `RUNNING`, `CANCELLED`; '' when it knows none. */
  const state = async (id: string) => {
    const q = await execa('squeue', ['--noheader', '--states=all', '--format=%T', `--jobs=${id}`], { env: c.env, reject: false });
    if (q.exitCode === 0 && q.stdout.trim() !== '') return q.stdout.trim();
    const s = await execa('scontrol', ['show', 'job', '-o', id], { env: c.env, reject: false });
    return /JobState=(\S+)/.exec(s.stdout)?.[1] ?? '';
  };
  /** Waits (polling, bounded) until Slurm's state of `id` satisfies `ok`. */
  const until = async (id: string, ok: (s: string) => boolean, what: string) => {
    const t0 = Date.now();
    for (let s = await state(id); !ok(s); s = await state(id)) {
      if (Date.now() - t0 > 60_000) throw new Error(`job ${id} never became ${what} (last ${s})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** Ids squeue shows in its default view (pending, running, completing) among `ids`. */
  const queued = async (ids: string[]) =>
    (await execa('squeue', ['--noheader', '--format=%i', `--jobs=${ids.join(',')}`], { env: c.env, reject: false })).stdout.trim();
  const coordinatorId = (stdout: string) => /^submitted the coordinator as Slurm job (\d+) /.exec(stdout)?.[1];
  const cleanup = async () => {
    rmSync(gate, { force: true });
    await execa('scancel', ['--user=root'], { env: c.env, reject: false });
  };
  return { ...w, remote, gate, env, runArgs, cli, jobs, record, submitted, state, until, queued, coordinatorId, cleanup };
}

/** The toy's published summary after a local run (the reference). */
async function localSummary(): Promise<string> {
  const local = workspace();
  const r = await local.cli(['run']);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return readFileSync(path.join(local.dir, 'out/summary.json'), 'utf8');
}

test.serial('run --detach returns at once with the job id; the run goes on as a Slurm job, completes, and its outputs and status are there', (t) =>
  withCluster(t, cluster, async (c) => {
    const s = detachWorkspace(c);
    t.teardown(s.cleanup);
    writeFileSync(s.gate, ''); // the run cannot finish before the gate goes: the command must return without it
    const r = await s.cli([...s.runArgs, '--detach', '--coordinator-time', '1-0']);
    t.is(r.exitCode, 0, r.stderr);
    const id = s.coordinatorId(r.stdout);
    t.truthy(id, r.stdout);
    t.log(r.stdout);
    t.is(s.record().jobId, id!);
    t.regex(r.stdout, /\(1 CPU, time limit 1-00:00:00\)/);
    t.regex(r.stdout, new RegExp(`^ {2}its log: {5}tail -f ${s.record().log}$`, 'm'));
    t.regex(r.stdout, /^ {2}stop it: {5}npx sgd-noise cancel --cache /m);
    t.false(existsSync(path.join(s.dir, 'out/summary.json')), 'returned before the run could finish');
    // the coordinator job runs the pipeline: it submits the slow stage's job, which the gate holds
    await waitFor(() => s.jobs()?.jobs[0]?.phase === 'running', 'the coordinator to submit the slow job and see it running', 60_000);
    t.is(s.jobs()!.job, id, 'the jobs file names the coordinator job it runs in');
    const during = await s.cli(['status', '--json', '--quick']);
    t.is(during.exitCode, 0, during.stderr);
    t.like(json(during.stdout).slurm, { running: true, coordinator: { jobId: id, state: { phase: 'running', detail: 'RUNNING' } } });
    rmSync(s.gate);
    await s.until(id!, (x) => x === 'COMPLETED', 'COMPLETED');
    t.is(readFileSync(path.join(s.dir, 'out/summary.json'), 'utf8'), await localSummary(), "the report of the detached run is a local run's");
    const after = await s.cli(['status']);
    t.is(after.exitCode, 0, after.stderr);
    t.regex(after.stdout, /^9 fresh, 0 stale/m);
    t.regex(after.stdout, new RegExp(`^Slurm coordinator job ${id} \\(detached, submitted \\S+ from \\S+\\): ended, COMPLETED; its log: `, 'm'));
    t.regex(after.stdout, /^ {2}\d+ +done +COMPLETED +slow$/m);
    t.log(after.stdout);
    t.regex(readFileSync(s.record().log, 'utf8'), /^ok: 9 ran, 0 cached, 9 pushed in /m, "the coordinator's log ends with the run's summary");
    t.deepEqual(s.submitted(), ['sgdn:coordinator', 'sgdn:slow']);
  }),
);

test.serial('while a coordinator runs a second is refused; cancel stops it and its jobs and leaves squeue empty; a second cancel finds nothing', (t) =>
  withCluster(t, cluster, async (c) => {
    const s = detachWorkspace(c);
    t.teardown(s.cleanup);
    writeFileSync(s.gate, '');
    const r = await s.cli([...s.runArgs, '--detach']);
    t.is(r.exitCode, 0, r.stderr);
    const id = s.coordinatorId(r.stdout)!;
    await waitFor(() => s.jobs()?.jobs[0]?.phase === 'running', 'the slow job to run', 60_000);
    const jobId = s.jobs()!.jobs[0]!.jobId;

    const again = await s.cli([...s.runArgs, '--detach']);
    t.is(again.exitCode, 2);
    t.regex(again.stderr, new RegExp(`^sgd-noise: another coordinator is driving the Slurm jobs of this cache \\(pid \\d+ on \\S+, Slurm job ${id}, `));
    const foreground = await s.cli(s.runArgs);
    t.is(foreground.exitCode, 2);
    t.regex(foreground.stderr, /another coordinator is driving the Slurm jobs of this cache/);
    t.deepEqual(s.submitted(), ['sgdn:coordinator', 'sgdn:slow'], 'neither submitted anything');

    const cancel = await s.cli(['cancel']);
    t.is(cancel.exitCode, 0, cancel.stderr);
    t.log(cancel.stdout);
    t.is(
      cancel.stdout,
      `cancelled the coordinator, Slurm job ${id} (was RUNNING)\ncancelled 1 job(s) of run ${s.jobs()!.runId}: ${jobId} slow (was RUNNING)\nsqueue shows none of them now`,
    );
    t.is(await s.queued([id, jobId]), '', 'squeue shows none of them');
    t.deepEqual(
      s.jobs()!.jobs.map((j) => [j.jobId, j.phase]),
      [[jobId, 'cancelled']],
    );
    t.truthy(s.jobs()!.leftAt, 'the coordinator left its jobs (SIGTERM from scancel) before cancel cancelled them');
    const twice = await s.cli(['cancel']);
    t.is(twice.exitCode, 0, twice.stderr);
    t.regex(twice.stdout, /^nothing to cancel: /m);
  }),
);

test.serial(
  'a coordinator killed mid-run (scancel of its job, then kill -9) is resumed by the same command: the running job is adopted, never submitted twice',
  (t) =>
    withCluster(t, cluster, async (c) => {
      const s = detachWorkspace(c);
      t.teardown(s.cleanup);
      writeFileSync(s.gate, '');
      const detach = [...s.runArgs, '--detach'];
      const first = await s.cli(detach);
      t.is(first.exitCode, 0, first.stderr);
      const id1 = s.coordinatorId(first.stdout)!;
      await waitFor(() => s.jobs()?.jobs[0]?.phase === 'running', 'the slow job to run', 60_000);
      const slow = s.jobs()!.jobs[0]!;
      const run1 = s.jobs()!.runId;

      // 1. Slurm ends the coordinator (as at its time limit: SIGTERM); its job goes on
      await execa('scancel', [id1], { env: c.env });
      await s.until(id1, (x) => x === 'CANCELLED', 'CANCELLED');
      t.is(await s.state(slow.jobId), 'RUNNING', 'the slow job outlives its coordinator');
      t.truthy(s.jobs()!.leftAt);

      // 2. the same command again: the new coordinator adopts the running job
      const second = await s.cli(detach);
      t.is(second.exitCode, 0, second.stderr);
      const id2 = s.coordinatorId(second.stdout)!;
      await waitFor(() => s.jobs()!.runId !== run1, 'the second coordinator to start', 60_000);
      t.deepEqual(
        s.jobs()!.jobs.map((j) => [j.jobId, j.fromRun]),
        [[slow.jobId, run1]],
      );
      await waitFor(() => readFileSync(s.record().log, 'utf8').includes(`adopted Slurm job ${slow.jobId}`), 'the adoption in its log', 60_000);
      // 3. its process killed outright (kill -9: no handler runs); the job goes on
      const pid = s.jobs()!.pid;
      process.kill(pid, 'SIGKILL');
      await s.until(id2, (x) => x !== 'RUNNING' && x !== 'COMPLETING', 'ended');
      t.is(await s.state(slow.jobId), 'RUNNING');

      // 4. resumed in the foreground this time: it adopts the job, which then completes
      const run2 = s.jobs()!.runId;
      const resumed = s.cli(s.runArgs);
      let stderr = '';
      resumed.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitFor(() => stderr.includes(`adopted Slurm job ${slow.jobId}`), 'the third coordinator to adopt the job', 60_000);
      t.not(s.jobs()!.runId, run2);
      rmSync(s.gate);
      const r = await resumed;
      t.is(r.exitCode, 0, r.stderr);
      t.regex(r.stderr, new RegExp(`slow: adopted Slurm job ${slow.jobId} \\(attempt 1\\), submitted by run ${run1} `));
      t.log(`sbatch calls: ${s.submitted().join(', ')}`);
      t.deepEqual(s.submitted(), ['sgdn:coordinator', 'sgdn:slow', 'sgdn:coordinator'], 'two coordinators and ONE job for slow');
      t.deepEqual(
        s.executed().filter((i) => i === 'slow'),
        ['slow'],
        'the slow stage ran once',
      );
      t.deepEqual(
        s.jobs()!.jobs.map((j) => [j.jobId, j.phase, j.slurmState, j.attempt]),
        [[slow.jobId, 'done', 'COMPLETED', 1]],
      );
      t.is(readFileSync(path.join(s.dir, 'out/summary.json'), 'utf8'), await localSummary());
    }),
);
