/**
 * Runs one stage instance in the current process: loads its inputs from the cache, calls `run` with a context that
 * enforces the declared config keys, and commits the outputs atomically. Used by the runner (inline stages) and by
 * the worker (child-process stages) alike.
 */
import { hostname } from 'node:os';
import { unwrapCommitFailure } from '../cache/lmdb-errors.ts';
import type { CacheStore } from '../cache/store.ts';
import type { Manifest } from '../cache/manifest.ts';
import type { Json, LoadedArtifacts } from '../cache/values.ts';
import { getPath } from './config.ts';
import { describeFileError, messageOf, type FileRole } from './errors.ts';
import type { ProgressMetric } from './events.ts';
import { outputProblems } from './outputs.ts';
import { fileHashesOf, type PlanNode } from './plan.ts';
import type { LineageEntry, RunFacts, StageContext } from './stage.ts';

/** Callbacks through which a running stage reports to whoever runs it. */
export interface ExecHooks {
  progress(done: number, total: number, note: string | undefined, elapsedMs: number, metrics?: ProgressMetric[]): void;
  log(message: string): void;
  signal: AbortSignal;
  /** Facts about the run (profile, overrides) handed to the stage; defaults to unknown profile, no overrides. */
  run?: RunFacts;
  /** Called on every progress report and cancellation check, even throttled ones (a worker's parent check). */
  heartbeat?(): void;
  /** Cores granted to this instance (default 1): `ctx.threads`. */
  threads?: number;
  /** GPUs granted to this instance (default 0): `ctx.gpus`. */
  gpus?: number;
  /** What the cache is, for the advice of a file error (default the cache; a cluster job's is its node-local cache). */
  cacheRole?: FileRole;
}

/** Minimum interval between two forwarded progress reports of one stage. */
const PROGRESS_INTERVAL_MS = 100;

/** A stage's own failure, carrying the instance id in its message. */
export class StageFailure extends Error {}

/** Executes `node` and returns its committed manifest. Inputs must already be in the cache. */
export async function executeStage(node: PlanNode, cache: CacheStore, hooks: ExecHooks): Promise<Manifest> {
  const inputs: Record<string, LoadedArtifacts> = {};
  for (const [name, key] of Object.entries(node.inputKeys)) {
    const manifest = cache.getManifest(key);
    if (!manifest) throw new StageFailure(`${node.instance}: input '${name}' (${node.deps[name]}, ${key.slice(0, 12)}) is not in the cache`);
    inputs[name] = cache.readOutputs(manifest);
  }
  const meta: Record<string, Json> = {};
  const started = Date.now();
  const ctx = makeContext(node, hooks, meta, started, () => lineageOf(cache, Object.values(node.inputKeys)));
  let artifacts: Awaited<ReturnType<typeof node.stage.run>>;
  try {
    artifacts = await node.stage.run(ctx, inputs);
  } catch (err) {
    if (hooks.signal.aborted) throw hooks.signal.reason ?? err;
    const message = err instanceof Error ? err.message : String(err);
    throw new StageFailure(`${node.instance}: ${message}`, { cause: err });
  }
  hooks.signal.throwIfAborted();
  if (artifacts === null || typeof artifacts !== 'object' || Array.isArray(artifacts)) {
    throw new StageFailure(`${node.instance}: run() must return an object of named outputs`);
  }
  const problems = node.stage.outputs ? outputProblems(node.stage.outputs, artifacts) : [];
  if (problems.length) throw new StageFailure(`${node.instance}: ${problems.join('; ')}; nothing was stored`);
  try {
    return await cache.commit(
      {
        key: node.key,
        stage: node.stage.id,
        instance: node.instance,
        params: node.params,
        version: node.stage.version,
        config: node.config,
        inputs: node.inputKeys,
        ...(Object.keys(node.missing).length ? { missing: { ...node.missing } } : {}),
        ...(Object.keys(node.files).length > 0 ? { files: fileHashesOf(node) } : {}),
        seed: node.seed,
        createdAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        host: { node: process.version, platform: `${process.platform}-${process.arch} ${hostname()}`, pid: process.pid },
        meta,
      },
      artifacts,
    );
  } catch (err) {
    const cause = await unwrapCommitFailure(err);
    throw new StageFailure(`${node.instance}: cannot store outputs: ${describeFileError(cause, cache.file, hooks.cacheRole) ?? messageOf(cause)}`, { cause });
  }
}

/** The manifests reachable from `keys` through their inputs, each once, in dependency order (inputs first). */
export function lineageOf(cache: CacheStore, keys: readonly string[]): LineageEntry[] {
  const seen = new Set<string>();
  const out: LineageEntry[] = [];
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const m = cache.getManifest(key);
    if (!m) return;
    for (const k of Object.values(m.inputs)) visit(k);
    out.push({
      instance: m.instance,
      stage: m.stage,
      version: m.version,
      key: m.key,
      seed: m.seed,
      durationMs: m.durationMs,
      createdAt: m.createdAt,
      meta: m.meta,
    });
  };
  for (const k of keys) visit(k);
  return out;
}

function makeContext(node: PlanNode, hooks: ExecHooks, meta: Record<string, Json>, started: number, lineage: () => LineageEntry[]): StageContext {
  let lastReport = 0;
  return {
    instance: node.instance,
    params: node.params,
    key: node.key,
    upstream: Object.fromEntries(Object.entries(node.deps).map(([name, instance]) => [name, { instance, key: node.inputKeys[name]! }])),
    missing: node.missing,
    run: hooks.run ?? { profile: '?', overrides: [] },
    threads: hooks.threads ?? 1,
    gpus: hooks.gpus ?? 0,
    files: Object.fromEntries(Object.entries(node.files).map(([name, f]) => [name, f.path])),
    lineage,
    config<T>(path: string): T {
      const declared = node.reads.find((d) => path === d || path.startsWith(`${d}.`));
      if (declared === undefined) {
        throw new StageFailure(`${node.instance} reads config key '${path}' without declaring it (declared: ${node.reads.join(', ') || 'none'})`);
      }
      // An optional read (`key?`) absent from the config is absent from the slice: undefined, the stage's default.
      if (!Object.hasOwn(node.config, declared)) return undefined as T;
      return getPath(node.config[declared], path.slice(declared.length + 1)) as T;
    },
    get seed(): number {
      if (node.seed === null) throw new StageFailure(`${node.instance} uses its seed without declaring 'seed' among its reads`);
      return node.seed;
    },
    progress(done, total, note, metrics) {
      hooks.heartbeat?.();
      const now = Date.now();
      if (done < total && now - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = now;
      // Plain copies: they cross process boundaries (IPC, a job's log lines) and must not change under the display.
      const copied = metrics?.length ? metrics.map(({ name, label, value, format }) => ({ name, label, value, ...(format ? { format } : {}) })) : undefined;
      hooks.progress(done, total, note, now - started, copied);
    },
    log: (message) => hooks.log(message),
    signal: hooks.signal,
    throwIfAborted: () => {
      hooks.heartbeat?.();
      hooks.signal.throwIfAborted();
    },
    setMeta(key, value) {
      meta[key] = value;
    },
  };
}
