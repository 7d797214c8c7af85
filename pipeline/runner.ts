/**
 * Executes a plan as an RxJS DAG: one shared observable per instance (so each runs at most once and shared
 * upstreams are computed once), instances whose inputs are ready run concurrently up to `jobs`, heavy stages in
 * child processes. Emits RunEvents and completes after a `finished` event; failures are events, not errors. The
 * remote's pulls and pushes (remote-sync.ts) and the published files (publish.ts) are their own modules.
 */
import { setMaxListeners } from 'node:events';
import { Observable, defer, forkJoin, from, lastValueFrom, mergeMap, of, shareReplay, tap, type Subscription } from 'rxjs';
import type { CacheRemote } from '../cache/remote.ts';
import type { CacheStore } from '../cache/store.ts';
import type { CodeFacts } from './code-facts.ts';
import { localExecutor, type Executor, type ExecutorHooks } from './executor.ts';
import { getPath } from './config.ts';
import type { RunEvent, RunReason, RunSummary } from './events.ts';
import { failureMessage } from './errors.ts';
import { StageFailure, executeStage } from './execute.ts';
import { descendants, fileHashesOf, nodeConfig, withoutInputs, type Plan, type PlanNode } from './plan.ts';
import { publishOutputs } from './publish.ts';
import { NO_REMOTE, remoteSync } from './remote-sync.ts';
import { CoreBudget, GpuBudget, type CoreGrant, type GpuGrant } from './core-budget.ts';
import { declaredGpus } from './stage.ts';

export { pointPath } from './publish.ts';

/** How to run a plan. */
export interface RunOptions {
  plan: Plan;
  cache: CacheStore;
  /** Scope for fingerprints (the profile name), used by `status` to explain staleness. */
  scope: string;
  /** The resolved config (for `publish` paths and for child workers); a sweep's nodes carry their own (`planned`). */
  config: Record<string, unknown>;
  /** Instances to run (with their ancestors); default all. */
  selected?: ReadonlySet<string>;
  /** Instances to recompute even when cached. */
  force?: ReadonlySet<string>;
  /**
   * The cores to use: at most this many instances run at once, and the threads of all running instances never
   * exceed it (a stage that declares `threads` gets idle cores when nothing else is waiting; see core-budget.ts).
   */
  jobs: number;
  /**
   * The GPUs local runs may use (default 1): an instance whose stage declares `gpus` = g waits until g are free and
   * holds them while it runs (taken before its core, so the two budgets cannot deadlock); one that needs more than
   * this fails at once. CPU-only instances never wait for a GPU. Executors that do not use local cores (Slurm) ask
   * their scheduler instead.
   */
  gpus?: number;
  /** On a failure, finish the other branches instead of cancelling them. */
  keepGoing?: boolean;
  /** Cancels the run: running children are stopped, nothing partial is stored. */
  signal?: AbortSignal;
  /** Module path of the project, for child workers; without it every stage runs inline. */
  projectModule?: string;
  /** Directory that `publish` paths are relative to. */
  publishRoot?: string;
  /** The `key.path=value` overrides as typed, handed to stages as run facts (with `scope` as the profile). */
  overrides?: string[];
  /** The code this run runs (git commit, dirty flag, lockfile hash), handed to stages as run facts; outside every key. */
  code?: CodeFacts;
  /**
   * A cache remote: an entry missing locally is looked up there and pulled (verified, then imported) instead of
   * computed, and every computed entry is pushed. A failed pull or push is a `remote-failed` event and makes the run
   * not ok; the local cache is never affected by it.
   */
  remote?: CacheRemote;
  /**
   * Where isolated instances run (see executor.ts); default: a local child process each, under the core budget. An
   * executor that does not use local cores (Slurm) is not bounded by `jobs`; it bounds its own jobs in flight.
   */
  executor?: Executor;
  /**
   * Scheduling priority of an instance (larger starts first), asked each time it waits for a core; undefined falls
   * back to its number of dependents. Scheduling never changes outputs.
   */
  priority?: (instance: string) => number | undefined;
}

type Outcome =
  | { status: 'hit' | 'ran'; missing?: string[] }
  | { status: 'failed'; error: string }
  | { status: 'skipped'; because: string[] }
  | { status: 'cancelled' };

/** Runs the plan; subscribe to start, unsubscribe to cancel. */
export function runPlan(opts: RunOptions): Observable<RunEvent> {
  return new Observable<RunEvent>((subscriber) => {
    const started = Date.now();
    const controller = new AbortController();
    // Every instance waiting for a core listens on it: a sweep's plan has many more than the default warning's ten.
    setMaxListeners(0, controller.signal);
    const onExternalAbort = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) controller.abort(opts.signal.reason);
    opts.signal?.addEventListener('abort', onExternalAbort, { once: true });
    const emit = (e: RunEvent) => subscriber.next(e);
    const cores = new CoreBudget(opts.jobs);
    const gpuBudget = new GpuBudget(opts.gpus ?? 1);
    const dependents = dependentCounts(opts.plan);
    const priorityOf = (id: string) => opts.priority?.(id) ?? dependents.get(id) ?? 0;
    const selected = opts.selected ?? new Set(opts.plan.order);
    const summary: RunSummary = {
      hits: [],
      pulled: [],
      pushed: [],
      remoteFailed: [],
      ran: [],
      partial: [],
      failed: [],
      skipped: [],
      cancelled: [],
      wallMs: 0,
      ok: false,
    };
    const memo = new Map<string, Observable<Outcome>>();
    const executor = opts.executor ?? (opts.projectModule ? localExecutor(opts.projectModule) : undefined);

    const node$ = (id: string): Observable<Outcome> => {
      let obs = memo.get(id);
      if (obs) return obs;
      const node = opts.plan.nodes.get(id)!;
      const deps = [...new Set(Object.values(node.deps))];
      const upstream$ = deps.length > 0 ? forkJoin(deps.map(node$)) : of([] as Outcome[]);
      obs = upstream$.pipe(
        mergeMap((outcomes) => defer(() => from(runNode(node, deps, outcomes)))),
        tap((outcome) => record(summary, id, outcome)),
        shareReplay({ bufferSize: 1, refCount: false }),
      );
      memo.set(id, obs);
      return obs;
    };

    const runNode = async (planned: PlanNode, deps: string[], upstream: Outcome[]): Promise<Outcome> => {
      const id = planned.instance;
      // An upstream that failed or was skipped blocks this node, unless every input it serves is optional.
      const absent = new Set(deps.filter((_, i) => upstream[i]!.status === 'failed' || upstream[i]!.status === 'skipped'));
      const servesOnlyOptional = (dep: string) => Object.entries(planned.deps).every(([name, d]) => d !== dep || planned.optionalInputs.includes(name));
      const blocked = upstream.flatMap((o, i) =>
        absent.has(deps[i]!) && servesOnlyOptional(deps[i]!)
          ? []
          : o.status === 'failed'
            ? [deps[i]!]
            : o.status === 'skipped'
              ? o.because
              : o.status === 'cancelled'
                ? [`${deps[i]} (cancelled)`]
                : [],
      );
      if (controller.signal.aborted) return cancelled(id);
      const missing = Object.keys(planned.deps).filter((name) => absent.has(planned.deps[name]!));
      const node = blocked.length === 0 && missing.length > 0 ? withoutInputs(planned, missing) : planned;
      if (missing.length > 0 && blocked.length === 0) {
        emit({
          type: 'log',
          instance: id,
          message: `running without ${missing.map((n) => `${n} (${planned.deps[n]})`).join(', ')}: upstream failed or was skipped`,
        });
      }
      if (blocked.length > 0) {
        const because = [...new Set(blocked)];
        emit({ type: 'skipped', instance: id, because });
        return { status: 'skipped', because };
      }
      let reason: RunReason = 'missing';
      if (opts.force?.has(id)) reason = 'forced';
      else {
        const found = opts.cache.lookup(node.key);
        if (found.status === 'hit') {
          await afterSuccess(node);
          emit({ type: 'hit', instance: id, key: node.key, from: 'local' });
          return { status: 'hit', missing };
        }
        if (found.status === 'corrupt') {
          emit({ type: 'corrupt', instance: id, key: node.key, reason: found.reason, where: 'local' });
          await opts.cache.invalidate(node.key, found.badBlobs);
          reason = 'corrupt';
        }
        if (opts.remote && (await pull(node))) {
          await afterSuccess(node);
          return { status: 'hit', missing };
        }
        if (controller.signal.aborted) return cancelled(id); // the pull was abandoned
      }
      let grant: CoreGrant | undefined;
      let gpuGrant: GpuGrant | undefined;
      try {
        // A node missing optional inputs runs inline: a child worker would rebuild the complete node.
        const where = node.stage.isolate && executor && node === planned ? 'child' : 'inline';
        const elsewhere = where === 'child' && !executor!.usesLocalCores;
        let threads: number;
        let gpus = declaredGpus(node.stage, id, node.params, <T>(p: string) => getPath(nodeConfig(node, opts.config), p) as T);
        if (elsewhere) {
          threads = executor!.threadsFor?.(node, nodeConfig(node, opts.config)) ?? 1;
          gpus = executor!.gpusFor?.(node, nodeConfig(node, opts.config)) ?? gpus;
        } else {
          if (gpus > gpuBudget.total) {
            throw new StageFailure(`${id}: needs ${gpus} GPU(s), but this run has ${gpuBudget.total} (run --gpus N sets how many local runs may use)`);
          }
          // GPUs first, then a core: whoever waits for a core then holds all it needs, so the budgets cannot deadlock.
          if (gpus > 0) gpuGrant = await gpuBudget.acquire(gpus, controller.signal, priorityOf(id));
          // Threads only make sense in a fresh child process: an inline stage shares the runner's tfjs backend.
          const want = where === 'child' ? threadsWanted(node, nodeConfig(node, opts.config), opts.jobs) : 1;
          grant = await cores.acquire(want, controller.signal, priorityOf(id));
          threads = grant.cores;
        }
        emit({
          type: 'start',
          instance: id,
          key: node.key,
          reason,
          where,
          ...(threads > 1 ? { threads } : {}),
          ...(gpus > 0 ? { gpus } : {}),
          ...(elsewhere ? { executor: executor!.name } : {}),
        });
        const t0 = Date.now();
        const hooks: ExecutorHooks = {
          signal: controller.signal,
          progress: (done, total, note, elapsedMs, metrics) =>
            emit({ type: 'progress', instance: id, done, total, note, elapsedMs, ...(metrics?.length ? { metrics } : {}) }),
          log: (message) => emit({ type: 'log', instance: id, message }),
          job: (report) => emit({ type: 'job', instance: id, ...report }),
          run: { profile: opts.scope, overrides: opts.overrides ?? [], ...(opts.code ? { code: opts.code } : {}) },
          threads,
          gpus,
        };
        if (where === 'child') {
          if (reason === 'forced') await opts.cache.invalidate(node.key);
          await executor!.run({ node, config: nodeConfig(node, opts.config), cacheDir: opts.cache.dir, threads, gpus, run: hooks.run! }, hooks);
          opts.cache.refresh();
          const check = opts.cache.lookup(node.key);
          if (check.status !== 'hit') throw new Error(`${id}: worker finished but its cache entry is ${check.status}`);
        } else {
          if (reason === 'forced') await opts.cache.invalidate(node.key);
          await executeStage(node, opts.cache, hooks);
        }
        await afterSuccess(node);
        emit({ type: 'done', instance: id, key: node.key, durationMs: Date.now() - t0 });
        if (opts.remote) await push(node);
        return { status: 'ran', missing };
      } catch (err) {
        if (controller.signal.aborted) return cancelled(id);
        const error = err instanceof StageFailure ? err.message : await failureMessage(err, opts.cache.file);
        emit({ type: 'failed', instance: id, error });
        if (!opts.keepGoing) controller.abort(new Error(`stopping after ${id} failed`));
        return { status: 'failed', error };
      } finally {
        grant?.release();
        gpuGrant?.release();
      }
    };

    const { pull, push } = opts.remote ? remoteSync(opts.remote, opts.cache, controller.signal, summary, emit) : NO_REMOTE;

    const cancelled = (id: string): Outcome => {
      emit({ type: 'cancelled', instance: id });
      return { status: 'cancelled' };
    };

    const afterSuccess = async (node: PlanNode) => {
      await opts.cache.recordFingerprint(opts.scope, node.instance, {
        key: node.key,
        version: node.stage.version,
        config: node.config as Record<string, never>,
        inputs: node.inputKeys as Record<string, string>,
        ...(Object.keys(node.files).length > 0 ? { files: fileHashesOf(node) } : {}),
        at: new Date().toISOString(),
      });
      publishOutputs(node, opts.cache, nodeConfig(node, opts.config), opts.publishRoot ?? process.cwd(), (file) =>
        emit({ type: 'published', instance: node.instance, file }),
      );
    };

    const targets = opts.plan.order.filter((id) => selected.has(id));
    emit({ type: 'plan', instances: targets, jobs: opts.jobs });
    const sub: Subscription = forkJoin(targets.map(node$)).subscribe({
      error: (err: unknown) => subscriber.error(err),
      complete: async () => {
        try {
          await executor?.close?.();
        } catch (err) {
          subscriber.error(err);
          return;
        }
        summary.wallMs = Date.now() - started;
        summary.ok = summary.failed.length === 0 && summary.skipped.length === 0 && summary.cancelled.length === 0 && summary.remoteFailed.length === 0;
        emit({ type: 'finished', summary });
        subscriber.complete();
      },
    });
    if (targets.length === 0) {
      void executor?.close?.();
      summary.ok = true;
      emit({ type: 'finished', summary });
      subscriber.complete();
    }
    return () => {
      opts.signal?.removeEventListener('abort', onExternalAbort);
      controller.abort(new Error('run unsubscribed'));
      sub.unsubscribe();
    };
  });
}

/**
 * Per instance, how many instances depend on it, directly or not: the runner's scheduling priority (instances that
 * more of the plan waits on start first; list scheduling by number of successors).
 */
export function dependentCounts(plan: Plan): Map<string, number> {
  return new Map(plan.order.map((id) => [id, descendants(plan, id).size]));
}

/** How many threads `node` can use (its stage's `threads`, default 1), at most the budget. */
function threadsWanted(node: PlanNode, config: Record<string, unknown>, budget: number): number {
  const declared = node.stage.threads?.(node.params, <T>(p: string) => getPath(config, p) as T) ?? 1;
  if (!(declared >= 1)) {
    throw new Error(`${node.instance}: threads() must return a number ≥ 1, got ${declared}`);
  }
  return Math.max(1, Math.min(budget, Math.floor(declared)));
}

function record(summary: RunSummary, id: string, outcome: Outcome): void {
  if ((outcome.status === 'hit' || outcome.status === 'ran') && outcome.missing?.length) summary.partial.push({ instance: id, missing: outcome.missing });
  if (outcome.status === 'hit') summary.hits.push(id);
  else if (outcome.status === 'ran') summary.ran.push(id);
  else if (outcome.status === 'failed') summary.failed.push({ instance: id, error: outcome.error });
  else if (outcome.status === 'skipped') summary.skipped.push({ instance: id, because: outcome.because });
  else if (outcome.status === 'cancelled') summary.cancelled.push(id);
}

/** Runs the plan to completion, passing every event to `onEvent`, and returns the summary. */
export async function runToCompletion(opts: RunOptions, onEvent: (e: RunEvent) => void = () => undefined): Promise<RunSummary> {
  let summary: RunSummary | undefined;
  await lastValueFrom(
    runPlan(opts).pipe(
      tap((e) => {
        if (e.type === 'finished') summary = e.summary;
        onEvent(e);
      }),
    ),
    { defaultValue: undefined },
  );
  return summary!;
}
