/**
 * The run record of one `sgd-noise run` (pipeline/run-records.ts), kept around the run itself: written before anything
 * runs (outcome `running`, the selected instances and their planned keys, the code's commit), rewritten at the end
 * with the outcome, the wall time, the counts, the keys the instances were really found or stored under (an instance
 * that ran without a failed optional input has its own key) and the first GPU adapter a stage recorded. A record that
 * cannot be written (a full disk) is a warning on stderr: the run goes on, and fails or not on its own.
 */
import type { CacheStore } from '../../cache/store.ts';
import { codeFacts, type CodeFacts } from '../code-facts.ts';
import { FileError } from '../errors.ts';
import type { RunEvent, RunSummary } from '../events.ts';
import { selectInstances } from '../plan.ts';
import { createRunRecord, removeRunRecord, runsDir, updateRunRecord, type RunRecord } from '../run-records.ts';
import type { CommandContext } from './command.ts';
import { idList } from './options.ts';

/** What the run gets from its record: the code facts its stages see, and a hook for every event of the run. */
export interface RunObserver {
  readonly code: CodeFacts;
  observe(event: RunEvent): void;
}

/**
 * Runs `run` (the command's body) with its record: created first, finished whatever happens (an exception is a
 * `failed` run, exit code 130 or 143 a `cancelled` one). A run killed outright leaves it `running`, which reads as
 * `interrupted` once its process is gone.
 */
export async function recordRun(ctx: CommandContext, run: (observer: RunObserver) => Promise<number>): Promise<number> {
  const { values, targets, plan, cacheDir, cache, resolved, project, overrides, sweeps } = ctx;
  const selected = selectInstances(plan, [...idList(values.only), ...targets]);
  const code = await codeFacts(project.root);
  const keys: Record<string, string> = Object.fromEntries(plan.order.filter((id) => selected.has(id)).map((id) => [id, plan.nodes.get(id)!.key]));
  let record: RunRecord | undefined;
  try {
    record = createRunRecord(cacheDir, {
      profile: resolved.profile,
      overrides,
      sweeps: [...sweeps],
      config: resolved.config,
      points: resolved.points.map((p) => ({ label: p.point.label, config: p.config })),
      instances: { ...keys },
      code,
      backend: typeof resolved.config.backend === 'string' ? resolved.config.backend : null,
    });
  } catch (err) {
    // The run itself may still work (or fail with its own words, as on a full disk): it goes on without a record.
    process.stderr.write(`warning: no run record for this run: ${new FileError(runsDir(cacheDir), err).message}\n`);
  }
  const started = Date.now();
  let summary: RunSummary | undefined;
  let exit: number | undefined;
  let began = false;
  try {
    exit = await run({
      code,
      observe(e) {
        began = true;
        if (e.type === 'hit' || e.type === 'done') keys[e.instance] = e.key;
        else if (e.type === 'finished') summary = e.summary;
      },
    });
    return exit;
  } finally {
    // A run whose plan never started ran nothing here: a mistake refused (a bad --force, an unwritable remote), or a
    // run handed on elsewhere (a coordinator submitted as a job of its own, which records itself). No record of it.
    if (record && !began) removeRunRecord(cacheDir, record.id);
    else if (record) finish(record);
  }

  /** Rewrites the record with how the run ended; a failure to is a warning (the run's outcome stands). */
  function finish(record: RunRecord): void {
    const outcome: RunRecord['outcome'] = exit === 130 || exit === 143 ? 'cancelled' : exit === 0 && summary?.ok ? 'ok' : 'failed';
    try {
      updateRunRecord(cacheDir, {
        ...record,
        outcome,
        finishedAt: new Date().toISOString(),
        wallMs: Date.now() - started,
        counts: summary
          ? {
              ran: summary.ran.length,
              cached: summary.hits.length,
              failed: summary.failed.length,
              skipped: summary.skipped.length,
              cancelled: summary.cancelled.length,
              pulled: summary.pulled.length,
            }
          : null,
        instances: keys,
        adapter: firstAdapter(cache, Object.values(keys)),
      });
      if (process.stderr.isTTY) process.stderr.write(`run recorded as ${record.id} (sgd-noise runs lists it, sgd-noise diff compares it)\n`);
    } catch (err) {
      process.stderr.write(`warning: could not finish the run record ${record.id}: ${new FileError(runsDir(cacheDir), err).message}\n`);
    }
  }
}

/** The first GPU adapter a stage recorded in its manifest (`meta.adapter`, an object), or null. */
function firstAdapter(cache: CacheStore, entryKeys: readonly string[]): Record<string, unknown> | null {
  try {
    cache.refresh();
    for (const key of entryKeys) {
      const adapter = cache.getManifest(key)?.meta.adapter;
      if (adapter !== null && typeof adapter === 'object' && !Array.isArray(adapter)) return adapter as Record<string, unknown>;
    }
  } catch {
    // a damaged manifest: no adapter from it (the run's own output said so)
  }
  return null;
}
