/**
 * The jobs file of a batch run (`<cache>/slurm-jobs.json` for Slurm): every job the coordinator submitted or adopted,
 * with its phase and the scheduler's last state. The coordinator rewrites it atomically (temporary file + rename) on
 * every change; `status` and `cancel` read it, and the next coordinator on the same cache reads it to adopt the jobs
 * its predecessor left queued or running. Every read is checked against a schema: a job id reaches the scheduler's
 * commands (`scancel ID`), so a file someone edited must not be able to hand them an option.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** A job id as any scheduler prints one: no blank, no control character, not an option (`-…`). */
const JOB_ID = z
  .string()
  .regex(/^[^\s\u0000-\u001f\u007f-\u009f-][^\s\u0000-\u001f\u007f-\u009f]*$/, 'a job id (no blank, no control character, not starting with -)');

const JOB_RECORD = z.object({
  instance: z.string(),
  key: z.string(),
  jobId: JOB_ID,
  attempt: z.number().int().positive(),
  phase: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  slurmState: z.string(),
  log: z.string(),
  submittedAt: z.string(),
  endedAt: z.string().optional(),
  error: z.string().optional(),
  fromRun: z.string().optional(),
});

const JOBS_FILE = z.object({
  format: z.literal(1),
  runId: z.string(),
  pid: z.number().int(),
  host: z.string().optional(),
  job: JOB_ID.optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  leftAt: z.string().optional(),
  logDir: z.string(),
  jobs: z.array(JOB_RECORD),
});

/** One job record in the jobs file. */
export interface JobRecord {
  instance: string;
  key: string;
  jobId: string;
  attempt: number;
  /** queued, running, done or failed (see JobPhase), or cancelled. */
  phase: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** The last state the scheduler reported (the field's name is format 1's, from when Slurm was the only one). */
  slurmState: string;
  log: string;
  submittedAt: string;
  endedAt?: string;
  error?: string;
  /** The run that submitted it, when an earlier coordinator did (this run adopted it, or keeps it listed). */
  fromRun?: string;
}

/** The jobs file: one run of a batch executor. */
export interface JobsFile {
  format: 1;
  runId: string;
  /** The coordinator's process, its host, and the batch job it runs in (a detached coordinator). */
  pid: number;
  host?: string;
  job?: string;
  startedAt: string;
  finishedAt?: string;
  /** When the coordinator stopped watching and left its jobs running for a later run to adopt (it got SIGTERM as a job). */
  leftAt?: string;
  logDir: string;
  jobs: JobRecord[];
}

/** Whether a job record is still in flight as far as its file knows (queued or running). */
export const isOpen = (j: JobRecord): boolean => j.phase === 'queued' || j.phase === 'running';

/** The jobs file at `file`, or undefined when there is none; throws naming the file when it is not a jobs file. */
export function readJobsFileChecked(file: string): JobsFile | undefined {
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not a jobs file: ${(err as Error).message}`);
  }
  const parsed = JOBS_FILE.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file} is not a jobs file: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data as JobsFile;
}

/** The jobs file of the last batch run on this cache, or undefined (none, or unreadable). */
export function readJobsFile(file: string): JobsFile | undefined {
  try {
    return readJobsFileChecked(file);
  } catch {
    return undefined;
  }
}

/** Writes `jobs` to `file` atomically (temporary file in the same directory, then rename). */
export function writeJobsFile(file: string, jobs: JobsFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(jobs, null, 2)}\n`);
  renameSync(tmp, file);
}
