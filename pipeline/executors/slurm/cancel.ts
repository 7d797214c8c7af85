/**
 * `sgd-noise cancel` for Slurm: the coordinator of the cache's run first (the detached one's job, by `scancel`; one
 * running here outside Slurm, by SIGTERM, which makes it cancel its own jobs), so that it submits nothing more; then,
 * once it is gone, every job its jobs file lists as queued or running, in one `scancel`; then a bounded wait until
 * Slurm shows none of them queued or running, and the jobs file marks them cancelled. Job ids come from files checked
 * against their schemas and reach scancel as separate arguments (SlurmClient checks each is a job id).
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinatorLock, probeCoordinator, type CoordinatorHolder } from '../coordinator-lock.ts';
import { isOpen, readJobsFileChecked, writeJobsFile } from '../jobs-file.ts';
import type { ExecutorReport } from '../plugin.ts';
import type { SlurmClient } from './client.ts';
import { coordinatorState, readCoordinatorRecord } from './coordinator.ts';
import { batchState, describeState } from './executor.ts';

/** How `cancelSlurmRun` waits. */
export interface CancelOptions {
  /** The longest wait for the jobs to leave the queue, and for the coordinator to let go of its lock (default 60 s). */
  waitMs?: number;
  /** Between two looks (default 500 ms). */
  pollMs?: number;
}

/** The part of SlurmClient that cancelling needs (tests pass a fake). */
export type CancelApi = Pick<SlurmClient, 'states' | 'cancel'>;

/** Ids among `ids` that Slurm still shows queued or running (COMPLETING included); all of them when it cannot be asked. */
async function stillLive(client: CancelApi, ids: readonly string[]): Promise<Map<string, string>> {
  const live = new Map<string, string>();
  if (ids.length === 0) return live;
  const states = await client.states(ids);
  for (const id of ids) {
    const info = states.get(id);
    if (!info) continue;
    const phase = batchState(info).phase;
    if (phase === 'queued' || phase === 'running' || phase === 'never') live.set(id, describeState(info));
  }
  return live;
}

/** Waits until `done()` or `waitMs` passed; whether it was done. */
async function waitUntil(done: () => Promise<boolean> | boolean, waitMs: number, pollMs: number): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= until) return false;
    await sleep(pollMs);
  }
}

/**
 * Cancels the coordinator of the Slurm run recorded in `cacheDir` and every job it submitted (see the module comment);
 * undefined when no Slurm run is recorded there. `ok` is false when something could not be cancelled or is still
 * shown after the wait.
 */
export async function cancelSlurmRun(cacheDir: string, jobsFile: string, client: CancelApi, o: CancelOptions = {}): Promise<ExecutorReport | undefined> {
  const waitMs = o.waitMs ?? 60_000;
  const pollMs = o.pollMs ?? 500;
  const record = readCoordinatorRecord(cacheDir);
  const lockFile = `${jobsFile}.lock`;
  const firstJobs = readJobsFileChecked(jobsFile);
  if (!record && !firstJobs) return undefined;
  const lines: string[] = [];
  const cancelled: { jobId: string; what: string; was: string }[] = [];
  let ok = true;

  // 1. The coordinator: the detached one's job, or a coordinator started otherwise (in a terminal, or inside a job of
  // the user's own, which is not ours to cancel) that holds the lock: that one is sent SIGTERM, here.
  const held = probeCoordinator(lockFile);
  const holder: CoordinatorHolder | undefined = held && 'pid' in held ? held : undefined;
  const liveCoordinators = await stillLive(client, record ? [record.jobId] : []);
  const elsewhere = held !== undefined && !(holder?.job !== undefined && holder.job === record?.jobId);
  if (elsewhere) {
    if (!holder) {
      return { ok: false, json: { cancelled }, lines: [`a coordinator holds ${lockFile} but has not said who it is yet; try again in a moment`] };
    }
    if (holder.host !== hostname()) {
      return {
        ok: false,
        json: { cancelled, coordinator: holder },
        lines: [
          `the coordinator of this cache runs as pid ${holder.pid} on ${holder.host}, not as the detached coordinator: stop it there (Ctrl-C, which cancels its jobs), or run \`sgd-noise cancel\` on ${holder.host}`,
        ],
      };
    }
    // SIGTERM makes a coordinator that is not detached cancel its own jobs and exit.
    try {
      process.kill(holder.pid, 'SIGTERM');
    } catch {
      // ended meanwhile
    }
    cancelled.push({ jobId: `pid ${holder.pid}`, what: 'the coordinator', was: `running on ${holder.host}` });
    lines.push(`stopped the coordinator, pid ${holder.pid} on ${holder.host} (SIGTERM: it cancels its own jobs)`);
  }
  if (liveCoordinators.size > 0) {
    await client.cancel([...liveCoordinators.keys()]);
    for (const [id, was] of liveCoordinators) {
      cancelled.push({ jobId: id, what: 'the coordinator', was });
      lines.push(`cancelled the coordinator, Slurm job ${id} (was ${was})`);
    }
  } else if (record && held === undefined) {
    const state = await coordinatorState(client, record.jobId);
    lines.push(`the coordinator, Slurm job ${record.jobId}, is not running (${state.detail})`);
  }
  // It must be gone before its jobs are cancelled: a live one would submit more, or retry the cancelled ones.
  const coordinatorGone = await waitUntil(
    async () => probeCoordinator(lockFile) === undefined && (await stillLive(client, [...liveCoordinators.keys()])).size === 0,
    waitMs,
    pollMs,
  );
  if (!coordinatorGone) {
    ok = false;
    lines.push(
      `the coordinator has not ended after ${Math.round(waitMs / 1000)} s; its jobs are cancelled anyway (run \`sgd-noise cancel\` again once it has ended)`,
    );
  }

  // 2. Every job its jobs file lists as queued or running (read again: the coordinator may have submitted more).
  // Those open before the coordinator was stopped count too: one that cancels its own jobs marks them so at once,
  // while Slurm may still be ending them (COMPLETING).
  const jobs = readJobsFileChecked(jobsFile);
  const open = [...new Map([...(firstJobs?.jobs ?? []), ...(jobs?.jobs ?? [])].filter(isOpen).map((j) => [j.jobId, j])).values()];
  const live = await stillLive(
    client,
    open.map((j) => j.jobId),
  );
  if (live.size > 0) {
    await client.cancel([...live.keys()]);
    const named = open.filter((j) => live.has(j.jobId));
    for (const j of named) cancelled.push({ jobId: j.jobId, what: j.instance, was: live.get(j.jobId)! });
    lines.push(
      `cancelled ${live.size} job(s) of run ${jobs?.runId ?? firstJobs!.runId}: ${named.map((j) => `${j.jobId} ${j.instance} (was ${live.get(j.jobId)})`).join(', ')}`,
    );
  }
  const everything = [...liveCoordinators.keys(), ...live.keys()];
  let left = new Map<string, string>();
  const gone = await waitUntil(
    async () => {
      left = await stillLive(client, everything);
      return left.size === 0;
    },
    waitMs,
    pollMs,
  );
  if (!gone) {
    ok = false;
    lines.push(`still shown by Slurm after ${Math.round(waitMs / 1000)} s: ${[...left].map(([id, s]) => `${id} (${s})`).join(', ')}`);
  } else if (everything.length > 0) lines.push('squeue shows none of them now');

  // 3. The jobs file says so (under the coordinator lock, which is free now unless a new coordinator took it).
  if (live.size > 0 && jobs) {
    try {
      const lock = CoordinatorLock.take(lockFile, { runId: `cancel-${process.pid}`, label: 'Slurm' });
      try {
        const now = readJobsFileChecked(jobsFile);
        if (now && now.runId === jobs.runId) {
          for (const j of now.jobs) {
            if (!live.has(j.jobId) || j.phase === 'done' || j.phase === 'failed') continue;
            j.phase = 'cancelled';
            j.slurmState = 'CANCELLED';
            j.endedAt = new Date().toISOString();
            j.error = 'cancelled by sgd-noise cancel';
          }
          writeJobsFile(jobsFile, now);
        }
      } finally {
        lock.release();
      }
    } catch (err) {
      lines.push(`the jobs file ${path.basename(jobsFile)} was not updated: ${(err as Error).message}`);
    }
  }
  if (cancelled.length === 0 && ok) {
    lines.push(`nothing to cancel: no coordinator and no job of the Slurm run recorded in ${cacheDir} is queued or running`);
  }
  return { ok, json: { cancelled, ok }, lines };
}
