/**
 * A stage is a declared record: identity, version, the config keys it reads, its upstream stages, and `run`.
 * The engine derives everything else (instances, cache keys, seeds, scheduling) from these declarations.
 */
import type { Json } from '../cache/values.ts';
import type { CodeFacts } from './code-facts.ts';
import type { InputsOf } from './deps.ts';
import type { ProgressMetric } from './events.ts';
import type { OutputDecls, ProducedOutputs } from './outputs.ts';

/** A value a stage instance may be parameterised by (noise kind, seed index, …). */
export type ParamValue = string | number | boolean;
/** The parameters of one stage instance. */
export type Params = Record<string, ParamValue>;

/** A reference to an upstream stage instance: the stage id and, for parameterised stages, its parameters. */
export interface DepRef {
  stage: string;
  params?: Params;
  /**
   * An input the stage can do without: when that upstream instance fails or is skipped, this instance still runs
   * (inline), without the input, under a key that records it as missing (for a report that shows what did run).
   */
  optional?: boolean;
}

/** Read access to the resolved configuration by dotted path: `cfg('fashion.dynamics.lr')`. */
export type ConfigReader = <T = unknown>(path: string) => T;

/**
 * Facts about the run outside the cache key: the profile, the `key.path=value` overrides as typed and, when the command
 * line started it, the code it ran (git commit, dirty flag, lockfile hash; pipeline/code-facts.ts).
 */
export interface RunFacts {
  profile: string;
  overrides: string[];
  code?: CodeFacts;
}

/** One transitive upstream instance as recorded in its manifest. */
export interface LineageEntry {
  instance: string;
  stage: string;
  version: number;
  key: string;
  seed: number | null;
  durationMs: number;
  createdAt: string;
  meta: Record<string, unknown>;
}

/** What a running stage may use: its own config slice, seed, progress reporting and cancellation. */
export interface StageContext<P extends Params = Params> {
  /** The instance id, e.g. `fashion.dynamics[kind=sgd,seed=0]`. */
  readonly instance: string;
  /** This instance's parameters. */
  readonly params: P;
  /** The cache key of this instance and, per input name, the upstream instance and its key (for provenance). */
  readonly key: string;
  readonly upstream: Readonly<Record<string, { instance: string; key: string }>>;
  /** Optional inputs that are absent from this run (their upstream failed or was skipped), input name → instance. */
  readonly missing: Readonly<Record<string, string>>;
  /** Facts about the run that started this instance (profile, command-line overrides); outside the cache key. */
  readonly run: RunFacts;
  /**
   * Cores the runner granted this instance (≥ 1, at most its stage's `threads`); outside the cache key, so a stage
   * may use them only in ways that leave its outputs bit-identical.
   */
  readonly threads: number;
  /**
   * GPUs the runner granted this instance: its stage's `gpus` (0 when it declares none). A local run grants them from
   * its GPU budget (`run --gpus N`), a cluster job gets what its scheduler was asked for. Which devices they are is the
   * stage's business (the engine only counts them); outside the cache key, like `threads`.
   */
  readonly gpus: number;
  /** The declared input files by name, as absolute paths (their content hashes are in the key). */
  readonly files: Readonly<Record<string, string>>;
  /** Every cached instance this one transitively depends on, from its manifests (for provenance); outside the key. */
  lineage(): LineageEntry[];
  /** A declared config value (the key itself or a path below a declared key); throws for undeclared keys. */
  config<T = unknown>(path: string): T;
  /** The instance's seed, derived from the root seed and the instance id; requires `seed` among the reads. */
  readonly seed: number;
  /**
   * Reports progress: `done` of `total` units (iterations, batches…), with an optional short note and the stage's
   * latest numbers (`metrics`, shown as `label value` beside its progress bar and carried by `run --progress json`).
   * Reports closer than 100 ms apart are dropped, so pass the latest values with every call.
   */
  progress(done: number, total: number, note?: string, metrics?: readonly ProgressMetric[]): void;
  /** A line for the run log. */
  log(message: string): void;
  /** Aborted when the run is cancelled; long loops should call `throwIfAborted` regularly. */
  readonly signal: AbortSignal;
  /** Throws if the run was cancelled. */
  throwIfAborted(): void;
  /** Records metadata (backend, timings, counts) in the manifest, outside the cache key. */
  setMeta(key: string, value: Json): void;
}

/** What an instance asks of a cluster scheduler (see {@link StageSpec.resources}); every field is optional. */
export interface StageResources {
  cpus?: number;
  /** GPUs to ask the scheduler for (default: the stage's `gpus`); 0 asks for none. */
  gpus?: number;
  memMB?: number;
  timeMin?: number;
}

/**
 * Declaration of a stage (a template that may have several instances): `P` its parameters, `O` its declared outputs,
 * `D` what `deps` returns (typed with `dep`, so `run`'s inputs are typed by the upstream outputs).
 */
export interface StageSpec<P extends Params = Params, O extends OutputDecls = OutputDecls, D extends Record<string, DepRef> = Record<string, DepRef>> {
  /** Unique dotted id, e.g. `fashion.pretrain`. */
  readonly id: string;
  /** Bumped whenever the meaning of `run` changes; part of the cache key. */
  readonly version: number;
  /** One line for `dag` and `status`. */
  readonly description: string;
  /** The parameter sets to instantiate (default: one instance with no parameters). */
  instances?(config: ConfigReader): P[];
  /**
   * Config keys (dotted paths) this instance reads; include `seed` to get a derived seed. A key ending in `?` is an
   * optional setting: it enters the cache key only when the config has it, and `ctx.config` returns undefined when
   * not (so a setting added with its default absent leaves every existing key as it was).
   */
  reads: readonly string[] | ((params: NoInfer<P>, config: ConfigReader) => readonly string[]);
  /** Upstream instances this instance consumes, by input name (`dep(stage, params)`: typed inputs). */
  deps?(params: NoInfer<P>, config: ConfigReader): D;
  /**
   * The outputs `run` returns (see pipeline/outputs.ts): the executor checks them before committing and fails the
   * instance, storing nothing, on an undeclared, missing or mistyped output. Outside the cache key.
   */
  readonly outputs?: O;
  /**
   * Input files (datasets) this instance reads, by name → path (relative to the working directory). The SHA-256 of
   * each file's content goes into the key, so replacing a file reruns this instance and everything below it.
   */
  files?(params: NoInfer<P>, config: ConfigReader): Record<string, string>;
  /** Run in a child process (for heavy numerical work). */
  readonly isolate?: boolean;
  /**
   * How many threads one run of this instance can use (default 1; `Infinity`: as many as there are cores). The runner
   * grants between 1 and this many from its budget (see pipeline/core-budget.ts) to isolated stages, as `ctx.threads`.
   */
  threads?(params: NoInfer<P>, config: ConfigReader): number;
  /**
   * How many GPUs one run of this instance needs (default 0; a non-negative integer). A local run grants exactly this
   * many from its GPU budget (`run --gpus N`, default 1) before the instance starts, so on one GPU one such instance
   * runs at a time while CPU-only instances run beside it; an instance that needs more GPUs than the budget fails.
   * A cluster executor asks its scheduler for them. Handed to the stage as `ctx.gpus`; outside the cache key.
   */
  gpus?(params: NoInfer<P>, config: ConfigReader): number;
  /**
   * What one run of this instance needs from a cluster's scheduler when an executor other than the local one runs it
   * (`run --executor slurm`): CPUs (default: its `threads`, capped by the executor), GPUs (default: its `gpus`),
   * memory in MiB and a time limit in minutes (default: the executor's defaults, else the cluster's). Outside the cache key; ignored by local runs.
   */
  resources?(params: NoInfer<P>, config: ConfigReader): StageResources;
  /**
   * Files to write from outputs after a run, output name → path relative to the project root. A name ending in
   * `/*` publishes every output under that prefix: `{'files/*': 'reports/quick'}` writes output `files/a/b.svg` to
   * `reports/quick/a/b.svg`.
   */
  publish?(params: NoInfer<P>, config: ConfigReader): Record<string, string>;
  /**
   * How much work one run of this instance does, as counts of named operations (`{'fashion.grad.full': 400}`); the
   * project's `measureCosts` gives the milliseconds per unit of each, and `run --dry-run` multiplies and sums
   * (see `estimate.ts`). Omitted: the dry-run shows no estimate for the instance. `{}`: negligible.
   */
  cost?(params: NoInfer<P>, config: ConfigReader): Record<string, number>;
  /** One line on how far to trust `cost` (an upper bound, a fitted model…), printed under the dry-run's total. */
  readonly costNote?: string;
  /** Computes the outputs from the inputs; must be deterministic given config, seed and inputs. */
  run(ctx: StageContext<P>, inputs: InputsOf<D>): Promise<ProducedOutputs<O>>;
}

/**
 * The GPUs `stage` declares for the instance `instance` (its `gpus`, default 0). Throws, naming the instance, unless
 * that is a non-negative integer.
 */
export function declaredGpus<P extends Params>(stage: StageSpec<P>, instance: string, params: P, config: ConfigReader): number {
  const n = stage.gpus?.(params, config) ?? 0;
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
    throw new Error(`${instance}: gpus() must return a non-negative integer (the GPUs one run needs), got ${typeof n === 'number' ? n : JSON.stringify(n)}`);
  }
  return n;
}

/** Any stage, whatever its parameter type. */
// biome-ignore lint/suspicious/noExplicitAny: a list of stages of every parameter and output type (StageSpec is invariant in them)
export type AnyStage = StageSpec<any, any, Record<string, DepRef>>;

/**
 * Declares a stage with its types checked: the parameters `P` (inferred from `instances`, or given), the outputs and
 * the inputs from `outputs` and `deps`.
 */
export function defineStage<P extends Params = Params, const O extends OutputDecls = OutputDecls, D extends Record<string, DepRef> = Record<string, DepRef>>(
  spec: StageSpec<P, O, D>,
): StageSpec<P, O, D> {
  return spec;
}

/** The canonical id of a stage instance: `id` alone, or `id[k=v,…]` with parameter names sorted. */
export function instanceId(stage: string, params: Params = {}): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return stage;
  return `${stage}[${keys.map((k) => `${k}=${String(params[k])}`).join(',')}]`;
}
