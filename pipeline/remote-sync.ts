/**
 * A run's traffic with the cache remote (runner.ts): an entry missing locally is pulled (verified, then imported)
 * instead of computed, and every computed entry is pushed. A failed pull or push is a `remote-failed` event and a
 * line of the summary; the local cache is never affected by it. Cancelling (the run's signal) abandons a transfer
 * without calling it a failure.
 */
import { pullEntries, pushEntries, type CacheRemote } from '../cache/remote.ts';
import type { CacheStore } from '../cache/store.ts';
import type { RunEvent, RunSummary } from './events.ts';
import type { PlanNode } from './plan.ts';

/** Pulls and pushes of one run. */
export interface RemoteSync {
  /** Pulls the node's entry; true when it is now in the local cache (reported as a hit from the remote). */
  pull(node: PlanNode): Promise<boolean>;
  /** Pushes the node's freshly computed entry; a failure is reported, the local entry stays as it is. */
  push(node: PlanNode): Promise<void>;
}

/** A run without a remote: nothing is pulled or pushed. */
export const NO_REMOTE: RemoteSync = { pull: async () => false, push: async () => undefined };

/** The pulls and pushes of a run against `remote`, recorded in `summary` and reported through `emit`. */
export function remoteSync(remote: CacheRemote, cache: CacheStore, signal: AbortSignal, summary: RunSummary, emit: (e: RunEvent) => void): RemoteSync {
  /** Pulls the node's entry from the remote; true when it is now in the local cache (reported as a hit). */
  const pull = async (node: PlanNode): Promise<boolean> => {
    const id = node.instance;
    try {
      const report = await pullEntries(remote, cache, [node.key], { signal: signal });
      for (const c of report.corrupt) if (c.side === 'remote') emit({ type: 'corrupt', instance: id, key: node.key, reason: c.reason, where: 'remote' });
      if (report.transferred.length === 0) return false;
      summary.pulled.push(id);
      emit({ type: 'hit', instance: id, key: node.key, from: 'remote', blobs: report.blobs.transferred, bytes: report.bytes.transferred });
      return true;
    } catch (err) {
      if (!signal.aborted) remoteFailed(node, 'pull', err);
      return false;
    }
  };

  /** Pushes the node's freshly computed entry; a failure is reported, the local entry stays as it is. */
  let cleanedUp: Promise<unknown> | undefined;
  const push = async (node: PlanNode): Promise<void> => {
    try {
      cleanedUp ??= remote
        .prepareWrite()
        .then(() => remote.cleanup())
        .catch((err: unknown) => {
          cleanedUp = undefined; // the next push tries again
          throw err;
        });
      await cleanedUp;
      const report = await pushEntries(cache, remote, [node.key], { cleanup: false, signal: signal });
      if (report.entries.transferred + report.entries.present === 0) {
        throw new Error(report.corrupt.map((c) => c.reason).join('; ') || 'the entry is not in the local cache');
      }
      // Another run stored a different result for this key meanwhile: both are kept, and the run says so.
      if (report.divergent.length > 0)
        throw new Error(
          `the remote already holds a different result for this key: ${report.divergent[0]!.reason}; check which is genuine, then \`sgd-noise cache push --keep local\` or \`sgd-noise cache pull --keep remote\``,
        );
      summary.pushed.push(node.instance);
      emit({
        type: 'pushed',
        instance: node.instance,
        key: node.key,
        blobs: report.blobs.transferred,
        bytes: report.bytes.transferred,
        already: report.entries.present > 0,
      });
    } catch (err) {
      // A push abandoned by cancelling is not a failure of the remote: the entry is kept locally either way.
      if (!signal.aborted) remoteFailed(node, 'push', err);
    }
  };

  const remoteFailed = (node: PlanNode, op: 'pull' | 'push', err: unknown) => {
    const error = `${op === 'push' ? 'pushing to' : 'pulling from'} the remote failed: ${(err as Error).message ?? String(err)}${op === 'push' ? ' (the entry is kept in the local cache; `sgd-noise cache push` uploads it later)' : ' (computing it here instead)'}`;
    summary.remoteFailed.push({ instance: node.instance, op, error });
    emit({ type: 'remote-failed', instance: node.instance, key: node.key, op, error });
  };

  return { pull, push };
}
