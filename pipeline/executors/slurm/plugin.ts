/**
 * The Slurm plugin: `--executor slurm` runs each isolated instance as one sbatch job (slurm/executor.ts, the batch
 * executor over Slurm). Its options, their checks, the executor's construction and `status`'s view of the jobs file
 * are all here; the CLI knows them only through this declaration.
 */
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { nonNegativeInteger, positiveInteger } from '../../option-values.ts';
import { GPU_REQUESTS, GPU_TYPE, SlurmClient, type GpuRequest } from './client.ts';
import { SLURM_DEFAULTS, SlurmExecutor, batchState } from './executor.ts';
import { slurmRunProblem } from './safe-values.ts';
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
      logDir: path.resolve(o['slurm-log-dir'] ?? path.join(remote.location, 'slurm-logs')),
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
  async status(cacheDir) {
    const jobs = await jobsStatus(path.join(cacheDir, SLURM_JOBS_FILE), async (ids) => {
      const states = await new SlurmClient({ timeoutMs: 10_000 }).states(ids);
      return new Map([...states].map(([id, info]) => [id, batchState(info)]));
    });
    return jobs && { json: jobs, lines: formatSlurmJobs(jobs) };
  },
};

/** The jobs of a Slurm run, one line each, under a line naming the run. */
function formatSlurmJobs(s: JobsFile & { running: boolean; live: boolean }): string[] {
  const lines = [
    `Slurm jobs of ${s.running ? 'the running' : 'the last'} run ${s.runId} (coordinator pid ${s.pid}${s.finishedAt ? `, finished ${s.finishedAt}` : ''}; logs in ${s.logDir}${s.live ? '; states from squeue now' : ''}):`,
  ];
  for (const j of s.jobs) {
    lines.push(`  ${j.jobId.padEnd(8)} ${j.phase.padEnd(9)} ${j.slurmState.padEnd(13)} ${j.instance}${j.attempt > 1 ? ` (attempt ${j.attempt})` : ''}`);
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
