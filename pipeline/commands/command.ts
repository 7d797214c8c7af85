/**
 * What a command of `sgd-noise` is (commands/table.ts lists them): `run(ctx)` over the shared setup (setup.ts), plus
 * what it declares so the setup opens only what it needs: its remote, its local cache, and hooks at the points where
 * a command leaves the shared path early (`cache keygen` before the project loads, `exec` before the plan is built,
 * `cache verify` before the cache is opened).
 */
import type { CacheRemote } from '../../cache/remote.ts';
import type { FileHashCache } from '../../cache/file-hashes.ts';
import type { CacheStore } from '../../cache/store.ts';
import { UsageError } from '../errors.ts';
import type { ExecutorPlugin } from '../executors/plugin.ts';
import type { Plan } from '../plan.ts';
import type { Project, ResolvedConfig } from '../project.ts';
import type { TrustSettings } from '../trust-options.ts';
import type { CommandLine } from './options.ts';

/** What `main` had worked out when it failed, for the error message (the cache file names LMDB's errors). */
export interface CliContext {
  cacheFile?: string;
}

/** The command line with its project loaded and its config resolved. */
export interface ResolvedRun extends CommandLine {
  readonly cli: CliContext;
  readonly project: Project;
  readonly projectModule: string;
  readonly sweeps: readonly string[];
  readonly maxInstances: number;
  readonly resolved: ResolvedConfig;
  readonly cacheDir: string;
  readonly trust: TrustSettings;
  readonly publishRoot: string;
}

/** A resolved run with its plan, its remote and executor checked and opened. */
export interface SetupContext extends ResolvedRun {
  readonly fileHashes: FileHashCache;
  /** The plan of another resolved config (gc --all-profiles), input files hashed through the same cache. */
  readonly planFor: (r: ResolvedConfig) => Plan;
  readonly plan: Plan;
  /** `--jobs` (default: every core) and `--gpus` (default 1), checked. */
  readonly jobs: number;
  readonly gpus: number;
  /** `--keep local|remote`, checked against the subcommand. */
  readonly keep: 'local' | 'remote' | undefined;
  readonly remote: CacheRemote | undefined;
  /** The plugin `--executor` names (default: the first), and every plugin known. */
  readonly executor: ExecutorPlugin;
  readonly executors: readonly ExecutorPlugin[];
  /** Prints a line (a newline added unless there) or pretty JSON on stdout. */
  readonly out: (text: string) => void;
  readonly json: (value: unknown) => void;
}

/** Everything a command runs with: the setup and the local cache (not opened for a command whose `cache` is none). */
export interface CommandContext extends SetupContext {
  readonly cache: CacheStore;
}

/** What the command does with the remote: opened (writing or not); `missing` is the error when none is given. */
export interface RemoteUse {
  readonly writes: boolean;
  readonly missing?: string;
}

/** One command; see the module comment. */
export interface Command {
  /** Before the project is loaded; a number ends the command there with that exit code. */
  readonly early?: (cl: CommandLine) => number | undefined;
  /** Instead of everything after the config is resolved (a cluster job's `exec`, which has a cache of its own). */
  readonly direct?: (run: ResolvedRun) => Promise<number>;
  /**
   * Whether its arguments are all its own (run references such as `fashion.dynamics.lr=0.05`), none of them a
   * `key=value` override of the configuration (`diff`).
   */
  readonly ownArguments?: boolean;
  /** Whether it takes `--executor` (the other commands refuse a non-default one). */
  readonly takesExecutor?: boolean;
  /** Whether it takes `--compare` (the other commands refuse it). */
  readonly takesCompare?: boolean;
  /** The push/pull/status subcommand that `--keep` belongs to, if any. */
  readonly remoteSubcommand?: (cl: CommandLine) => string | undefined;
  /** The remote it opens (none: it opens none). */
  readonly remote?: (cl: CommandLine, executor: ExecutorPlugin) => RemoteUse | undefined;
  /** none: it needs no cache; read: one must exist; create: it makes one if missing. */
  readonly cache: (cl: CommandLine) => 'none' | 'read' | 'create';
  /**
   * Instead of the "no cache" usage error when a command that reads the cache finds none (`status` in a fresh
   * checkout: nothing has run yet); `missing` says which of the directory or its cache.mdb is absent. Creates nothing.
   */
  readonly withoutCache?: (ctx: SetupContext, missing: string) => Promise<number>;
  /** After the cache was found to exist and before it is opened; a number ends the command there. */
  readonly beforeOpen?: (ctx: SetupContext) => Promise<number | undefined>;
  readonly run: (ctx: CommandContext) => Promise<number>;
}

/** A command that takes no targets, only `key=value` overrides. */
export function noTargets(command: string, targets: readonly string[]): void {
  if (targets.length > 0) throw new UsageError(`${command} takes no arguments besides key=value overrides; got ${targets.join(' ')}`);
}
