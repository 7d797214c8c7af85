/**
 * The detached coordinator's submission against a fake Slurm: its script (read back as sbatch and /bin/sh read it:
 * hostile options and arguments arrive exactly, the detached marker is exported before the `exec`), what sbatch is
 * asked for (1 CPU, the time limit, the log), the record written atomically, and the refusals: a coordinator still
 * queued or running, or one holding the lock. Time limits are read as sbatch's `--time` reads them.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scriptArgv, sbatchDirectives } from '../../../test/fixtures/sbatch-script.ts';
import { UsageError } from '../../errors.ts';
import { CoordinatorBusyError, CoordinatorLock } from '../coordinator-lock.ts';
import type { DetachContext } from '../plugin.ts';
import type { SlurmJobInfo, SlurmJobSpec, SlurmJobState } from './client.ts';
import { coordinatorScript, readCoordinatorRecord, refuseWhileCoordinatorLives, SLURM_COORDINATOR_FILE, submitCoordinator } from './coordinator.ts';
import { formatSlurmTime, slurmTimeMinutes } from './safe-values.ts';

const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `sgdn-coordinator-${p}-`));

/** A fake Slurm for the submission: records specs, answers states from a table. */
class FakeSlurm {
  submitted: SlurmJobSpec[] = [];
  states_ = new Map<string, SlurmJobState>();
  async submit(spec: SlurmJobSpec): Promise<string> {
    this.submitted.push(spec);
    const id = String(40 + this.submitted.length);
    this.states_.set(id, 'PENDING');
    return id;
  }
  async states(ids: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
    return new Map(ids.map((id) => [id, { jobId: id, state: this.states_.get(id) ?? 'UNKNOWN', source: this.states_.has(id) ? 'squeue' : 'none' }]));
  }
}

function run(
  cacheDir: string,
  argv: string[] = ['node', '/opt/sgd noise/bin/sgd-noise.js', 'run', '--executor=slurm', '--', 'report.title=a b'],
): DetachContext {
  return {
    cacheDir,
    remote: undefined,
    config: {},
    argv,
    workdir: '/work dir',
    options: {},
    follow: { status: `npx sgd-noise status --cache ${cacheDir}`, cancel: `npx sgd-noise cancel --cache ${cacheDir}` },
  };
}

test('the coordinator script: #SBATCH options read back by sbatch exactly, the detached marker exported, the command exec-ed whole', async (t) => {
  const options = ['--partition=login', '--comment=a b #1 "q"', '--mem=2G'];
  const args = ['run', '--executor=slurm', '--', 'report.title=a\nb', "it's", '$(touch /tmp/x)', ''];
  const script = coordinatorScript({ cacheDir: '/c', options, argv: ['node', ...args] });
  t.deepEqual(sbatchDirectives(script), options);
  const lines = script.split('\n');
  t.true(lines.indexOf('export SGD_NOISE_DETACHED=1') < lines.findIndex((l) => l.startsWith('exec ')));
  t.deepEqual(await scriptArgv((program) => coordinatorScript({ cacheDir: '/c', options, argv: [program, ...args] })), args);
  t.throws(() => coordinatorScript({ cacheDir: '/c', options: ['--comment=a\nrm -rf ~'], argv: ['node'] }), {
    instanceOf: UsageError,
    message: /^--coordinator-option "--comment=a\\nrm -rf ~" contains a newline/,
  });
  t.throws(() => coordinatorScript({ cacheDir: '/c', options: [], argv: ['node', 'a\rb'] }), { message: /argument 1, "a\\rb", contains a carriage return/ });
});

test('submitting: one sbatch of 1 CPU with the time limit and the log; the record and the log files; what to type next', async (t) => {
  const cacheDir = tmp('cache');
  const logDir = path.join(tmp('remote'), 'slurm-logs');
  const slurm = new FakeSlurm();
  const report = await submitCoordinator(run(cacheDir), {
    client: slurm,
    logDir,
    jobsFile: path.join(cacheDir, 'slurm-jobs.json'),
    timeLimitMin: 2880,
    options: ['--partition=p'],
  });
  t.is(slurm.submitted.length, 1);
  const spec = slurm.submitted[0]!;
  t.like(spec, { jobName: 'sgdn:coordinator', cpus: 1, timeLimitMin: 2880, workdir: '/work dir' });
  t.deepEqual(sbatchDirectives(spec.script!), ['--partition=p']);
  const record = readCoordinatorRecord(cacheDir)!;
  t.like(record, { format: 1, jobId: '41', workdir: '/work dir', timeLimitMin: 2880, options: ['--partition=p'], log: spec.output });
  t.deepEqual(record.argv, run(cacheDir).argv);
  t.is(readFileSync(record.script, 'utf8'), spec.script!);
  t.is(readFileSync(record.log, 'utf8'), '', 'the log exists, empty, before the job starts');
  t.deepEqual(readdirSync(cacheDir), [SLURM_COORDINATOR_FILE], 'written atomically: no temporary file left');
  t.true(report.ok);
  t.regex(report.lines[0]!, /^submitted the coordinator as Slurm job 41 \(1 CPU, time limit 2-00:00:00\)/);
  t.true(report.lines.some((l) => l === `  follow it:   npx sgd-noise status --cache ${cacheDir}`));
  t.true(report.lines.some((l) => l === `  its log:     tail -f ${record.log}`));
  t.true(report.lines.some((l) => l === `  stop it:     npx sgd-noise cancel --cache ${cacheDir}`));
});

test('refused while the recorded coordinator is queued or running, or while a coordinator holds the lock; allowed once it ended', async (t) => {
  const cacheDir = tmp('cache');
  const jobsFile = path.join(cacheDir, 'slurm-jobs.json');
  const slurm = new FakeSlurm();
  const o = { client: slurm, logDir: tmp('logs'), jobsFile, timeLimitMin: 60, options: [] };
  await submitCoordinator(run(cacheDir), o);
  for (const state of ['PENDING', 'RUNNING'] as const) {
    slurm.states_.set('41', state);
    await t.throwsAsync(submitCoordinator(run(cacheDir), o), {
      instanceOf: UsageError,
      message: new RegExp(
        `^the detached coordinator of this cache, Slurm job 41 \\(submitted \\S+\\), is still ${state}; a second coordinator would drive the same jobs`,
      ),
    });
  }
  // the coordinator job itself (its run's create() asks the same) is not refused by its own record
  process.env.SLURM_JOB_ID = '41';
  try {
    await refuseWhileCoordinatorLives(cacheDir, jobsFile, slurm);
  } finally {
    delete process.env.SLURM_JOB_ID;
  }
  await t.throwsAsync(refuseWhileCoordinatorLives(cacheDir, jobsFile, slurm), { message: /is still RUNNING/ });
  slurm.states_.set('41', 'TIMEOUT');
  const lock = CoordinatorLock.take(`${jobsFile}.lock`, { runId: 'r', label: 'Slurm' });
  await t.throwsAsync(submitCoordinator(run(cacheDir), o), { instanceOf: CoordinatorBusyError });
  lock.release();
  await submitCoordinator(run(cacheDir), o);
  t.is(slurm.submitted.length, 2);
  t.is(readCoordinatorRecord(cacheDir)!.jobId, '42');
  rmSync(path.join(cacheDir, SLURM_COORDINATOR_FILE));
  t.false(existsSync(path.join(cacheDir, SLURM_COORDINATOR_FILE)));
});

test("time limits as sbatch's --time reads them, in minutes (seconds rounded up); anything else refused", (t) => {
  const cases: [string, number | undefined][] = [
    ['90', 90],
    ['90:30', 91],
    ['1:30:00', 90],
    ['7-0', 10080],
    ['7-00:00:00', 10080],
    ['1-2:03', 1563],
    ['0:0:30', 1],
    ['0', undefined],
    ['', undefined],
    ['7d', undefined],
    ['-1', undefined],
    ['1:2:3:4', undefined],
    ['UNLIMITED', undefined],
  ];
  for (const [text, minutes] of cases) t.is(slurmTimeMinutes(text), minutes, JSON.stringify(text));
  t.is(formatSlurmTime(10080), '7-00:00:00');
  t.is(formatSlurmTime(90), '1:30:00');
});
