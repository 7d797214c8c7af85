/**
 * The detached coordinator (`run --executor slurm --detach`): the run itself submitted as one small Slurm job (1 CPU,
 * a long time limit) whose command is the same `sgd-noise run …` without `--detach`, so that no terminal has to stay
 * open on the login node. The submission is recorded in `<cache>/slurm-coordinator.json` (job id, submit time, the
 * command's arguments, its log), written atomically, for `status` and `cancel`. The job script is built as a stage
 * job's is (safe-values.ts): `#SBATCH` lines from `--coordinator-option` (each checked as one sbatch option), then
 * `exec` of the command with every argument quoted for /bin/sh; nothing from the user is ever spliced unquoted.
 * The script also exports {@link DETACHED_ENV}, which makes the coordinator leave its jobs running when Slurm ends it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { mkdirSharedSync, UnexpectedFileError } from '../../../cache/safe-file.ts';
import { DETACHED_ENV } from '../../detached.ts';
import { FileError, UsageError } from '../../errors.ts';
import { CoordinatorBusyError, probeCoordinator } from '../coordinator-lock.ts';
import type { DetachContext, ExecutorReport } from '../plugin.ts';
import { JOB_ID, type SlurmClient, type SlurmJobInfo } from './client.ts';
import { shellQuote } from '../../shell-quote.ts';
import { batchState, describeState } from './executor.ts';
import { argumentProblem, directiveArgument, formatSlurmTime, printable, sbatchOptionProblem } from './safe-values.ts';

/** The file, in the cache directory, that records the coordinator job of the last detached run. */
export const SLURM_COORDINATOR_FILE = 'slurm-coordinator.json';

/** The coordinator's time limit unless `--coordinator-time` says otherwise: 7 days, in minutes. */
export const DEFAULT_COORDINATOR_MINUTES = 7 * 24 * 60;

/** What `slurm-coordinator.json` holds. */
export interface CoordinatorRecord {
  format: 1;
  jobId: string;
  submittedAt: string;
  /** The host it was submitted from, and the working directory of the job. */
  host: string;
  workdir: string;
  /** The coordinator's command: node, the `sgd-noise` entry point, `run` and the run's arguments. */
  argv: string[];
  /** Its batch script and log (stdout and stderr). */
  script: string;
  log: string;
  timeLimitMin: number;
  /** The `#SBATCH` lines of its script (`--coordinator-option`). */
  options: string[];
}

const RECORD = z.object({
  format: z.literal(1),
  jobId: z.string().regex(JOB_ID, 'a Slurm job id'),
  submittedAt: z.string(),
  host: z.string(),
  workdir: z.string(),
  argv: z.array(z.string()),
  script: z.string(),
  log: z.string(),
  timeLimitMin: z.number().int().positive(),
  options: z.array(z.string()),
});

/** The coordinator record of `cacheDir`, or undefined when there is none; throws naming the file when it is not one. */
export function readCoordinatorRecord(cacheDir: string): CoordinatorRecord | undefined {
  const file = path.join(cacheDir, SLURM_COORDINATOR_FILE);
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not a coordinator record: ${(err as Error).message}; move it aside`);
  }
  const parsed = RECORD.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file} is not a coordinator record: ${issue.path.join('.') || '(top)'}: ${issue.message}; move it aside`);
  }
  return parsed.data as CoordinatorRecord;
}

/** Writes the coordinator record of `cacheDir` atomically (temporary file, then rename). */
export function writeCoordinatorRecord(cacheDir: string, record: CoordinatorRecord): void {
  const file = path.join(cacheDir, SLURM_COORDINATOR_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
}

/**
 * The coordinator's batch script: its `#SBATCH` options (each one sbatch option, quoted for sbatch), the variable that
 * marks it detached, then `exec` of its command with every argument quoted for /bin/sh. Throws, naming the value, on
 * an option that is not one sbatch option or an argument no script can carry.
 */
export function coordinatorScript(o: { cacheDir: string; options: readonly string[]; argv: readonly string[] }): string {
  for (const d of o.options) {
    const problem = sbatchOptionProblem(d);
    if (problem !== undefined) throw new UsageError(`--coordinator-option ${JSON.stringify(d)} ${problem}`);
  }
  o.argv.forEach((arg, i) => {
    const problem = argumentProblem(arg);
    if (problem !== undefined) throw new UsageError(`the coordinator's command: argument ${i}, ${JSON.stringify(arg)}, ${problem}`);
  });
  return [
    '#!/bin/sh',
    `# sgd-noise coordinator of the cache ${printable(o.cacheDir)}`,
    ...o.options.map((d) => `#SBATCH ${directiveArgument(d)}`),
    // Marks the run as a detached coordinator: Slurm ending it (SIGTERM) leaves its jobs running for a rerun to adopt.
    `export ${DETACHED_ENV}=1`,
    `exec ${o.argv.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/** The coordinator job's state as `status` and `cancel` show it. */
export interface CoordinatorState {
  /** pending, running, ended (whatever way), or unknown (squeue could not be asked). */
  phase: 'pending' | 'running' | 'ended' | 'unknown';
  /** Slurm's words: `RUNNING`, `PENDING (Priority)`, `CANCELLED`, `TIMEOUT`, or why it is unknown. */
  detail: string;
}

/** The state of the coordinator job `jobId`, from one `states` call. */
export async function coordinatorState(client: Pick<SlurmClient, 'states'>, jobId: string): Promise<CoordinatorState> {
  let info: SlurmJobInfo | undefined;
  try {
    info = (await client.states([jobId])).get(jobId);
  } catch (err) {
    return { phase: 'unknown', detail: `cannot read its state: ${(err as Error).message}` };
  }
  if (!info) return { phase: 'unknown', detail: 'Slurm said nothing of it' };
  const s = batchState(info);
  const phase = s.phase === 'queued' || s.phase === 'never' ? 'pending' : s.phase === 'running' ? 'running' : 'ended';
  return { phase, detail: describeState(info) };
}

/**
 * Throws a UsageError while a coordinator of this cache runs (it holds the jobs file's lock: a CoordinatorBusyError
 * naming it) or the detached coordinator recorded in `cacheDir` is still queued or starting (unless this process is
 * that coordinator): a second coordinator would drive the same jobs.
 */
export async function refuseWhileCoordinatorLives(cacheDir: string, jobsFile: string, client: Pick<SlurmClient, 'states'>): Promise<void> {
  const holder = probeCoordinator(`${jobsFile}.lock`);
  if (holder !== undefined) throw new CoordinatorBusyError('pid' in holder ? holder : undefined, cacheDir, 'Slurm');
  const earlier = readCoordinatorRecord(cacheDir);
  if (!earlier || earlier.jobId === process.env.SLURM_JOB_ID) return;
  const state = await coordinatorState(client, earlier.jobId);
  if (state.phase === 'pending' || state.phase === 'running') {
    throw new UsageError(
      `the detached coordinator of this cache, Slurm job ${earlier.jobId} (submitted ${earlier.submittedAt}), is still ${state.detail}; a second coordinator would drive the same jobs. ` +
        `Follow it with \`sgd-noise status --cache ${cacheDir}\`, or stop it with \`sgd-noise cancel --cache ${cacheDir}\` first`,
    );
  }
}

/** What `submitCoordinator` needs beside the run: where logs go and how to reach Slurm. */
export interface CoordinatorSubmission {
  client: Pick<SlurmClient, 'submit' | 'states'>;
  /** The shared log directory (`--slurm-log-dir`, else REMOTE/slurm-logs). */
  logDir: string;
  /** The jobs file of this cache (its lock tells whether a coordinator runs). */
  jobsFile: string;
  timeLimitMin: number;
  options: readonly string[];
}

/**
 * Submits the coordinator job of `run`, records it, and says how to follow it. Refuses (UsageError) while a
 * coordinator of this cache is running (it holds the jobs file's lock) or its recorded job is still queued or
 * running: a second would drive the same jobs.
 */
export async function submitCoordinator(run: DetachContext, o: CoordinatorSubmission): Promise<ExecutorReport> {
  await refuseWhileCoordinatorLives(run.cacheDir, o.jobsFile, o.client);
  const script = coordinatorScript({ cacheDir: run.cacheDir, options: o.options, argv: run.argv });
  try {
    mkdirSharedSync(o.logDir);
  } catch (err) {
    if (err instanceof UnexpectedFileError) throw err;
    throw new FileError((err as { path?: string }).path ?? o.logDir, err, 'slurmLogs');
  }
  const base = path.join(o.logDir, `coordinator-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  const [scriptFile, log] = [`${base}.sh`, `${base}.log`];
  // Only new files (O_CREAT|O_EXCL, which never follows a link), as for the stage jobs (batch.ts).
  for (const [file, text] of [
    [scriptFile, script],
    [log, ''],
  ] as const) {
    try {
      writeFileSync(file, text, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new Error(`cannot write ${file}: something is already there; sgd-noise only creates new files there`);
      throw new FileError(file, err, 'slurmLogs');
    }
  }
  const jobId = await o.client.submit({ script, jobName: 'sgdn:coordinator', cpus: 1, timeLimitMin: o.timeLimitMin, output: log, workdir: run.workdir });
  const record: CoordinatorRecord = {
    format: 1,
    jobId,
    submittedAt: new Date().toISOString(),
    host: hostname(),
    workdir: run.workdir,
    argv: [...run.argv],
    script: scriptFile,
    log,
    timeLimitMin: o.timeLimitMin,
    options: [...o.options],
  };
  writeCoordinatorRecord(run.cacheDir, record);
  const follow = { status: run.follow.status, log: `tail -f ${shellQuote(log)}`, cancel: run.follow.cancel };
  return {
    ok: true,
    json: { coordinator: record, follow },
    lines: [
      `submitted the coordinator as Slurm job ${jobId} (1 CPU, time limit ${formatSlurmTime(o.timeLimitMin)}); it runs this same command without --detach, and this shell is free`,
      `  follow it:   ${follow.status}`,
      `  its log:     ${follow.log}`,
      `  stop it:     ${follow.cancel}`,
      '  resume it:   run the same command again (finished entries are hits, jobs still running are adopted)',
    ],
  };
}
