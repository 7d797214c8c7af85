/**
 * The Slurm plugin: `--executor slurm` runs each isolated instance as one sbatch job (slurm/executor.ts, the batch
 * executor over Slurm); `--detach` submits the coordinator itself as a job (slurm/coordinator.ts) and `cancel` stops
 * it and its jobs (slurm/cancel.ts). Its options, their checks, the executor's construction and `status`'s view of the
 * coordinator and the jobs file are all here; the CLI knows them only through this declaration.
 */
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { nonNegativeInteger, positiveInteger } from '../../option-values.ts';
import { GPU_REQUESTS, GPU_TYPE, SlurmClient, type GpuRequest } from './client.ts';
import { cancelSlurmRun } from './cancel.ts';
import {
  coordinatorState,
  DEFAULT_COORDINATOR_MINUTES,
  readCoordinatorRecord,
  refuseWhileCoordinatorLives,
  submitCoordinator,
  type CoordinatorRecord,
  type CoordinatorState,
} from './coordinator.ts';
import { SLURM_DEFAULTS, SlurmExecutor, batchState } from './executor.ts';
import { formatSlurmTime, slurmRunProblem, slurmTimeMinutes } from './safe-values.ts';
import { jobsStatus, type JobsFile } from '../batch.ts';
import type { ExecutorCheck, ExecutorPlugin } from '../plugin.ts';

/** The file, in the cache directory, where a Slurm run keeps its jobs and their states (for `status`). */
export const SLURM_JOBS_FILE = 'slurm-jobs.json';

/** The config's optional `slurm` section (a project may declare it; see pipeline.config.ts). */
interface SlurmConfig {
  memMB?: number;
  timeMin?: number;
  options?: string[];
  gpuRequest?: string;
  gpuType?: string;
}

/** `--executor slurm`; see the module comment. */
export const slurmPlugin: ExecutorPlugin = {
  name: 'slurm',
  summary: 'one sbatch job each (needs --remote)',
  label: 'Slurm',
  needsRemote: true,
  options: [
    { name: 'slurm-option', type: 'string', multiple: true, arg: 'OPT', help: '#SBATCH defaults, e.g.\n--slurm-option=--partition=P', default: [] },
    {
      name: 'max-jobs',
      type: 'string',
      arg: 'N',
      help: `jobs in flight, default ${SLURM_DEFAULTS.maxJobs}`,
      default: SLURM_DEFAULTS.maxJobs,
      parse: (t, f) => positiveInteger(f, t, 'the most Slurm jobs in flight'),
    },
    {
      name: 'retries',
      type: 'string',
      arg: 'N',
      help: `default ${SLURM_DEFAULTS.retries}`,
      default: SLURM_DEFAULTS.retries,
      parse: (t, f) => nonNegativeInteger(f, t),
    },
    { name: 'slurm-log-dir', type: 'string', arg: 'DIR', help: 'shared; default REMOTE/slurm-logs', newLine: true },
    { name: 'slurm-node-cache', type: 'string', arg: 'DIR', help: "default the node's $TMPDIR" },
    {
      name: 'slurm-max-cpus',
      type: 'string',
      arg: 'N',
      help: `cap on a stage's threads as --cpus-per-task, default ${SLURM_DEFAULTS.maxCpus} or the\nlargest node's CPUs if fewer, from sinfo`,
      newLine: true,
      parse: (t, f) => positiveInteger(f, t, 'the most CPUs a job asks for by default'),
    },
    // Checked with the config's slurm.gpuRequest / slurm.gpuType, which they replace (slurmGpuOptions).
    {
      name: 'slurm-gpu-request',
      type: 'string',
      arg: GPU_REQUESTS.join('|'),
      help: "how a stage's\nGPUs are asked for: --gpus=N, the default, --gres=gpu:N or --ntasks=1 --gpus-per-task=N",
    },
    { name: 'slurm-gpu-type', type: 'string', arg: 'T', help: 'a GPU type: --gpus=T:N, --gres=gpu:T:N', newLine: true },
    { name: 'detach', type: 'boolean', help: 'submit the coordinator as a Slurm job of its own and return', newLine: true },
    {
      name: 'coordinator-time',
      type: 'string',
      arg: 'T',
      help: `its time limit, default ${formatSlurmTime(DEFAULT_COORDINATOR_MINUTES)}`,
      newLine: true,
      default: DEFAULT_COORDINATOR_MINUTES,
      parse: coordinatorTime,
      detachOnly: true,
    },
    { name: 'coordinator-option', type: 'string', multiple: true, arg: 'OPT', help: 'its #SBATCH lines', default: [], detachOnly: true },
  ],
  check: checkSlurmValues,
  async create(ctx) {
    const o = ctx.options as {
      'slurm-option': string[];
      'max-jobs': number;
      retries: number;
      'slurm-log-dir'?: string;
      'slurm-node-cache'?: string;
      'slurm-max-cpus'?: number;
      'slurm-gpu-request'?: string;
      'slurm-gpu-type'?: string;
    };
    const pollMs = process.env.SGD_NOISE_SLURM_POLL_MS
      ? positiveInteger('$SGD_NOISE_SLURM_POLL_MS', process.env.SGD_NOISE_SLURM_POLL_MS, 'milliseconds between job state polls')
      : undefined;
    const client = new SlurmClient();
    // Another coordinator, running or (detached) still queued, would drive the same jobs: refused before anything starts.
    await refuseWhileCoordinatorLives(ctx.cacheDir, path.join(ctx.cacheDir, SLURM_JOBS_FILE), client);
    // Defaults from the config's optional `slurm` section (a project may declare it; see pipeline.config.ts).
    const slurmConfig = (ctx.config.slurm ?? {}) as SlurmConfig;
    // Without --slurm-max-cpus, no job asks for more CPUs than the largest node (of the partition) has: Slurm would
    // keep such a job pending for ever.
    const partition = [...(slurmConfig.options ?? []), ...o['slurm-option']]
      .map((x) => /^(?:--partition=|-p)(.+)$/.exec(x)?.[1])
      .filter(Boolean)
      .pop(); // the last one wins, as in sbatch
    const largest = o['slurm-max-cpus'] === undefined ? await client.largestNodeCpus(partition) : undefined;
    const maxCpus = o['slurm-max-cpus'] ?? Math.min(SLURM_DEFAULTS.maxCpus, largest ?? SLURM_DEFAULTS.maxCpus);
    const remote = ctx.remote!;
    return new SlurmExecutor({
      client,
      cache: ctx.cache,
      remote,
      remoteLocation: remote.location,
      logDir: slurmLogDir(o['slurm-log-dir'], remote.location),
      command: ctx.command,
      planArgs: ctx.planArgs,
      ...(o['slurm-node-cache'] !== undefined ? { nodeCache: o['slurm-node-cache'] } : {}),
      sbatchDefaults: [...(slurmConfig.options ?? []), ...o['slurm-option']],
      resourceDefaults: {
        ...(slurmConfig.memMB !== undefined ? { memMB: slurmConfig.memMB } : {}),
        ...(slurmConfig.timeMin !== undefined ? { timeMin: slurmConfig.timeMin } : {}),
      },
      workdir: process.cwd(),
      maxJobs: o['max-jobs'],
      retries: o.retries,
      ...(pollMs !== undefined ? { pollMs } : {}),
      maxCpus,
      ...slurmGpuOptions(o['slurm-gpu-request'] ?? slurmConfig.gpuRequest, o['slurm-gpu-type'] ?? slurmConfig.gpuType),
      jobsFile: path.join(ctx.cacheDir, SLURM_JOBS_FILE),
    });
  },
  async detach(run) {
    const o = run.options as { 'slurm-log-dir'?: string; 'coordinator-time': number; 'coordinator-option': string[] };
    return submitCoordinator(run, {
      client: new SlurmClient(),
      logDir: slurmLogDir(o['slurm-log-dir'], run.remote!.location),
      jobsFile: path.join(run.cacheDir, SLURM_JOBS_FILE),
      timeLimitMin: o['coordinator-time'],
      options: o['coordinator-option'],
    });
  },
  async status(cacheDir) {
    const client = new SlurmClient({ timeoutMs: 10_000 });
    const jobs = await jobsStatus(path.join(cacheDir, SLURM_JOBS_FILE), async (ids) => {
      const states = await client.states(ids);
      return new Map([...states].map(([id, info]) => [id, batchState(info)]));
    });
    const record = readCoordinatorRecord(cacheDir);
    const coordinator = record && { ...record, state: await coordinatorState(client, record.jobId) };
    if (!jobs && !coordinator) return undefined;
    return {
      json: { ...jobs, ...(coordinator ? { coordinator } : {}) },
      lines: [
        ...(coordinator ? formatCoordinator(coordinator) : []),
        ...(jobs ? formatSlurmJobs(jobs) : ['Slurm jobs: none yet (the coordinator has not started its run)']),
      ],
    };
  },
  cancel: (cacheDir) => cancelSlurmRun(cacheDir, path.join(cacheDir, SLURM_JOBS_FILE), new SlurmClient({ timeoutMs: 30_000 })),
};

/** The shared directory of job scripts and logs: `--slurm-log-dir`, else REMOTE/slurm-logs. */
function slurmLogDir(flag: string | undefined, remote: string): string {
  return path.resolve(flag ?? path.join(remote, 'slurm-logs'));
}

/** `--coordinator-time T`: a Slurm time limit (`7-00:00:00`, `48:00:00`, `90`), in minutes; else a usage error. */
function coordinatorTime(text: string, flag: string): number {
  const minutes = slurmTimeMinutes(text);
  if (minutes === undefined) {
    throw new UsageError(
      `${flag}: expected a Slurm time limit of at least a minute (MINUTES, HOURS:MINUTES:SECONDS, DAYS-HOURS[:MINUTES[:SECONDS]], e.g. 7-00:00:00), received ${JSON.stringify(text)}`,
    );
  }
  return minutes;
}

/** The detached coordinator, in one line: its job, its state, when it was submitted, its log. */
function formatCoordinator(c: CoordinatorRecord & { state: CoordinatorState }): string[] {
  const state = c.state.phase === 'ended' ? `ended, ${c.state.detail}` : c.state.detail;
  return [`Slurm coordinator job ${c.jobId} (detached, submitted ${c.submittedAt} from ${c.host}): ${state}; its log: ${c.log}`];
}

/** The jobs of a Slurm run, one line each, under a line naming the run. */
function formatSlurmJobs(s: JobsFile & { running: boolean; live: boolean }): string[] {
  const where = `coordinator pid ${s.pid}${s.host ? ` on ${s.host}` : ''}${s.job ? `, in Slurm job ${s.job}` : ''}`;
  const end = s.finishedAt ? `, finished ${s.finishedAt}` : s.leftAt ? `, left its jobs running at ${s.leftAt} for a rerun to adopt` : '';
  const lines = [
    `Slurm jobs of ${s.running ? 'the running' : 'the last'} run ${s.runId} (${where}${end}; logs in ${s.logDir}${s.live ? '; states from squeue now' : ''}):`,
  ];
  for (const j of s.jobs) {
    const notes = [...(j.attempt > 1 ? [`attempt ${j.attempt}`] : []), ...(j.fromRun ? [`submitted by run ${j.fromRun}`] : [])];
    lines.push(`  ${j.jobId.padEnd(8)} ${j.phase.padEnd(9)} ${j.slurmState.padEnd(13)} ${j.instance}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  }
  if (s.jobs.length === 0) lines.push('  (none submitted: every instance was cached)');
  return lines;
}

/** `--slurm-gpu-request` / `--slurm-gpu-type` (else the config's `slurm.gpuRequest` / `slurm.gpuType`), checked. */
function slurmGpuOptions(request: string | undefined, type: string | undefined): { gpuRequest?: GpuRequest; gpuType?: string } {
  if (request !== undefined && !(GPU_REQUESTS as readonly string[]).includes(request)) {
    throw new UsageError(`--slurm-gpu-request (or slurm.gpuRequest): expected ${GPU_REQUESTS.join(', ')}, received '${request}'`);
  }
  if (type !== undefined && !GPU_TYPE.test(type)) {
    throw new UsageError(
      `--slurm-gpu-type (or slurm.gpuType): expected a GPU type of letters, digits, '_', '.' and '-' (e.g. h100), received ${JSON.stringify(type)}`,
    );
  }
  return { ...(request !== undefined ? { gpuRequest: request as GpuRequest } : {}), ...(type !== undefined ? { gpuType: type } : {}) };
}

/**
 * Every value of a Slurm run that reaches a job script or sbatch (safe-values.ts), checked before anything runs: a
 * usage error names the option or config path (`--slurm-option`, `slurm.options.2`, `--slurm-log-dir`, ...).
 */
function checkSlurmValues(run: ExecutorCheck): void {
  const detachOnly = (['coordinator-time', 'coordinator-option'] as const).find((f) => run.flags[f] !== undefined);
  if (detachOnly !== undefined && !run.flags.detach) throw new UsageError(`--${detachOnly} describes the coordinator's own job: it goes with --detach`);
  if (run.flags['coordinator-time'] !== undefined) coordinatorTime(run.flags['coordinator-time'] as string, '--coordinator-time');
  const coordinatorOptions = (run.flags['coordinator-option'] as string[] | undefined) ?? [];
  const timeOption = coordinatorOptions.find((x) => /^(?:--time(?:=|$)|-t)/.test(x));
  if (timeOption !== undefined)
    throw new UsageError(`--coordinator-option ${JSON.stringify(timeOption)}: give the coordinator's time limit with --coordinator-time`);
  const configOptions = (run.config.slurm as { options?: unknown[] } | undefined)?.options ?? [];
  const options = (run.flags['slurm-option'] as string[] | undefined) ?? [];
  const logDirFlag = run.flags['slurm-log-dir'] as string | undefined;
  const nodeCache = run.flags['slurm-node-cache'] as string | undefined;
  const logDir =
    logDirFlag !== undefined
      ? { name: '--slurm-log-dir', value: path.resolve(logDirFlag) }
      : { name: `the default log directory (${run.remote?.name ?? '--remote'}/slurm-logs)`, value: path.join(run.remote?.value ?? '', 'slurm-logs') };
  const problem = slurmRunProblem({
    options: [
      ...configOptions.map((value, i) => ({ name: `slurm.options.${i}`, value: String(value) })),
      ...options.map((value) => ({ name: '--slurm-option', value })),
      ...coordinatorOptions.map((value) => ({ name: '--coordinator-option', value })),
    ],
    logDir,
    plain: [
      ...(run.remote ? [run.remote] : []),
      ...(nodeCache !== undefined ? [{ name: '--slurm-node-cache', value: nodeCache }] : []),
      { name: '--project', value: run.projectModule },
      { name: "the working directory (the jobs' --chdir)", value: process.cwd() },
    ],
    args: [...run.overrides.map((value) => ({ name: 'override', value })), ...run.sweeps.map((value) => ({ name: '--sweep', value }))],
  });
  if (problem !== undefined) throw new UsageError(problem);
}
