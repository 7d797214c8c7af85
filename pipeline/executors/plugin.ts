/**
 * What an executor plugin is: a name, the options it declares, and how it makes an {@link Executor} for a run (and,
 * when it keeps jobs, how `status` reads them). The CLI builds the `--executor` flag, the plugins' flags, their usage
 * text and their checks from these declarations (cli-options.ts), so it names no executor itself; a batch scheduler
 * (Slurm, PBS, a job queue) is a plugin whose `create` returns a {@link BatchExecutor} over its scheduler.
 *
 * ```ts
 * export const queuePlugin: ExecutorPlugin = {
 *   name: 'queue', summary: 'a local job queue (needs --remote)', needsRemote: true,
 *   options: [{ name: 'queue-workers', type: 'string', arg: 'N', help: 'jobs at once', parse: (t, f) => positiveInteger(f, t, 'jobs') }],
 *   create: (ctx) => new BatchExecutor('queue', queueScheduler(ctx.options['queue-workers'] as number), { ... }),
 * };
 * ```
 */
import type { CacheRemote } from '../../cache/remote.ts';
import type { CacheStore } from '../../cache/store.ts';
import type { Executor } from '../executor.ts';

/** One option of a plugin: a flag of `run`, a piece of its usage text, and how its value is checked. */
export interface PluginOption {
  /** The flag without its dashes: `slurm-option`, `max-jobs`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** Repeatable (`--slurm-option=A --slurm-option=B`); its value is then a list. */
  readonly multiple?: boolean;
  /** The value's placeholder in the usage text: `N`, `DIR`, `gpus|gres`. */
  readonly arg?: string;
  /** What it does, in the usage text after the flag; a `\n` breaks the usage line there. */
  readonly help: string;
  /** Its piece of usage text starts a new line. */
  readonly newLine?: boolean;
  /** The value when the flag is absent (else undefined). */
  readonly default?: unknown;
  /** Checks the flag's text and converts it, throwing a UsageError that names `flag` (`--max-jobs`). */
  readonly parse?: (text: string, flag: string) => unknown;
  /** Belongs to `run --detach` (the coordinator job itself): not passed on to the coordinator's own `run`. */
  readonly detachOnly?: boolean;
}

/** What a plugin's checks see before anything is opened: the run's values that its jobs would get. */
export interface ExecutorCheck {
  /** The resolved config. */
  readonly config: Record<string, unknown>;
  /** The plugin's flags as typed (strings, lists of strings, or undefined). */
  readonly flags: Readonly<Record<string, unknown>>;
  /** The remote's location and where it came from (`--remote`, `$SGD_NOISE_REMOTE`); undefined without one. */
  readonly remote: { name: string; value: string } | undefined;
  /** The project module's absolute path. */
  readonly projectModule: string;
  /** The `key=value` overrides and `--sweep` texts, as the jobs would get them. */
  readonly overrides: readonly string[];
  readonly sweeps: readonly string[];
}

/** What a plugin's `create` gets: the run's cache, remote and plan arguments, and its options checked. */
export interface ExecutorContext {
  /** The local cache and its directory (a jobs file lies there). */
  readonly cache: CacheStore;
  readonly cacheDir: string;
  /** The opened remote (present whenever the plugin `needsRemote`). */
  readonly remote: CacheRemote | undefined;
  readonly config: Record<string, unknown>;
  readonly projectModule: string;
  /** The command a job runs before `exec …`: `[node, …/bin/sgd-noise.js]`. */
  readonly command: readonly string[];
  /** Arguments every job's `exec` gets to rebuild the same plan: `--project P --profile X override…`. */
  readonly planArgs: readonly string[];
  /** The plugin's options, checked and converted, with their defaults. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** What `status` shows of a plugin's jobs: `json` under the plugin's name, `lines` after the instances. */
export interface ExecutorJobsStatus {
  readonly json: unknown;
  readonly lines: readonly string[];
}

/** What a plugin's `detach` gets: the run to submit as a job of its own, which then coordinates the others. */
export interface DetachContext {
  readonly cacheDir: string;
  readonly remote: CacheRemote | undefined;
  readonly config: Record<string, unknown>;
  /** The coordinator's command: `[node, …/bin/sgd-noise.js, 'run', …]`, the same run without `--detach`. */
  readonly argv: readonly string[];
  /** Its working directory (relative paths of the command line are relative to it). */
  readonly workdir: string;
  /** The plugin's options, checked and converted, with their defaults. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Command lines (shell-quoted) to follow the run and to stop it. */
  readonly follow: { readonly status: string; readonly cancel: string };
}

/** What a command of a plugin prints: `json` for `--json`, else `lines`; `ok` false makes the exit code 1. */
export interface ExecutorReport {
  readonly json: unknown;
  readonly lines: readonly string[];
  readonly ok: boolean;
}

/** An executor plugin; see the module comment. */
export interface ExecutorPlugin {
  /** `--executor NAME`, and the key of its jobs in `status --json`. */
  readonly name: string;
  /** One phrase for the usage text: `one sbatch job each (needs --remote)`. */
  readonly summary: string;
  /** Its jobs' runs in the usage of `status` (`Slurm`: "the running or last Slurm run"). */
  readonly label?: string;
  readonly options: readonly PluginOption[];
  /** Whether its jobs need the cache remote (they read their inputs from it and write their outputs to it). */
  readonly needsRemote?: boolean;
  /** Throws a UsageError naming the value where something its jobs would get cannot reach them as it is. */
  check?(run: ExecutorCheck): void;
  /** The executor of one run. */
  create(ctx: ExecutorContext): Executor | Promise<Executor>;
  /** The jobs of the running or last run on this cache, for `status`; undefined when it has none. */
  status?(cacheDir: string): Promise<ExecutorJobsStatus | undefined>;
  /**
   * `run --detach`: submits the run's coordinator as a job of its own and returns at once, saying how to follow it.
   * Refuses (throws a UsageError) while a coordinator of this cache is queued or running.
   */
  detach?(ctx: DetachContext): Promise<ExecutorReport>;
  /**
   * `sgd-noise cancel`: cancels the coordinator of this cache's run and every job it submitted, waiting until the
   * scheduler shows none of them; undefined when no run of this plugin is recorded in the cache directory.
   */
  cancel?(cacheDir: string): Promise<ExecutorReport | undefined>;
}

/** The plugin's options from the parsed flags: each checked by its `parse`, else its `default`. */
export function readOptions(plugin: ExecutorPlugin, flags: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const o of plugin.options) {
    const value = flags[o.name];
    options[o.name] = value === undefined ? o.default : o.parse && typeof value === 'string' ? o.parse(value, `--${o.name}`) : value;
  }
  return options;
}
