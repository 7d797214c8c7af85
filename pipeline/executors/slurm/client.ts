/**
 * A thin, typed client over Slurm's command-line tools (sbatch, squeue, scontrol, scancel), for the Slurm executor.
 * It knows nothing of stages: it submits a script or command, reads job states, and cancels jobs. The environment
 * (`SLURM_CONF` to pick a cluster) and the command runner are injectable.
 *
 * ```ts
 * const slurm = new SlurmClient({ env: { SLURM_CONF: '/tmp/c/slurm.conf' } });
 * const id = await slurm.submit({ command: 'echo hi', jobName: 'hi', output: '/tmp/hi.log' });
 * (await slurm.states([id])).get(id); // { jobId: '1', state: 'COMPLETED', exitCode: 0, source: 'scontrol' }
 * ```
 *
 * Without accounting `sacct` has no history, so a finished job is only visible for `MinJobAge` seconds (slurm.conf,
 * default 300; slurmctld purges on a timer, so often somewhat longer). Poll more often than that: a job seen by
 * neither squeue nor scontrol is reported as `UNKNOWN` with `source: 'none'`.
 */
import { type CommandRunner, commandFailed, execaRunner } from './command.ts';
import { isTerminal, parseSbatchParsable, parseScontrolJobs, parseSqueue, SQUEUE_FORMAT, type SlurmJobInfo } from './parse.ts';
import { controlCharacter, filenamePattern, sbatchOptionProblem } from './safe-values.ts';

export { SlurmCommandError, type CommandResult, type CommandRunner, execaRunner } from './command.ts';
export { isTerminal, SLURM_JOB_STATES, type SlurmJobInfo, type SlurmJobState } from './parse.ts';

/** Jobs this one waits for, by kind: `afterok` (they completed with exit 0), `afterany` (ended), `afternotok` (failed). */
export interface SlurmDependency {
  afterok?: readonly string[];
  afterany?: readonly string[];
  afternotok?: readonly string[];
}

/**
 * How a job's GPUs are asked for: `gpus` → `--gpus=N` (GPUs for the job, Slurm's own option since 19.05), `gres` →
 * `--gres=gpu:N` (per node: older clusters, and sites that configure GPUs as generic resources only), `gpus-per-task`
 * → `--ntasks=1 --gpus-per-task=N` (sites whose policy counts GPUs per task).
 */
export type GpuRequest = 'gpus' | 'gres' | 'gpus-per-task';
/** Every {@link GpuRequest}, the default first. */
export const GPU_REQUESTS: readonly GpuRequest[] = ['gpus', 'gres', 'gpus-per-task'];
/** What a GPU type may look like (`h100`, `a100_80g`, `tesla-v100`): it becomes part of an sbatch argument. */
export const GPU_TYPE = /^[A-Za-z0-9_.-]+$/;

/** What to submit. Exactly one of `script` and `command`. */
export interface SlurmJobSpec {
  /** A whole batch script (starting with `#!`), handed to sbatch on stdin. */
  script?: string;
  /** A shell command, run by sbatch's `--wrap` in `/bin/sh`. */
  command?: string;
  jobName: string;
  /** `--cpus-per-task` (default: Slurm's, 1). */
  cpus?: number;
  /** GPUs to ask for (default 0: none, and no GPU option at all), in the form `gpuRequest` says. */
  gpus?: number;
  /** How `gpus` is asked for (default `gpus`: `--gpus=N`). */
  gpuRequest?: GpuRequest;
  /** A GPU type the cluster knows (`--gpus=h100:1`, `--gres=gpu:h100:1`); letters, digits, `_`, `.`, `-`. */
  gpuType?: string;
  /** `--mem` in MiB (default: the cluster's DefMemPerCPU, or the whole node when it has none). */
  memMB?: number;
  /** `--time` in minutes (Slurm's granularity; default the partition's limit). */
  timeLimitMin?: number;
  /**
   * `--output`: the file of the job's stdout, and its stderr unless `error` is given. A literal path: its `%` are
   * escaped (`%%`), so Slurm expands no filename pattern in it; a path with a backslash or a control character is
   * refused (Slurm would drop the backslashes).
   */
  output: string;
  /** `--error`, a literal path as `output` is. */
  error?: string;
  /** `--chdir` (default: the submitting process's working directory); no control characters. */
  workdir?: string;
  /**
   * Variables set for the job: put into sbatch's environment, which sbatch exports to the job (`--export=ALL`).
   * Names are letters, digits and `_`; values hold no NUL.
   */
  env?: Record<string, string>;
  dependency?: SlurmDependency;
  /**
   * `--kill-on-invalid-dep`: cancel this job when a dependency can never be met (an `afterok` job failed), instead
   * of leaving it pending with reason `DependencyNeverSatisfied` forever. Default true.
   */
  killOnInvalidDependency?: boolean;
  /**
   * Options passed through as they are, each one option with its value attached, e.g. `['--partition=gpu',
   * '--gres=gpu:1']` (safe-values.ts: starting with `-`, no control character).
   */
  extraOptions?: readonly string[];
}

/** Options of `SlurmClient`. */
export interface SlurmClientOptions {
  /** Added to every command's environment, e.g. `{ SLURM_CONF }`. */
  env?: Record<string, string>;
  /** Runs the commands (default: execa). */
  run?: CommandRunner;
  /** Per-command time limit in milliseconds (default 60 s). */
  timeoutMs?: number;
}

function positiveInteger(spec: SlurmJobSpec, key: 'cpus' | 'memMB' | 'timeLimitMin'): void {
  const v = spec[key];
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
    throw new Error(`Slurm job ${JSON.stringify(spec.jobName)}: ${key} must be a positive integer, got ${v}`);
  }
}

/**
 * The sbatch options that ask for `spec.gpus` GPUs (none for 0 or undefined). Throws, naming the job, on a count that
 * is not a non-negative integer, an unknown request form, or a type outside {@link GPU_TYPE} (so no value can smuggle
 * another option or a line into the arguments).
 *
 * ```ts
 * gpuOptions({ ..., gpus: 1 });                                        // ['--gpus=1']
 * gpuOptions({ ..., gpus: 2, gpuRequest: 'gres', gpuType: 'h100' });  // ['--gres=gpu:h100:2']
 * ```
 */
export function gpuOptions(spec: SlurmJobSpec): string[] {
  const job = JSON.stringify(spec.jobName);
  const n = spec.gpus ?? 0;
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`Slurm job ${job}: gpus must be a non-negative integer, got ${n}`);
  const request = spec.gpuRequest ?? 'gpus';
  if (!GPU_REQUESTS.includes(request))
    throw new Error(`Slurm job ${job}: gpuRequest must be one of ${GPU_REQUESTS.join(', ')}, got ${JSON.stringify(request)}`);
  if (spec.gpuType !== undefined && !GPU_TYPE.test(spec.gpuType)) {
    throw new Error(`Slurm job ${job}: gpuType must match ${GPU_TYPE} (e.g. h100), got ${JSON.stringify(spec.gpuType)}`);
  }
  if (n === 0) return [];
  const count = spec.gpuType === undefined ? String(n) : `${spec.gpuType}:${n}`;
  if (request === 'gres') return [`--gres=gpu:${count}`];
  if (request === 'gpus-per-task') return ['--ntasks=1', `--gpus-per-task=${count}`];
  return [`--gpus=${count}`];
}

/** The `--dependency` value, e.g. `afterok:1:2,afterany:3`; undefined when there is none. */
export function dependencyOption(d: SlurmDependency | undefined): string | undefined {
  if (!d) return undefined;
  const parts = (['afterok', 'afterany', 'afternotok'] as const).filter((k) => (d[k]?.length ?? 0) > 0).map((k) => `${k}:${d[k]!.join(':')}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Job ids as `--dependency`, squeue and scancel take them: `123`, or an array task `123_4`. */
export const JOB_ID = /^[0-9]+(?:_[0-9]+)?$/;

/** Throws, naming `command`, unless every id is a job id: an id from a file must never reach a command as an option. */
function checkJobIds(command: string, ids: readonly string[]): void {
  const bad = ids.find((id) => !JOB_ID.test(id));
  if (bad !== undefined) throw new Error(`${command}: ${JSON.stringify(bad)} is not a Slurm job id (e.g. 123 or 123_4)`);
}

/**
 * Throws, naming the job and the field, where a value of `spec` would reach sbatch as something else: a control
 * character in the job name or working directory, an output path Slurm cannot name, a dependency that is no job id,
 * an extra option that is not one sbatch option, or a variable name or value the environment cannot hold.
 */
function checkValues(spec: SlurmJobSpec): void {
  const fail = (what: string) => {
    throw new Error(`Slurm job ${JSON.stringify(spec.jobName)}: ${what}`);
  };
  for (const [field, value] of [
    ['jobName', spec.jobName],
    ['workdir', spec.workdir],
  ] as const) {
    const control = value === undefined ? undefined : controlCharacter(value);
    if (control !== undefined) fail(`${field} ${JSON.stringify(value)} contains ${control}`);
  }
  for (const kind of ['afterok', 'afterany', 'afternotok'] as const) {
    const bad = spec.dependency?.[kind]?.find((id) => !JOB_ID.test(id));
    if (bad !== undefined) fail(`dependency.${kind}: ${JSON.stringify(bad)} is not a job id (e.g. 123 or 123_4)`);
  }
  for (const opt of spec.extraOptions ?? []) {
    const problem = sbatchOptionProblem(opt);
    if (problem !== undefined) fail(`extra option ${JSON.stringify(opt)} ${problem}`);
  }
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`env: ${JSON.stringify(name)} is not a variable name (letters, digits, '_')`);
    if (value.includes('\u0000')) fail(`env.${name} contains a NUL (U+0000), which no environment variable can hold`);
  }
}

/**
 * The sbatch arguments for `spec` (without the script, which goes on stdin). Throws, naming the job and the field,
 * on a spec that is not exactly one of script/command, has a non-positive size, or holds a value that would reach
 * sbatch as something else (see `checkValues`). `output` and `error` become filename patterns naming exactly them.
 *
 * ```ts
 * sbatchArgs({ command: 'true', jobName: 'j', output: '/tmp/j.log', cpus: 2 });
 * // ['--parsable', '--job-name=j', '--output=/tmp/j.log', '--cpus-per-task=2', '--export=ALL', '--wrap=true']
 * ```
 */
export function sbatchArgs(spec: SlurmJobSpec): string[] {
  if ((spec.script === undefined) === (spec.command === undefined)) {
    throw new Error(`Slurm job ${JSON.stringify(spec.jobName)}: give exactly one of script and command`);
  }
  if (spec.script !== undefined && !spec.script.startsWith('#!')) {
    throw new Error(`Slurm job ${JSON.stringify(spec.jobName)}: a batch script must start with "#!" (e.g. #!/bin/sh)`);
  }
  for (const k of ['cpus', 'memMB', 'timeLimitMin'] as const) positiveInteger(spec, k);
  checkValues(spec);
  const gpus = gpuOptions(spec);
  const pattern = (field: 'output' | 'error', p: string) => {
    try {
      return filenamePattern(p);
    } catch (err) {
      throw new Error(`Slurm job ${JSON.stringify(spec.jobName)}: ${field} ${(err as Error).message}`);
    }
  };
  const args = ['--parsable', `--job-name=${spec.jobName}`, `--output=${pattern('output', spec.output)}`];
  if (spec.error !== undefined) args.push(`--error=${pattern('error', spec.error)}`);
  if (spec.workdir !== undefined) args.push(`--chdir=${spec.workdir}`);
  if (spec.cpus !== undefined) args.push(`--cpus-per-task=${spec.cpus}`);
  args.push(...gpus);
  if (spec.memMB !== undefined) args.push(`--mem=${spec.memMB}M`);
  if (spec.timeLimitMin !== undefined) args.push(`--time=${spec.timeLimitMin}`);
  const dependency = dependencyOption(spec.dependency);
  if (dependency !== undefined) {
    args.push(`--dependency=${dependency}`);
    if (spec.killOnInvalidDependency ?? true) args.push('--kill-on-invalid-dep=yes');
  }
  args.push('--export=ALL', ...(spec.extraOptions ?? []));
  if (spec.command !== undefined) args.push(`--wrap=${spec.command}`);
  return args;
}

/** The largest CPU count in `sinfo --format=%c` output (lines like `2`, `48+`), or undefined. */
export function parseSinfoCpus(stdout: string): number | undefined {
  const counts = stdout
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 0);
  return counts.length ? Math.max(...counts) : undefined;
}

/** Submits, watches and cancels Slurm jobs through the CLI. */
export class SlurmClient {
  private readonly env: Record<string, string>;
  private readonly run: CommandRunner;
  private readonly timeoutMs: number;

  constructor(options: SlurmClientOptions = {}) {
    this.env = { ...(options.env ?? {}) };
    this.run = options.run ?? execaRunner;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /**
   * The most CPUs any node has (of `partition`, or of every partition), from one `sinfo --noheader --format=%c`;
   * undefined when sinfo fails or prints no number.
   */
  async largestNodeCpus(partition?: string): Promise<number | undefined> {
    const args = ['--noheader', '--format=%c', ...(partition ? [`--partition=${partition}`] : [])];
    const r = await this.run('sinfo', args, { env: this.env, timeoutMs: this.timeoutMs }).catch(() => undefined);
    if (r?.exitCode !== 0) return undefined;
    return parseSinfoCpus(r.stdout);
  }

  /** Submits `spec` with `sbatch --parsable` and resolves with the job id. Throws a `SlurmCommandError` when sbatch fails. */
  async submit(spec: SlurmJobSpec): Promise<string> {
    const args = sbatchArgs(spec);
    const r = await this.run('sbatch', args, {
      env: { ...(spec.env ?? {}), ...this.env },
      timeoutMs: this.timeoutMs,
      ...(spec.script !== undefined ? { input: spec.script } : {}),
    });
    if (r.exitCode !== 0) throw commandFailed('sbatch', args, r);
    return parseSbatchParsable(r.stdout);
  }

  /**
   * The state of each of `jobIds`: one `squeue --states=all` call for the queue, then `scontrol show job -o ID` for
   * each job that is finished (for its exit code) or no longer in squeue. A job neither knows is `UNKNOWN` with
   * `source: 'none'` (it finished more than MinJobAge ago, or never existed).
   */
  async states(jobIds: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
    const result = new Map<string, SlurmJobInfo>();
    if (jobIds.length === 0) return result;
    checkJobIds('squeue', jobIds);
    const args = ['--noheader', '--states=all', `--jobs=${jobIds.join(',')}`, `--format=${SQUEUE_FORMAT}`];
    const q = await this.run('squeue', args, { env: this.env, timeoutMs: this.timeoutMs });
    // squeue fails with "Invalid job id specified" only when none of the ids is known any more
    if (q.exitCode !== 0 && !/Invalid job id/i.test(q.stderr)) throw commandFailed('squeue', args, q);
    const queued = q.exitCode === 0 ? parseSqueue(q.stdout) : new Map<string, SlurmJobInfo>();
    for (const id of jobIds) {
      const live = queued.get(id);
      if (live && !isTerminal(live.state)) {
        result.set(id, live);
        continue;
      }
      const shown = await this.showJob(id);
      const info = shown ?? live;
      result.set(
        id,
        info ?? {
          jobId: id,
          state: 'UNKNOWN',
          reason: 'in neither squeue nor scontrol (finished more than MinJobAge ago, or never submitted)',
          source: 'none',
        },
      );
    }
    return result;
  }

  /** `scontrol show job -o ID`, parsed; undefined when Slurm no longer knows the job. */
  private async showJob(id: string): Promise<SlurmJobInfo | undefined> {
    const args = ['show', 'job', '-o', id];
    const r = await this.run('scontrol', args, { env: this.env, timeoutMs: this.timeoutMs });
    if (r.exitCode !== 0) {
      if (/Invalid job id/i.test(r.stderr)) return undefined;
      throw commandFailed('scontrol', args, r);
    }
    const jobs = parseScontrolJobs(r.stdout);
    return jobs.get(id) ?? undefined;
  }

  /** Cancels `jobIds` (pending or running) with `scancel`; jobs that already ended are no error. */
  async cancel(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    checkJobIds('scancel', jobIds);
    const args = [...jobIds];
    const r = await this.run('scancel', args, { env: this.env, timeoutMs: this.timeoutMs });
    if (r.exitCode !== 0) throw commandFailed('scancel', args, r);
  }
}
