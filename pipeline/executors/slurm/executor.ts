/**
 * The Slurm executor: the generic batch executor (executors/batch.ts: slots, retries, remote staging, log tailing,
 * the jobs file) over Slurm as its scheduler. Each isolated instance becomes one `sbatch` job running
 * `sgd-noise exec <instance> --key K` (exec-command.ts) on some node; the states of every job in flight come from ONE
 * `SlurmClient.states` call per poll; a job Slurm no longer knows (UNKNOWN) is lost, one pending for a reason it
 * never gets over (NEVER_STARTS) can never start; cancelling is one `scancel`. This module holds only what is Slurm's:
 * the job script, the sbatch request, the reading of Slurm's states and the checks of what reaches sbatch.
 */
import { BATCH_DEFAULTS, BatchExecutor, type BatchExecutorOptions, type BatchJobState, type BatchScheduler } from '../batch.ts';
import { GPU_REQUESTS, GPU_TYPE, isTerminal, JOB_ID, type GpuRequest, type SlurmClient, type SlurmJobInfo } from './client.ts';
import { argumentProblem, controlCharacter, directiveArgument, printable, sbatchOptionProblem, slurmPathProblem } from './safe-values.ts';

import { shellQuote } from '../../shell-quote.ts';

export { readJobsFile, type JobRecord, type JobsFile } from '../batch.ts';
export { shellQuote } from '../../shell-quote.ts';

/** The part of {@link SlurmClient} the executor uses (tests pass a fake). */
export type SlurmApi = Pick<SlurmClient, 'submit' | 'states' | 'cancel'>;

/** Defaults of the Slurm executor's options. */
export const SLURM_DEFAULTS = BATCH_DEFAULTS;

/** How the Slurm executor submits and watches jobs: the batch executor's options plus Slurm's own. */
export interface SlurmExecutorOptions extends BatchExecutorOptions {
  client: SlurmApi;
  /** sbatch options applied to every job as `#SBATCH` lines (defaults: a stage's `resources` override them). */
  sbatchDefaults?: readonly string[];
  /**
   * How a job whose stage needs GPUs (`resources().gpus`, else `gpus`) asks for them: `--gpus=N` (default),
   * `--gres=gpu:N` or `--gpus-per-task=N`; a job that needs none asks for nothing GPU-related.
   */
  gpuRequest?: GpuRequest;
  /** A GPU type for those requests (`--gpus=h100:1`, `--gres=gpu:h100:1`); letters, digits, `_`, `.`, `-`. */
  gpuType?: string;
}

/**
 * The batch script of one job: `#SBATCH` defaults (each one sbatch argument, quoted for sbatch's reading of those
 * lines), then `exec` of the command (so the job's process is sgd-noise), every argument quoted for /bin/sh. Throws,
 * naming the value, on a default that is no single sbatch option or an argument no script can carry
 * (safe-values.ts): nothing can end a line early, so nothing can run before the command or hide an `#SBATCH` line.
 */
export function jobScript(o: { instance: string; key: string; defaults: readonly string[]; argv: readonly string[] }): string {
  const job = `job script of ${printable(o.instance)}`;
  for (const d of o.defaults) {
    const problem = sbatchOptionProblem(d);
    if (problem !== undefined) throw new Error(`${job}: #SBATCH option ${JSON.stringify(d)} ${problem}`);
  }
  o.argv.forEach((arg, i) => {
    const problem = argumentProblem(arg);
    if (problem !== undefined) throw new Error(`${job}: argument ${i} of the command, ${JSON.stringify(arg)}, ${problem}`);
  });
  return [
    '#!/bin/sh',
    `# sgd-noise job: ${printable(o.instance)} (${printable(o.key)})`,
    ...o.defaults.map((d) => `#SBATCH ${directiveArgument(d)}`),
    // exec: the job shell becomes the sgd-noise process, so a signal to the job reaches the stage and no orphan stays
    `exec ${o.argv.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/** The Slurm executor: the batch executor over {@link slurmScheduler}; see the module comment. */
export class SlurmExecutor extends BatchExecutor {
  constructor(o: SlurmExecutorOptions) {
    super('slurm', slurmScheduler(o), o);
  }
}

/** Slurm as a batch scheduler: sbatch, one squeue/scontrol for every job's state, scancel. */
export function slurmScheduler(o: SlurmExecutorOptions): BatchScheduler {
  return {
    label: 'Slurm',
    submittedState: 'PENDING',
    cancelCommand: 'scancel',
    logRole: 'slurmLogs',
    neverStartsAdvice: 'Ask for less (--slurm-max-cpus N) or choose a partition that has it (--slurm-option=--partition=P)',
    check(logDir) {
      if (o.gpuRequest !== undefined && !GPU_REQUESTS.includes(o.gpuRequest)) {
        throw new Error(`Slurm executor: gpuRequest must be one of ${GPU_REQUESTS.join(', ')}, got ${JSON.stringify(o.gpuRequest)}`);
      }
      if (o.gpuType !== undefined && !GPU_TYPE.test(o.gpuType))
        throw new Error(`Slurm executor: gpuType must match ${GPU_TYPE} (e.g. h100), got ${JSON.stringify(o.gpuType)}`);
      checkValues(o, logDir);
    },
    script: ({ instance, key, argv }) => jobScript({ instance, key, defaults: o.sbatchDefaults ?? [], argv }),
    submit: (job) =>
      o.client.submit({
        script: job.script,
        jobName: `sgdn:${printable(job.instance)}`.slice(0, 120),
        cpus: job.cpus,
        ...(job.gpus > 0 ? { gpus: job.gpus, ...(o.gpuRequest ? { gpuRequest: o.gpuRequest } : {}), ...(o.gpuType ? { gpuType: o.gpuType } : {}) } : {}),
        ...(job.memMB !== undefined ? { memMB: job.memMB } : {}),
        ...(job.timeMin !== undefined ? { timeLimitMin: job.timeMin } : {}),
        output: job.log,
        workdir: job.workdir,
      }),
    states: async (ids) => new Map([...(await o.client.states(ids))].map(([id, info]) => [id, batchState(info)])),
    cancel: (ids) => o.client.cancel(ids),
    currentJob: () => {
      const id = process.env.SLURM_JOB_ID;
      return id !== undefined && JOB_ID.test(id) ? id : undefined;
    },
  };
}

/** A Slurm job's state as the batch executor reads it. */
export function batchState(info: SlurmJobInfo): BatchJobState {
  const detail = describeState(info);
  if (info.state === 'UNKNOWN') return { state: info.state, phase: 'lost', detail };
  if (isTerminal(info.state)) return { state: info.state, phase: info.state === 'COMPLETED' && (info.exitCode ?? 0) === 0 ? 'done' : 'failed', detail };
  if (info.state === 'PENDING' && info.reason && NEVER_STARTS.has(info.reason)) return { state: info.state, phase: 'never', detail, reason: info.reason };
  const queued = info.state === 'PENDING' || info.state === 'REQUEUED' || info.state === 'REQUEUE_HOLD' || info.state === 'CONFIGURING';
  return { state: info.state, phase: queued ? 'queued' : 'running', detail };
}

/**
 * Throws, naming the option, where a value of `o` cannot reach a job script or sbatch as it is (safe-values.ts): an
 * `#SBATCH` default that is no single sbatch option, a log directory Slurm cannot name, a control character in the
 * working directory or the node cache, an argument no script can carry.
 */
function checkValues(o: SlurmExecutorOptions, logDir: string): void {
  const fail = (what: string, value: string, problem: string) => {
    throw new Error(`Slurm executor: ${what} ${JSON.stringify(value)} ${problem}`);
  };
  for (const d of o.sbatchDefaults ?? []) {
    const problem = sbatchOptionProblem(d);
    if (problem !== undefined) fail('#SBATCH option', d, problem);
  }
  const log = slurmPathProblem(logDir);
  if (log !== undefined) fail('log directory', logDir, log);
  for (const [what, value] of [
    ['working directory', o.workdir],
    ['node cache', o.nodeCache],
  ] as const) {
    const control = value === undefined ? undefined : controlCharacter(value);
    if (control !== undefined) fail(what, value!, `contains ${control}`);
  }
  for (const arg of [...o.command, ...o.planArgs, o.remoteLocation]) {
    const problem = argumentProblem(arg);
    if (problem !== undefined) fail('argument', arg, problem);
  }
}

/**
 * Reasons for which Slurm keeps a job pending that it can never start (the request exceeds what the partition, its
 * nodes, the account or the QOS allow). Such a job is cancelled and fails at once, without a retry.
 */
export const NEVER_STARTS = new Set([
  'PartitionConfig',
  'PartitionNodeLimit',
  'PartitionTimeLimit',
  'BadConstraints',
  'AccountNotAllowed',
  'QOSMaxCpuPerJobLimit',
  'QOSMaxGRESPerJob',
  'QOSMaxMemoryPerJob',
  'QOSMaxWallDurationPerJobLimit',
  'InvalidAccount',
  'InvalidQOS',
]);

/** `FAILED (exit code 1)`, `FAILED (signal 9, JobLaunchFailure)`, `PENDING (Resources)`, `UNKNOWN (lost: …)`. */
export function describeState(info: SlurmJobInfo): string {
  const parts: string[] = [];
  if (info.signal !== undefined) parts.push(`signal ${info.signal}`);
  else if (info.exitCode !== undefined && info.exitCode !== 0) parts.push(`exit code ${info.exitCode}`);
  if (info.reason) parts.push(info.reason);
  if (info.state === 'UNKNOWN' && info.source === 'none') parts.splice(0, parts.length, 'Slurm no longer knows the job: lost with its node, or purged');
  return parts.length ? `${info.state} (${parts.join(', ')})` : info.state;
}
