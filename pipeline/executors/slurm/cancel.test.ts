/**
 * `cancel` against a fake Slurm: the detached coordinator's job is cancelled first, then every job its jobs file lists
 * as queued or running, each through one scancel; it waits until Slurm shows none of them and marks them cancelled
 * in the jobs file. Nothing running is no error; a job that never leaves the queue is named after the wait; a
 * coordinator outside Slurm is stopped with SIGTERM here, or named when it runs on another host.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJobsFile, type JobRecord } from '../jobs-file.ts';
import type { SlurmJobInfo, SlurmJobState } from './client.ts';
import { cancelSlurmRun } from './cancel.ts';
import { SLURM_COORDINATOR_FILE, writeCoordinatorRecord } from './coordinator.ts';

/** A fake Slurm: a cancelled job is COMPLETING for `completingPolls` state reads, then CANCELLED; `stuck` ones never end. */
class FakeSlurm {
  cancelCalls: string[][] = [];
  states_ = new Map<string, SlurmJobState>();
  completing = new Map<string, number>();
  stuck = new Set<string>();
  constructor(private readonly completingPolls = 1) {}
  async states(ids: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
    return new Map(
      ids.map((id) => {
        const left = this.completing.get(id);
        if (left !== undefined && !this.stuck.has(id)) {
          if (left <= 0) this.states_.set(id, 'CANCELLED');
          this.completing.set(id, left - 1);
        }
        return [id, { jobId: id, state: this.states_.get(id) ?? 'UNKNOWN', source: 'squeue' }];
      }),
    );
  }
  async cancel(ids: readonly string[]): Promise<void> {
    this.cancelCalls.push([...ids]);
    for (const id of ids) {
      this.states_.set(id, 'COMPLETING');
      this.completing.set(id, this.completingPolls);
    }
  }
}

const job = (jobId: string, instance: string, phase: JobRecord['phase']): JobRecord => ({
  instance,
  key: `key-${instance}`,
  jobId,
  attempt: 1,
  phase,
  slurmState: phase === 'running' ? 'RUNNING' : 'PENDING',
  log: '/l',
  submittedAt: 'x',
});

/** A cache directory with a coordinator record (job 10) and a jobs file listing `jobs`. */
function cacheWith(jobs: JobRecord[], record = true) {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'sgdn-cancel-'));
  const jobsFile = path.join(cacheDir, 'slurm-jobs.json');
  if (record) {
    writeCoordinatorRecord(cacheDir, {
      format: 1,
      jobId: '10',
      submittedAt: 'x',
      host: 'h',
      workdir: '/',
      argv: [],
      script: '/s',
      log: '/l',
      timeLimitMin: 60,
      options: [],
    });
  }
  writeJobsFile(jobsFile, { format: 1, runId: 'r1', pid: 1, startedAt: 'x', logDir: '/logs', jobs });
  return { cacheDir, jobsFile, file: () => JSON.parse(readFileSync(jobsFile, 'utf8')) as { jobs: JobRecord[] } };
}

test('the coordinator first, then its queued and running jobs in one scancel; waits until Slurm shows none; the jobs file says so', async (t) => {
  const c = cacheWith([job('11', 'slow', 'running'), job('12', 'fan', 'queued'), job('9', 'old', 'done')]);
  const slurm = new FakeSlurm(2);
  for (const [id, state] of [
    ['10', 'RUNNING'],
    ['11', 'RUNNING'],
    ['12', 'PENDING'],
    ['9', 'COMPLETED'],
  ] as const)
    slurm.states_.set(id, state);
  const r = (await cancelSlurmRun(c.cacheDir, c.jobsFile, slurm, { pollMs: 1 }))!;
  t.true(r.ok);
  t.deepEqual(slurm.cancelCalls, [['10'], ['11', '12']]);
  t.deepEqual(r.lines, [
    'cancelled the coordinator, Slurm job 10 (was RUNNING)',
    'cancelled 2 job(s) of run r1: 11 slow (was RUNNING), 12 fan (was PENDING)',
    'squeue shows none of them now',
  ]);
  for (const id of ['10', '11', '12']) t.is(slurm.states_.get(id), 'CANCELLED');
  t.deepEqual(
    c.file().jobs.map((j) => [j.jobId, j.phase]),
    [
      ['11', 'cancelled'],
      ['12', 'cancelled'],
      ['9', 'done'],
    ],
  );
});

test('nothing running is no error, and says so; no record and no jobs file: nothing of Slurm here', async (t) => {
  const c = cacheWith([job('11', 'slow', 'done')]);
  const slurm = new FakeSlurm();
  slurm.states_.set('10', 'TIMEOUT');
  const r = (await cancelSlurmRun(c.cacheDir, c.jobsFile, slurm, { pollMs: 1 }))!;
  t.true(r.ok);
  t.deepEqual(slurm.cancelCalls, []);
  t.deepEqual(r.lines, [
    'the coordinator, Slurm job 10, is not running (TIMEOUT)',
    `nothing to cancel: no coordinator and no job of the Slurm run recorded in ${c.cacheDir} is queued or running`,
  ]);
  const empty = mkdtempSync(path.join(tmpdir(), 'sgdn-cancel-'));
  t.is(await cancelSlurmRun(empty, path.join(empty, 'slurm-jobs.json'), slurm), undefined);
});

test('a job still shown after the wait is named and the result is not ok', async (t) => {
  const c = cacheWith([job('11', 'slow', 'running')], false);
  const slurm = new FakeSlurm();
  slurm.states_.set('11', 'RUNNING');
  slurm.stuck.add('11');
  const r = (await cancelSlurmRun(c.cacheDir, c.jobsFile, slurm, { waitMs: 50, pollMs: 5 }))!;
  t.false(r.ok);
  t.deepEqual(slurm.cancelCalls, [['11']]);
  t.is(r.lines.at(-1), 'still shown by Slurm after 0 s: 11 (COMPLETING)');
});

/**
 * A child process holding the coordinator lock of `jobsFile`; on SIGTERM it writes `<dir>/terminated` and exits. Its
 * handler is in place before it says `ready`: a SIGTERM before the handler would kill it by the default action.
 */
async function lockHolder(t: { teardown(fn: () => void): void }, jobsFile: string) {
  const module = fileURLToPath(new URL('../coordinator-lock.ts', import.meta.url));
  const dir = path.dirname(jobsFile);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { writeFileSync } from 'node:fs'; import { CoordinatorLock } from ${JSON.stringify(module)};
       process.on('SIGTERM', () => { writeFileSync(${JSON.stringify(`${dir}/terminated`)}, ''); process.exit(143); });
       CoordinatorLock.take(${JSON.stringify(`${jobsFile}.lock`)}, { runId: 'r1', label: 'Slurm' }); writeFileSync(${JSON.stringify(`${dir}/ready`)}, '');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: 'inherit' },
  );
  t.teardown(() => child.kill('SIGKILL'));
  while (!existsSync(`${dir}/ready`)) await new Promise((r) => setTimeout(r, 20));
  return child;
}

test('a coordinator started outside --detach is sent SIGTERM here (it cancels its own jobs); on another host it is named, nothing cancelled', async (t) => {
  const c = cacheWith([job('11', 'slow', 'running')], false);
  const slurm = new FakeSlurm();
  slurm.states_.set('11', 'RUNNING');
  const child = await lockHolder(t, c.jobsFile);
  const r = (await cancelSlurmRun(c.cacheDir, c.jobsFile, slurm, { pollMs: 5 }))!;
  t.true(existsSync(path.join(c.cacheDir, 'terminated')), 'the coordinator got SIGTERM');
  t.true(r.ok);
  t.is(
    r.lines[0],
    `stopped the coordinator, pid ${child.pid} on ${JSON.parse(readFileSync(`${c.jobsFile}.lock`, 'utf8')).host} (SIGTERM: it cancels its own jobs)`,
  );
  t.deepEqual(slurm.cancelCalls, [['11']], 'the jobs it listed are cancelled once it is gone');

  const d = cacheWith([job('21', 'slow', 'running')], false);
  slurm.states_.set('21', 'RUNNING');
  const other = await lockHolder(t, d.jobsFile);
  writeFileSync(`${d.jobsFile}.lock`, JSON.stringify({ pid: other.pid, host: 'elsewhere', runId: 'r1', startedAt: 'x' }));
  const r2 = (await cancelSlurmRun(d.cacheDir, d.jobsFile, slurm, { pollMs: 5 }))!;
  t.false(r2.ok);
  t.regex(r2.lines[0]!, new RegExp(`^the coordinator of this cache runs as pid ${other.pid} on elsewhere, not as the detached coordinator: stop it there`));
  t.deepEqual(slurm.cancelCalls, [['11']], 'nothing more cancelled');
  t.false(existsSync(path.join(d.cacheDir, 'terminated')));
  t.false(existsSync(path.join(d.cacheDir, SLURM_COORDINATOR_FILE)));
});
