/**
 * Run records: one small JSON file per `sgd-noise run`, `<cacheDir>/runs/<id>.json`, beside the cache and in no key.
 * A run writes its record when it starts (outcome `running`, with its pid and host) and rewrites it when it ends (the
 * outcome, wall time, counts, the keys it resolved to). Ids sort by time: `20261207T194512Z-3f9a` (UTC start, then a
 * random suffix, so that runs started in the same second on one cache each get their own). The first write creates
 * the file exclusively (a hard link of a finished temporary file: it fails rather than replace another run's); every
 * write goes to a temporary file, fsynced, then into place, so a reader never sees half a record. A record still
 * `running` whose process is gone (killed, the machine restarted) reads as `interrupted`.
 *
 * ```ts
 * const record = createRunRecord(cacheDir, { profile: 'quick', … });
 * finishRunRecord(cacheDir, { ...record, outcome: 'ok', … });
 * listRunRecords(cacheDir).records[0]; // the newest
 * ```
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The folder of the cache directory that holds the run records. */
export const RUNS_DIR = 'runs';

/** What a record file's name is: its id and `.json`. Temporary files (`.<id>.json.tmp-…`) never match. */
const RECORD_FILE = /^(\d{8}T\d{6}Z-[0-9a-f]{4,})\.json$/;

/** How a run ended; `interrupted` is never written: it is how a `running` record whose process is gone reads. */
export type RunOutcome = 'running' | 'ok' | 'failed' | 'cancelled' | 'interrupted';

const codeSchema = z.object({
  commit: z.string().nullable(),
  dirty: z.boolean().nullable(),
  reason: z.string().optional(),
  lockfileSha256: z.string().nullable(),
});

const countsSchema = z.object({
  ran: z.number().int().nonnegative(),
  cached: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  pulled: z.number().int().nonnegative(),
});

/** A run record as written (see the module comment); every read validates it. */
export const runRecordSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{4,}$/),
  /** ISO time the run started and ended (null while running). */
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime().nullable(),
  host: z.string(),
  pid: z.number().int().positive(),
  /** The process's start time in clock ticks since boot (/proc/PID/stat), to tell a reused pid from the run's; null off Linux. */
  pidStart: z.number().int().nonnegative().nullable(),
  profile: z.string(),
  overrides: z.array(z.string()),
  /** `--sweep` texts as typed. */
  sweeps: z.array(z.string()),
  /** The resolved configuration (a sweep's base: the profile with the overrides). */
  config: z.record(z.string(), z.unknown()),
  /** A sweep's points: label and configuration; empty without a sweep. */
  points: z.array(z.object({ label: z.string(), config: z.record(z.string(), z.unknown()) })),
  /** Every selected instance (with its ancestors) → the cache key it resolved to (a partial instance's own key). */
  instances: z.record(z.string(), z.string()),
  outcome: z.enum(['running', 'ok', 'failed', 'cancelled']),
  wallMs: z.number().nonnegative().nullable(),
  counts: countsSchema.nullable(),
  code: codeSchema,
  /** The configuration's `backend`, when it has a string one. */
  backend: z.string().nullable(),
  /** The first GPU adapter a stage of the run recorded in its manifest (`meta.adapter`); null when none did. */
  adapter: z.record(z.string(), z.unknown()).nullable(),
});

/** A run record as stored. */
export type RunRecord = z.infer<typeof runRecordSchema>;

/** A record as read: its outcome with `interrupted` for a running record whose process is gone. */
export type ReadRunRecord = Omit<RunRecord, 'outcome'> & { readonly outcome: RunOutcome };

/** The fields a run gives when it starts; the rest are made here. */
export type RunStart = Omit<
  RunRecord,
  'format' | 'id' | 'startedAt' | 'finishedAt' | 'host' | 'pid' | 'pidStart' | 'outcome' | 'wallMs' | 'counts' | 'adapter'
>;

/** The folder of run records of the cache in `cacheDir`. */
export function runsDir(cacheDir: string): string {
  return path.join(cacheDir, RUNS_DIR);
}

/** A fresh run id for a run started at `now`: `20261207T194512Z-3f9a`. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Writes the record of a run starting now (outcome `running`, this process's pid and host) under a fresh id, never
 * over another run's record: an id taken meanwhile is drawn again. Returns the record written.
 */
export function createRunRecord(cacheDir: string, start: RunStart, now: Date = new Date()): RunRecord {
  const dir = runsDir(cacheDir);
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const record: RunRecord = {
      format: 1,
      id: newRunId(now),
      startedAt: now.toISOString(),
      finishedAt: null,
      host: hostname(),
      pid: process.pid,
      pidStart: processStartTime(process.pid),
      ...start,
      outcome: 'running',
      wallMs: null,
      counts: null,
      adapter: null,
    };
    const tmp = writeTemporary(dir, record);
    try {
      linkSync(tmp, path.join(dir, `${record.id}.json`));
      syncDir(dir);
      return record;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 20) throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}

/** Rewrites a run's record (its outcome, wall time, counts…): atomically, so a reader sees the old or the new one. */
export function updateRunRecord(cacheDir: string, record: RunRecord): void {
  const dir = runsDir(cacheDir);
  const tmp = writeTemporary(dir, runRecordSchema.parse(record));
  try {
    renameSync(tmp, path.join(dir, `${record.id}.json`));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/** Deletes a run's record (a run that was refused before anything ran); a record already gone is no error. */
export function removeRunRecord(cacheDir: string, id: string): void {
  rmSync(path.join(runsDir(cacheDir), `${id}.json`), { force: true });
}

/** A record file that could not be read or failed validation (reported, never trusted). */
export interface UnreadableRecord {
  readonly file: string;
  readonly reason: string;
}

/**
 * Every run record of the cache in `cacheDir`, newest first (by start time, then id), with the outcome as it reads
 * now (`interrupted` for a running record whose process on this host is gone); files that are not records (temporary
 * files of a writer that was killed) are ignored, and a record that fails validation is listed in `unreadable`.
 */
export function listRunRecords(cacheDir: string): { records: ReadRunRecord[]; unreadable: UnreadableRecord[] } {
  let names: string[];
  try {
    names = readdirSync(runsDir(cacheDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], unreadable: [] };
    throw err;
  }
  const records: ReadRunRecord[] = [];
  const unreadable: UnreadableRecord[] = [];
  for (const name of names) {
    const m = RECORD_FILE.exec(name);
    if (!m) continue;
    const file = path.join(runsDir(cacheDir), name);
    const read = readRecordFile(file, m[1]!);
    if ('reason' in read) unreadable.push({ file, reason: read.reason });
    else records.push(withOutcome(read.record));
  }
  records.sort((a, b) => (a.startedAt === b.startedAt ? b.id.localeCompare(a.id) : b.startedAt.localeCompare(a.startedAt)));
  return { records, unreadable };
}

/** The outcome of a record as it reads now: `running` stays only while its process lives (or on another host: unknown here). */
export function withOutcome(record: RunRecord): ReadRunRecord {
  if (record.outcome !== 'running' || record.host !== hostname()) return record;
  return processRunning(record.pid, record.pidStart) ? record : { ...record, outcome: 'interrupted' };
}

function readRecordFile(file: string, id: string): { record: RunRecord } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { reason: err instanceof SyntaxError ? `not JSON (${err.message})` : (err as Error).message };
  }
  const parsed = runRecordSchema.safeParse(raw);
  if (!parsed.success) return { reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ') };
  if (parsed.data.id !== id) return { reason: `its id ${parsed.data.id} is not its file name's` };
  return { record: parsed.data };
}

/** Writes `record` to a fresh temporary file in `dir` (exclusive, fsynced) and returns its path. */
function writeTemporary(dir: string, record: RunRecord): string {
  const tmp = path.join(dir, `.${record.id}.json.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, `${JSON.stringify(record, null, 1)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/** Makes a new directory entry durable; filesystems that refuse fsync on a directory are ignored. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the file itself was fsynced before it was put in place
  }
}

/** The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat); null where unknown. */
function processStartTime(pid: number): number | null {
  const stat = procStat(pid);
  return stat === undefined ? null : stat.start;
}

/** State and start time of a process from /proc (Linux); undefined where there is no such file. */
function procStat(pid: number): { state: string; start: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: the fields after its last ')' are fixed.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = Number(rest[19]);
  return { state: rest[0] ?? '?', start: Number.isFinite(start) ? start : -1 };
}

/** Whether the run's process still runs: it exists, is no zombie, and (where known) started when the run's did. */
function processRunning(pid: number, pidStart: number | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === undefined) return process.platform !== 'linux'; // no /proc: the signal said it exists
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return pidStart === null || stat.start === pidStart;
}
