/**
 * Parsers of Slurm command output (22.05): `sbatch --parsable`, `squeue --noheader --format=%i|%T|%r`, and
 * `scontrol show job -o`. Pure functions, tested on recorded outputs in parse.test.ts.
 */

/** Job states as Slurm prints them (`squeue %T`, `scontrol JobState=`), plus `UNKNOWN` for a job neither shows. */
export const SLURM_JOB_STATES = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'STOPPED',
  'RESIZING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'SIGNALING',
  'STAGE_OUT',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
  'UNKNOWN',
] as const;

/** One of `SLURM_JOB_STATES`. */
export type SlurmJobState = (typeof SLURM_JOB_STATES)[number];

/** States after which a job never runs again (without a requeue by an administrator). `UNKNOWN` is not one. */
export const TERMINAL_STATES: ReadonlySet<SlurmJobState> = new Set<SlurmJobState>([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
]);

/** Whether `state` is final, e.g. `isTerminal('FAILED') === true`, `isTerminal('COMPLETING') === false`. */
export function isTerminal(state: SlurmJobState): boolean {
  return TERMINAL_STATES.has(state);
}

/** What is known of one job. */
export interface SlurmJobInfo {
  /** The job id as Slurm prints it (`123`, or `123_4` for an array task). */
  jobId: string;
  state: SlurmJobState;
  /** The state word as printed, when it is not in `SLURM_JOB_STATES` (then `state` is `UNKNOWN`). */
  rawState?: string;
  /** Slurm's reason (`Resources`, `Dependency`, `NonZeroExitCode`, …); absent when `None`. */
  reason?: string;
  /** Exit status of the batch script (the `3` of `ExitCode=3:0`); known once the job left the queue. */
  exitCode?: number;
  /** Signal that ended the batch script (the `9` of `ExitCode=0:9`), when one did. */
  signal?: number;
  /** Where the job came from: the live queue (`squeue`), the controller's memory of finished jobs (`scontrol`), or neither. */
  source: 'squeue' | 'scontrol' | 'none';
}

/** The state word of `text` (`CANCELLED by 0` → `CANCELLED`, `COMPLETED+` → `COMPLETED`), and the raw word if unknown. */
export function parseState(text: string): { state: SlurmJobState; rawState?: string } {
  const word = text.trim().split(/[\s+]/)[0] ?? '';
  return (SLURM_JOB_STATES as readonly string[]).includes(word) && word !== 'UNKNOWN' ? { state: word as SlurmJobState } : { state: 'UNKNOWN', rawState: word };
}

/** The job id printed by `sbatch --parsable` (`42` or `42;cluster`); throws naming the output when there is none. */
export function parseSbatchParsable(stdout: string): string {
  const line = stdout.trim().split('\n').pop() ?? '';
  const id = line.split(';')[0]!.trim();
  if (!/^\d+(_\d+)?$/.test(id)) throw new Error(`sbatch --parsable printed no job id: expected "<id>[;cluster]", got ${JSON.stringify(stdout.trim())}`);
  return id;
}

/** The `--format` that `parseSqueue` reads: job id, state, reason, separated by `|` (the reason last: it is free text). */
export const SQUEUE_FORMAT = '%i|%T|%r';

/** Parses `squeue --noheader --format=%i|%T|%r` output into job infos keyed by job id (blank lines ignored). */
export function parseSqueue(stdout: string): Map<string, SlurmJobInfo> {
  const jobs = new Map<string, SlurmJobInfo>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [id, stateText, ...rest] = line.split('|');
    if (id === undefined || stateText === undefined) throw new Error(`unexpected squeue line ${JSON.stringify(line)}: expected "id|STATE|reason"`);
    const reason = rest.join('|').trim();
    jobs.set(id.trim(), { jobId: id.trim(), ...parseState(stateText), ...(reason && reason !== 'None' ? { reason } : {}), source: 'squeue' });
  }
  return jobs;
}

/**
 * Splits one `scontrol show job -o` line into its `Key=Value` fields. Keys are words that may hold `:` or `/`
 * (`AllocNode:Sid`, `CPUs/Task`); a value runs to the next ` Key=`, so a value with spaces (a path) survives unless
 * it contains ` Word=` itself.
 */
export function parseScontrolFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  const keyAt = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=/g;
  const starts: { key: string; valueStart: number; keyStart: number }[] = [];
  for (let m = keyAt.exec(line); m; m = keyAt.exec(line)) starts.push({ key: m[1]!, keyStart: m.index, valueStart: m.index + m[0].length });
  starts.forEach((s, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.keyStart : line.length;
    if (!fields.has(s.key)) fields.set(s.key, line.slice(s.valueStart, end).trim());
  });
  return fields;
}

/** `3:0` → `{exitCode: 3}`, `0:9` → `{exitCode: 0, signal: 9}`; `{}` when unreadable. */
export function parseExitCode(text: string | undefined): { exitCode?: number; signal?: number } {
  const m = /^(\d+):(\d+)$/.exec(text?.trim() ?? '');
  if (!m) return {};
  const signal = Number(m[2]);
  return { exitCode: Number(m[1]), ...(signal !== 0 ? { signal } : {}) };
}

/** Parses `scontrol show job -o` output (one job per line; `No jobs in the system` gives none) keyed by job id. */
export function parseScontrolJobs(stdout: string): Map<string, SlurmJobInfo> {
  const jobs = new Map<string, SlurmJobInfo>();
  for (const line of stdout.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const f = parseScontrolFields(line);
    const base = f.get('JobId')!;
    // an array task is shown with JobId=<own id> ArrayJobId=<parent> ArrayTaskId=<n>; squeue calls it <parent>_<n>
    const arrayJob = f.get('ArrayJobId');
    const arrayTask = f.get('ArrayTaskId');
    const jobId = arrayJob && arrayTask && /^\d+$/.test(arrayTask) ? `${arrayJob}_${arrayTask}` : base;
    const reason = f.get('Reason');
    const state = parseState(f.get('JobState') ?? '');
    const info: SlurmJobInfo = {
      jobId,
      ...state,
      ...(reason && reason !== 'None' ? { reason } : {}),
      // a queued or running job shows ExitCode=0:0, which says nothing yet
      ...(isTerminal(state.state) ? parseExitCode(f.get('ExitCode')) : {}),
      source: 'scontrol',
    };
    jobs.set(jobId, info);
    if (jobId !== base) jobs.set(base, { ...info, jobId: base });
  }
  return jobs;
}
