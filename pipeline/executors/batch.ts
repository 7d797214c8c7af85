/**
 * The generic batch-job executor: each isolated instance the runner hands it becomes one job of a batch scheduler
 * (Slurm, PBS, LSF, a Kubernetes or Ray job queue) running `sgd-noise exec <instance> --key K` (exec-command.ts) on
 * some machine; inputs and outputs travel through the cache remote, the only thing the machines share with the
 * coordinator besides the log directory. A scheduler plugin implements only {@link BatchScheduler} (submit, states,
 * cancel, and how its states read); this class owns everything else:
 *
 * - At most `maxJobs` jobs are in flight; the rest wait here (not in the scheduler's queue).
 * - One timer polls the states of every job in flight with ONE `states` call every `pollMs` (default 5 s), never per
 *   job; another tails the jobs' log files (plain file reads, not the scheduler) for their protocol lines
 *   (job-protocol.ts): progress and log lines become the runner's events.
 * - A job that ends other than well (a stage error, kill -9, out of memory, time limit, a node failure, or one the
 *   scheduler no longer knows) is resubmitted up to `retries` times; then `run` rejects with a StageFailure naming the
 *   job id, the scheduler's state and the last lines of its log. A job that can never start fails at once.
 * - A job that ended well has its entry pulled from the remote (verified) into the local cache before `run` resolves.
 * - When the run's signal aborts, every job in flight is cancelled with one `cancel` call.
 * - The jobs and their states are written to a small JSON file (atomically: temporary file + rename) that
 *   `sgd-noise status` reads through the executor's plugin (jobs-file.ts).
 * - One coordinator per jobs file: it holds a lock beside it (coordinator-lock.ts), and a second is refused.
 * - Jobs an earlier coordinator of the same cache left queued or running (it was killed: a time limit, a node failure,
 *   `kill -9`) are adopted: the instance whose key a job of the old jobs file names waits on that job as if it had
 *   submitted it (same attempt count, same log), instead of submitting another. Jobs no instance of this run claims
 *   stay listed (for `cancel` and a later run), with their states refreshed when the run ends.
 */
import { closeSync, existsSync, fstatSync, readSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { pullEntries, pushEntries, remoteLookup, type CacheRemote } from '../../cache/remote.ts';
import { mkdirSharedSync, openRegularFileSync, UnexpectedFileError } from '../../cache/safe-file.ts';
import type { CacheStore } from '../../cache/store.ts';
import { getPath } from '../config.ts';
import { CoreBudget } from '../core-budget.ts';
import { FileError, type FileRole } from '../errors.ts';
import { StageFailure } from '../execute.ts';
import type { Executor, ExecutorHooks, ExecutorJob } from '../executor.ts';
import { parseJobLine } from '../job-protocol.ts';
import type { PlanNode } from '../plan.ts';
import { declaredGpus } from '../stage.ts';
import { CoordinatorLock, probeCoordinator } from './coordinator-lock.ts';
import { isOpen, readJobsFile, readJobsFileChecked, writeJobsFile, type JobRecord, type JobsFile } from './jobs-file.ts';

export { readJobsFile, type JobRecord, type JobsFile } from './jobs-file.ts';

/** Defaults of the batch executor's options. */
export const BATCH_DEFAULTS = {
  maxJobs: 100,
  retries: 1,
  pollMs: 5000,
  /** A stage's `threads` (which may be Infinity) is capped at this many CPUs per job unless `resources` says otherwise. */
  maxCpus: 16,
  /** Log lines kept per job for failure messages. */
  tailLines: 12,
} as const;

/** What the batch executor does with a job's state. */
export type BatchPhase = 'queued' | 'running' | 'done' | 'failed' | 'lost' | 'never';

/** A job's state as the scheduler reports it. */
export interface BatchJobState {
  /** The scheduler's own name of the state (`PENDING`, `COMPLETED`, …), kept in the jobs file. */
  state: string;
  /**
   * queued or running: in flight; done: ended well; failed: ended otherwise; lost: the scheduler no longer knows it
   * (the remote decides whether it finished); never: it can never start (it is cancelled and fails without a retry).
   */
  phase: BatchPhase;
  /** The scheduler's words for it: `FAILED (exit code 1)`, `PENDING (Priority)`. */
  detail: string;
  /** Why a `never` job cannot start (`PartitionConfig`). */
  reason?: string;
}

/** One job to submit: the command it runs, where its output goes, what it asks for. */
export interface BatchSubmission {
  instance: string;
  key: string;
  /** The command the job runs (`node bin/sgd-noise.js exec …`). */
  argv: readonly string[];
  /** The job script the scheduler made with {@link BatchScheduler.script}, written beside the log. */
  script: string;
  /** Where the job's stdout and stderr must go (created empty; the executor tails it). */
  log: string;
  workdir: string;
  cpus: number;
  gpus: number;
  memMB?: number;
  timeMin?: number;
}

/** What a scheduler plugin implements: the batch executor does the rest. */
export interface BatchScheduler {
  /** The scheduler's name in messages: `Slurm job 12 FAILED …`, `cannot submit its Slurm job`. */
  readonly label: string;
  /** The state a job is in when submitted (`PENDING`). */
  readonly submittedState: string;
  /** The command named when cancelling fails (`scancel`). */
  readonly cancelCommand: string;
  /** Which option moves the log directory, for a file error there. */
  readonly logRole: FileRole;
  /** What to do about a job that can never start (appended to its failure). */
  readonly neverStartsAdvice: string;
  /** Throws, naming the value, where something the run's jobs would get cannot reach the scheduler as it is. */
  check?(runLogDir: string): void;
  /** The job script of `argv` for `instance` (throws naming a value no script can carry). */
  script(o: { instance: string; key: string; argv: readonly string[] }): string;
  /** Submits one job; resolves to its id. */
  submit(job: BatchSubmission): Promise<string>;
  /** The states of the jobs (ONE call for every job in flight). */
  states(ids: readonly string[]): Promise<Map<string, BatchJobState>>;
  /** Cancels the jobs (ONE call). */
  cancel(ids: readonly string[]): Promise<void>;
  /** The id of the job this process itself runs in (a coordinator submitted as a job), if any. */
  currentJob?(): string | undefined;
}

/** How the batch executor stages, submits and watches jobs. */
export interface BatchExecutorOptions {
  /** The coordinator's local cache (entries are pulled into it) and the shared remote. */
  cache: CacheStore;
  remote: CacheRemote;
  /** The remote's location as the jobs must name it (a path every machine mounts, or a file:// URL). */
  remoteLocation: string;
  /** Shared directory for the jobs' scripts and logs (every machine must see it). */
  logDir: string;
  /** The command a job runs before its arguments: `[node, …, bin/sgd-noise.js]`. */
  command: readonly string[];
  /** Arguments every job's `exec` gets to rebuild the same plan: `--project P --profile X override…`. */
  planArgs: readonly string[];
  /** Directory under which each job makes its node-local cache (default: the machine's `$TMPDIR`). */
  nodeCache?: string;
  /** Memory / time limits for jobs whose stage declares no `resources` of its own. */
  resourceDefaults?: { memMB?: number; timeMin?: number };
  /** Working directory of the jobs (default: the coordinator's). */
  workdir?: string;
  maxJobs?: number;
  retries?: number;
  pollMs?: number;
  maxCpus?: number;
  /** The jobs file for `status` (default: none). */
  jobsFile?: string;
  /** Identifies this run in log paths and the jobs file (default: time and pid). */
  runId?: string;
}

interface Active {
  record: JobRecord;
  hooks: ExecutorHooks;
  offset: number;
  partial: string;
  tail: string[];
  stageError?: string;
  lastDetail: string;
  settle(info: BatchJobState): void;
  cancelled: boolean;
  /** Set when the scheduler keeps the job waiting for a reason it never gets over. */
  neverStarts?: BatchJobState;
  /** Set once the log was found to be something other than a regular file (named once in the tail, then ignored). */
  logRefused?: boolean;
  /** The directory below which no component of the log's path may be a link. */
  logRoot: string;
}

/** A job that can never start: the instance fails at once, no attempt is retried. */
class NeverStartsError extends StageFailure {}

/** The batch executor over one scheduler; see the module comment. */
export class BatchExecutor implements Executor {
  readonly usesLocalCores = false;
  private readonly slots: CoreBudget;
  private readonly active = new Map<string, Active>();
  private readonly inRemote = new Set<string>();
  private readonly file: JobsFile;
  private readonly retries: number;
  private readonly pollMs: number;
  private readonly maxCpus: number;
  private pollTimer?: NodeJS.Timeout;
  private tailTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private toCancel = new Set<string>();
  private readonly lock?: CoordinatorLock;
  /** Open jobs of an earlier coordinator on this cache, by instance key, not yet adopted. */
  private readonly adoptable = new Map<string, JobRecord>();
  private cancelling?: Promise<void>;
  private seq = 0;
  private statesFailing = false;
  /** Polls made (for tests: one per interval, whatever the number of jobs). */
  polls = 0;

  constructor(
    /** For messages and the `start` event (`slurm`). */
    readonly name: string,
    private readonly scheduler: BatchScheduler,
    private readonly o: BatchExecutorOptions,
  ) {
    this.slots = new CoreBudget(o.maxJobs ?? BATCH_DEFAULTS.maxJobs);
    this.retries = o.retries ?? BATCH_DEFAULTS.retries;
    this.pollMs = o.pollMs ?? BATCH_DEFAULTS.pollMs;
    this.maxCpus = o.maxCpus ?? BATCH_DEFAULTS.maxCpus;
    const runId = o.runId ?? `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
    const job = scheduler.currentJob?.();
    this.lock = o.jobsFile ? CoordinatorLock.take(`${o.jobsFile}.lock`, { runId, label: scheduler.label, ...(job ? { job } : {}) }) : undefined;
    try {
      const carried = this.openJobsOfEarlierRun();
      this.file = {
        format: 1,
        runId,
        pid: process.pid,
        host: hostname(),
        ...(job ? { job } : {}),
        startedAt: new Date().toISOString(),
        logDir: path.join(o.logDir, runId),
        jobs: carried,
      };
      for (const r of carried) this.adoptable.set(r.key, r);
      scheduler.check?.(this.file.logDir);
      // Shared like the remote it usually lies in (each new directory gets its parent's group bits), never a link.
      try {
        mkdirSharedSync(this.file.logDir);
      } catch (err) {
        if (err instanceof UnexpectedFileError) throw err;
        throw new FileError((err as { path?: string }).path ?? this.file.logDir, err, scheduler.logRole);
      }
      this.save();
    } catch (err) {
      this.lock?.release();
      throw err;
    }
  }

  /**
   * The jobs the last coordinator on this cache left queued or running (its jobs file), to adopt or keep listed; none
   * when there is no such file. A file that is not a jobs file is named on stderr: its jobs cannot be adopted.
   */
  private openJobsOfEarlierRun(): JobRecord[] {
    if (!this.o.jobsFile) return [];
    let previous: JobsFile | undefined;
    try {
      previous = readJobsFileChecked(this.o.jobsFile);
    } catch (err) {
      process.stderr.write(`warning: ${(err as Error).message}; jobs it may list are not adopted (a rerun may submit them again)\n`);
      return [];
    }
    return (previous?.jobs ?? []).filter(isOpen).map((j) => ({ ...j, fromRun: j.fromRun ?? previous!.runId }));
  }

  /** The jobs submitted so far (every attempt). */
  get jobs(): readonly JobRecord[] {
    return this.file.jobs;
  }

  threadsFor(node: PlanNode, config: Record<string, unknown>): number {
    const cfg = <T>(p: string) => getPath(config, p) as T;
    const asked = node.stage.resources?.(node.params, cfg)?.cpus;
    if (asked !== undefined) {
      if (!(Number.isInteger(asked) && asked >= 1)) throw new Error(`${node.instance}: resources().cpus must be an integer ≥ 1, got ${asked}`);
      return asked;
    }
    const declared = node.stage.threads?.(node.params, cfg) ?? 1;
    return Math.max(1, Math.min(this.maxCpus, Math.floor(declared)));
  }

  /** GPUs a job of `node` asks for: its stage's `resources().gpus`, else its `gpus` (default 0). */
  gpusFor(node: PlanNode, config: Record<string, unknown>): number {
    const cfg = <T>(p: string) => getPath(config, p) as T;
    const asked = node.stage.resources?.(node.params, cfg)?.gpus;
    if (asked === undefined) return declaredGpus(node.stage, node.instance, node.params, cfg);
    if (!(Number.isInteger(asked) && asked >= 0)) throw new Error(`${node.instance}: resources().gpus must be a non-negative integer, got ${asked}`);
    return asked;
  }

  async run(job: ExecutorJob, hooks: ExecutorHooks): Promise<void> {
    const { node } = job;
    const slot = await this.slots.acquire(1, hooks.signal);
    try {
      await this.ensureInputsInRemote(node);
      for (let attempt = 1; ; attempt++) {
        hooks.signal.throwIfAborted();
        // A job an earlier coordinator submitted for this very key and left running is waited on, not submitted again.
        const adopted = attempt === 1 ? this.takeAdoptable(node.key) : undefined;
        if (adopted) attempt = adopted.attempt;
        const outcome = await this.attempt(job, hooks, attempt, adopted); // a job that can never start throws: no retry
        if (outcome.ok) {
          await this.pullResult(node);
          return;
        }
        const of = `attempt ${attempt} of ${this.retries + 1}`;
        if (attempt > this.retries) throw new StageFailure(`${node.instance}: ${outcome.message} (${of}, no retry left)${outcome.lines}`);
        hooks.log(`${outcome.message} (${of}; retrying)${outcome.lines}`);
      }
    } finally {
      slot.release();
    }
  }

  async close(): Promise<void> {
    await this.cancelling;
    await this.polling;
    this.stopTimers();
    await this.refreshUnclaimed();
    this.file.finishedAt = new Date().toISOString();
    this.save();
    this.lock?.release();
  }

  /**
   * Stops watching without cancelling anything: the jobs keep running and a later run on this cache adopts them. For
   * a coordinator that is itself a batch job and was told to end (its time limit, `scancel` of it alone).
   */
  leave(): void {
    this.stopTimers();
    this.file.leftAt = new Date().toISOString();
    this.save();
    this.lock?.release();
  }

  /** The open job of an earlier coordinator for `key`, taken (each is adopted once). */
  private takeAdoptable(key: string): JobRecord | undefined {
    const r = this.adoptable.get(key);
    this.adoptable.delete(key);
    return r;
  }

  /**
   * The states of the earlier coordinator's jobs that no instance of this run claimed (ONE states call), so that the
   * file tells the next run and `cancel` which of them may still be live. Unreadable states leave the file as it is.
   */
  private async refreshUnclaimed(): Promise<void> {
    const open = [...this.adoptable.values()].filter(isOpen);
    if (open.length === 0) return;
    let states: Map<string, BatchJobState>;
    try {
      states = await this.scheduler.states(open.map((r) => r.jobId));
    } catch {
      return;
    }
    const now = new Date().toISOString();
    for (const r of open) {
      const info = states.get(r.jobId);
      if (!info) continue;
      r.slurmState = info.state;
      if (info.phase === 'queued' || info.phase === 'running') r.phase = info.phase;
      else {
        r.phase = info.phase === 'done' ? 'done' : 'failed';
        r.endedAt = now;
        if (info.phase === 'lost') r.error = `${this.scheduler.label} no longer knows it: it ended while no coordinator watched`;
      }
    }
  }

  /** Every input of `node` must be in the remote for the job to pull it (a local hit may never have been pushed). */
  private async ensureInputsInRemote(node: PlanNode): Promise<void> {
    const keys = Object.values(node.inputKeys).filter((k) => !this.inRemote.has(k));
    if (keys.length === 0) return;
    const report = await pushEntries(this.o.cache, this.o.remote, keys, { cleanup: false });
    const missing = [...report.missing, ...report.corrupt.filter((c) => c.side === 'local').map((c) => c.key)];
    if (missing.length > 0) {
      throw new StageFailure(
        `${node.instance}: cannot put its inputs in the remote for the job: ${report.corrupt.map((c) => c.reason).join('; ') || `not in the local cache: ${missing.join(', ')}`}`,
      );
    }
    // The job would read the remote's entry, not this cache's: two results for one key must be resolved first.
    if (report.divergent.length > 0) {
      throw new StageFailure(
        `${node.instance}: the remote holds other results for its inputs than the local cache: ${report.divergent.map((d) => `${d.key.slice(0, 12)} ${d.reason}`).join('; ')}; check which is genuine, then \`sgd-noise cache push --keep local\` or \`sgd-noise cache pull --keep remote\``,
      );
    }
    for (const k of keys) this.inRemote.add(k);
  }

  private async pullResult(node: PlanNode): Promise<void> {
    const report = await pullEntries(this.o.remote, this.o.cache, [node.key]);
    if (report.transferred.length + report.entries.present > 0) return;
    const why = report.corrupt.map((c) => c.reason).join('; ') || `${this.o.remote.describe('manifest', node.key)} is missing`;
    throw new StageFailure(`${node.instance}: the job completed but its entry cannot be pulled from the remote: ${why}`);
  }

  /** Submits one attempt (or adopts an earlier coordinator's job for it) and waits for it to end. */
  private async attempt(
    job: ExecutorJob,
    hooks: ExecutorHooks,
    attempt: number,
    adopted?: JobRecord,
  ): Promise<{ ok: true } | { ok: false; message: string; lines: string }> {
    const { node } = job;
    const label = this.scheduler.label;
    const gpus = this.gpusFor(node, job.config);
    const cfg = <T>(p: string) => getPath(job.config, p) as T;
    const res = { ...this.o.resourceDefaults, ...node.stage.resources?.(node.params, cfg) };
    const record = adopted ? this.adopt(adopted, hooks) : await this.submit(job, hooks, attempt, gpus, res);
    const { jobId, log } = record;
    let settle!: (info: BatchJobState) => void;
    const ended = new Promise<BatchJobState>((resolve) => (settle = resolve));
    const logRoot = path.resolve(log).startsWith(`${path.resolve(this.o.logDir)}${path.sep}`) ? path.resolve(this.o.logDir) : path.dirname(log);
    const a: Active = { record, hooks, offset: 0, partial: '', tail: [], lastDetail: adopted ? 'adopted' : 'submitted', settle, cancelled: false, logRoot };
    this.active.set(jobId, a);
    const onAbort = () => this.requestCancel(a);
    if (hooks.signal.aborted) onAbort();
    else hooks.signal.addEventListener('abort', onAbort, { once: true });
    this.startTimers();
    const info = await ended;
    hooks.signal.removeEventListener('abort', onAbort);
    this.tailLog(a, true);
    this.active.delete(jobId);
    if (this.active.size === 0) this.stopTimers();
    if (a.neverStarts) {
      const { state, reason } = a.neverStarts;
      record.phase = 'failed';
      record.endedAt = new Date().toISOString();
      record.error = `can never start: ${state} (${reason})`;
      this.save();
      hooks.job?.({ jobId, state: 'failed', detail: record.error, attempt });
      throw new NeverStartsError(
        `${node.instance}: ${label} job ${jobId} can never start: it stays ${state} (${reason}) asking for ${job.threads} CPU(s)` +
          `${gpus > 0 ? `, ${gpus} GPU(s)` : ''}${res.memMB !== undefined ? `, ${res.memMB} MB` : ''}${res.timeMin !== undefined ? `, ${res.timeMin} min` : ''}; cancelled. ` +
          this.scheduler.neverStartsAdvice,
      );
    }
    if (a.cancelled || hooks.signal.aborted) {
      await this.cancelling;
      record.phase = 'cancelled';
      record.endedAt = new Date().toISOString();
      this.save();
      throw hooks.signal.reason ?? new Error('cancelled');
    }
    // A job the scheduler no longer knows may well have finished (its record was purged): the remote decides.
    const lostButStored = info.phase === 'lost' && (await this.inRemoteNow(node.key));
    const ok = info.phase === 'done' || lostButStored;
    record.slurmState = info.state;
    record.endedAt = new Date().toISOString();
    const detail = info.detail;
    if (ok) {
      record.phase = 'done';
      this.save();
      hooks.job?.({ jobId, state: 'done', detail, attempt });
      return { ok: true };
    }
    const last = a.tail.slice(-BATCH_DEFAULTS.tailLines);
    const stageError = a.stageError?.startsWith(`${node.instance}: `) ? a.stageError.slice(node.instance.length + 2) : a.stageError;
    const message = `${label} job ${jobId} ${detail}${stageError ? `: ${stageError}` : ''}`;
    const lines = `; last lines of its log ${log}:\n${last.length ? last.map((l) => `  | ${l}`).join('\n') : '  | (empty)'}`;
    record.phase = 'failed';
    record.error = message;
    this.save();
    hooks.job?.({ jobId, state: 'failed', detail, attempt });
    return { ok: false, message, lines };
  }

  /** Writes the job's script and empty log, submits it and records it in the jobs file. */
  private async submit(job: ExecutorJob, hooks: ExecutorHooks, attempt: number, gpus: number, res: { memMB?: number; timeMin?: number }): Promise<JobRecord> {
    const { node } = job;
    const label = this.scheduler.label;
    const n = ++this.seq;
    const safe = node.instance.replace(/[^A-Za-z0-9_.=-]+/g, '_').slice(0, 80);
    const log = path.join(this.file.logDir, `${String(n).padStart(3, '0')}-${safe}.${attempt}.log`);
    const argv = [
      ...this.o.command,
      'exec',
      node.instance,
      '--key',
      node.key,
      '--remote',
      this.o.remoteLocation,
      '--threads',
      String(job.threads),
      ...(gpus > 0 ? ['--gpus', String(gpus)] : []),
      ...(this.o.nodeCache ? ['--node-cache', this.o.nodeCache] : []),
      ...this.o.planArgs,
    ];
    let script: string;
    try {
      script = this.scheduler.script({ instance: node.instance, key: node.key, argv });
    } catch (err) {
      throw new StageFailure(`${node.instance}: cannot write its ${label} job script: ${(err as Error).message}`);
    }
    // Only new files (O_CREAT|O_EXCL, which never follows a link): the log directory may be writable by a whole group,
    // and a link planted at a predictable name must not redirect the script, or the job's log, to another file.
    for (const [file, text] of [
      [`${log.slice(0, -4)}.sh`, script],
      [log, ''],
    ] as const) {
      try {
        writeFileSync(file, text, { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileError(file, err, this.scheduler.logRole);
        throw new StageFailure(
          `${node.instance}: cannot write ${file}: something is already there (a file or link another process or user put there); sgd-noise only creates new files in its ${label} log directory`,
        );
      }
    }
    let jobId: string;
    try {
      jobId = await this.scheduler.submit({
        instance: node.instance,
        key: node.key,
        argv,
        script,
        log,
        workdir: this.o.workdir ?? process.cwd(),
        cpus: job.threads,
        gpus,
        ...(res.memMB !== undefined ? { memMB: res.memMB } : {}),
        ...(res.timeMin !== undefined ? { timeMin: res.timeMin } : {}),
      });
    } catch (err) {
      throw new StageFailure(`${node.instance}: cannot submit its ${label} job: ${(err as Error).message}`);
    }
    const record: JobRecord = {
      instance: node.instance,
      key: node.key,
      jobId,
      attempt,
      phase: 'queued',
      slurmState: this.scheduler.submittedState,
      log,
      submittedAt: new Date().toISOString(),
    };
    this.file.jobs.push(record);
    this.save();
    hooks.job?.({ jobId, state: 'queued', detail: 'submitted', attempt });
    return record;
  }

  /** Takes over an earlier coordinator's job (already in the jobs file): says so, and reports its last known phase. */
  private adopt(record: JobRecord, hooks: ExecutorHooks): JobRecord {
    const phase = record.phase === 'running' ? 'running' : 'queued';
    hooks.log(
      `adopted ${this.scheduler.label} job ${record.jobId} (attempt ${record.attempt}), submitted by run ${record.fromRun ?? '?'} at ${record.submittedAt} and left ${record.slurmState}: waiting on it, not submitting another`,
    );
    hooks.job?.({ jobId: record.jobId, state: phase, detail: `adopted from run ${record.fromRun ?? '?'}`, attempt: record.attempt });
    return record;
  }

  private async inRemoteNow(key: string): Promise<boolean> {
    try {
      return (await remoteLookup(this.o.remote, key)) === 'present';
    } catch {
      return false;
    }
  }

  private requestCancel(a: Active): void {
    a.cancelled = true;
    this.toCancel.add(a.record.jobId);
    // One cancel call for every job cancelled in this turn (an aborted run cancels them all at once).
    this.cancelling ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const ids = [...this.toCancel];
      this.toCancel.clear();
      try {
        await this.scheduler.cancel(ids);
      } catch (err) {
        process.stderr.write(`${this.scheduler.cancelCommand} ${ids.join(' ')} failed: ${(err as Error).message}\n`);
      }
      for (const id of ids) this.active.get(id)?.settle({ state: 'CANCELLED', phase: 'failed', detail: 'CANCELLED' });
      this.cancelling = undefined;
    });
  }

  private startTimers(): void {
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => {
        if (!this.polling) this.polling = this.poll().finally(() => (this.polling = undefined));
      }, this.pollMs);
    }
    this.tailTimer ??= setInterval(
      () => {
        for (const a of this.active.values()) this.tailLog(a);
      },
      Math.min(1000, this.pollMs),
    );
  }

  private stopTimers(): void {
    clearInterval(this.pollTimer);
    clearInterval(this.tailTimer);
    this.pollTimer = undefined;
    this.tailTimer = undefined;
  }

  /** One states() call for every job in flight; ended jobs settle. */
  private async poll(): Promise<void> {
    const ids = [...this.active.keys()].filter((id) => !this.active.get(id)!.cancelled);
    if (ids.length === 0) return;
    this.polls++;
    let states: Map<string, BatchJobState>;
    try {
      states = await this.scheduler.states(ids);
    } catch (err) {
      // The scheduler is unreachable for a moment: say so once, and ask again at the next interval.
      if (!this.statesFailing)
        for (const id of ids) this.active.get(id)?.hooks.log(`cannot read job states (asking again every ${this.pollMs} ms): ${(err as Error).message}`);
      this.statesFailing = true;
      return;
    }
    if (this.statesFailing) for (const id of ids) this.active.get(id)?.hooks.log('job states readable again');
    this.statesFailing = false;
    let changed = false;
    for (const [id, info] of states) {
      const a = this.active.get(id);
      if (!a || a.cancelled) continue;
      if (a.record.slurmState !== info.state) {
        a.record.slurmState = info.state;
        changed = true;
      }
      if (info.phase === 'done' || info.phase === 'failed' || info.phase === 'lost') {
        a.settle(info);
        continue;
      }
      if (info.phase === 'never') {
        a.neverStarts = info;
        await this.scheduler.cancel([id]).catch(() => undefined);
        a.settle({ ...info, state: 'CANCELLED' });
        continue;
      }
      const phase = info.phase;
      const detail = info.detail;
      if (phase !== a.record.phase || detail !== a.lastDetail) {
        a.record.phase = phase;
        a.lastDetail = detail;
        changed = true;
        a.hooks.job?.({ jobId: id, state: phase, detail, attempt: a.record.attempt });
      }
    }
    if (changed) this.save();
  }

  /** Reads what the job appended to its log: protocol lines become events, the rest is kept for failure messages. */
  private tailLog(a: Active, final = false): void {
    if (a.logRefused) return;
    let fd: number;
    // Never blocks (a FIFO) nor follows a link (the run's log directory or the log itself): see cache/safe-file.ts.
    try {
      const opened = openRegularFileSync(a.record.log, { root: a.logRoot });
      if (!opened) return; // not created yet (the job has not started)
      fd = opened.fd;
    } catch (err) {
      a.logRefused = true;
      a.tail.push(`cannot read the job's log: ${(err as Error).message}`);
      return;
    }
    try {
      let text = a.partial;
      for (;;) {
        const size = fstatSync(fd).size;
        if (size <= a.offset) break;
        const buf = Buffer.alloc(Math.min(size - a.offset, 4 << 20));
        const got = readSync(fd, buf, 0, buf.length, a.offset);
        if (got <= 0) break;
        a.offset += got;
        text += buf.subarray(0, got).toString('utf8');
        if (!final) break;
      }
      const lines = text.split('\n');
      a.partial = final ? '' : (lines.pop() ?? '');
      for (const raw of lines) {
        const l = parseJobLine(raw);
        if (!l) {
          if (raw.trim() !== '') a.tail.push(raw);
        } else if (l.type === 'progress') a.hooks.progress(l.done, l.total, l.note, l.elapsedMs, l.metrics);
        else if (l.type === 'log') {
          a.hooks.log(l.message);
          a.tail.push(l.message);
        } else if (l.type === 'error') {
          a.stageError = l.message;
          a.tail.push(`error: ${l.message}`);
        } else if (l.type === 'start')
          a.tail.push(`started on ${l.host}, pid ${l.pid}, ${l.threads} thread(s)${l.gpus ? `, ${l.gpus} GPU(s)` : ''}, node-local cache ${l.nodeCache}`);
        if (a.tail.length > 4 * BATCH_DEFAULTS.tailLines) a.tail.splice(0, a.tail.length - BATCH_DEFAULTS.tailLines);
      }
    } finally {
      closeSync(fd);
    }
  }

  private save(): void {
    if (this.o.jobsFile) writeJobsFile(this.o.jobsFile, this.file);
  }
}

/**
 * The jobs file with whether its coordinator still runs (it holds the lock beside the file, on whatever host; a file
 * from before the lock: its pid is alive here) and `refresh`'s live states for jobs not yet ended. Undefined when
 * there is no jobs file or it is not one.
 */
export async function jobsStatus(
  file: string,
  refresh: (ids: string[]) => Promise<Map<string, BatchJobState>>,
): Promise<(JobsFile & { running: boolean; live: boolean }) | undefined> {
  const jobs = readJobsFile(file);
  if (!jobs) return undefined;
  const lockFile = `${file}.lock`;
  let running: boolean;
  if (existsSync(lockFile)) running = probeCoordinator(lockFile) !== undefined;
  else {
    try {
      process.kill(jobs.pid, 0);
      running = jobs.finishedAt === undefined && (jobs.host === undefined || jobs.host === hostname());
    } catch {
      running = false;
    }
  }
  let live = false;
  const open = jobs.jobs.filter(isOpen);
  if (open.length > 0) {
    try {
      const states = await refresh(open.map((j) => j.jobId));
      for (const j of open) {
        const s = states.get(j.jobId);
        if (s) j.slurmState = s.state;
      }
      live = true;
    } catch {
      // no scheduler commands here, or no controller: the file's states stand
    }
  }
  return { ...jobs, running, live };
}
