/**
 * One coordinator per jobs file. A batch run's coordinator holds an exclusive lock on a file beside its jobs file
 * (`slurm-jobs.json.lock`) for as long as it runs, and writes who it is into it (pid, host, the batch job it runs in);
 * a second coordinator on the same cache is refused, naming the first, instead of rewriting the jobs file and
 * submitting or adopting the same jobs. The lock is an OFD lock (fs-native-extensions), which the kernel drops when
 * the process dies (`kill -9`, a Slurm time limit), so a dead coordinator never blocks the next one; `status` probes it
 * to tell a live coordinator on any host from a dead one.
 *
 * ```ts
 * const lock = CoordinatorLock.take('/c/slurm-jobs.json.lock', { runId, label: 'Slurm' });
 * probeCoordinator('/c/slurm-jobs.json.lock'); // { pid: 4711, host: 'login1', runId, startedAt }
 * lock.release();
 * ```
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import fsx from 'fs-native-extensions';
import { z } from 'zod';
import { UsageError } from '../errors.ts';

/** Who holds the lock, as written into the lock file. */
export interface CoordinatorHolder {
  pid: number;
  host: string;
  runId: string;
  startedAt: string;
  /** The batch job the coordinator runs in (a detached coordinator). */
  job?: string;
}

const HOLDER = z.object({
  pid: z.number().int(),
  host: z.string(),
  runId: z.string(),
  startedAt: z.string(),
  job: z.string().optional(),
});

/** Thrown when another coordinator holds the lock: names it and what to do (exit code 2, nothing was started). */
export class CoordinatorBusyError extends UsageError {
  constructor(
    readonly holder: CoordinatorHolder | undefined,
    readonly cacheDir: string,
    label: string,
  ) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.host}${holder.job ? `, ${label} job ${holder.job}` : ''}, run ${holder.runId} since ${holder.startedAt}`
      : 'it has not said who it is yet';
    super(
      `another coordinator is driving the ${label} jobs of this cache (${who}); a second one would submit or adopt the same jobs, so this run is refused. ` +
        `Follow it with \`sgd-noise status --cache ${cacheDir}\`, stop it with \`sgd-noise cancel --cache ${cacheDir}\`, or use another --cache`,
    );
  }
}

/** How often, and how long, `take` retries a lock that a `status` probe may hold for a moment. */
const TAKE_TRIES = 10;
const TAKE_WAIT_MS = 100;

/** The holder written in `file`, or undefined when it holds none (yet) or something else. */
function readHolder(file: string): CoordinatorHolder | undefined {
  try {
    const parsed = HOLDER.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A held coordinator lock; `release` (or the process's end) gives it up. */
export class CoordinatorLock {
  private fd: number | undefined;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Takes the lock at `file` and writes this process into it, or throws {@link CoordinatorBusyError} naming the
   * coordinator that holds it. A `status` probe holds it shared for a moment, so a busy lock is retried for a second.
   */
  static take(file: string, who: { runId: string; job?: string; label: string }): CoordinatorLock {
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(file, 'a+');
    for (let i = 0; !fsx.tryLock(fd); i++) {
      if (i + 1 >= TAKE_TRIES) {
        closeSync(fd);
        throw new CoordinatorBusyError(readHolder(file), path.dirname(file), who.label);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TAKE_WAIT_MS);
    }
    const holder: CoordinatorHolder = {
      pid: process.pid,
      host: hostname(),
      runId: who.runId,
      startedAt: new Date().toISOString(),
      ...(who.job !== undefined ? { job: who.job } : {}),
    };
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
    return new CoordinatorLock(file, fd);
  }

  /** Gives the lock up (the file stays; its holder line is only read while it is locked). */
  release(): void {
    if (this.fd === undefined) return;
    fsx.unlock(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The coordinator holding the lock at `file` (what it wrote there), or undefined when no process holds it. Takes the
 * lock shared for a moment: a coordinator starting meanwhile retries (see {@link CoordinatorLock.take}).
 */
export function probeCoordinator(file: string): CoordinatorHolder | { unknown: true } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined; // no lock file: no coordinator ever ran here
  }
  try {
    if (fsx.tryLock(fd, { shared: true })) {
      fsx.unlock(fd);
      return undefined;
    }
    return readHolder(file) ?? { unknown: true };
  } finally {
    closeSync(fd);
  }
}
