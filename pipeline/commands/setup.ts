/**
 * The setup every command shares, in the order that decides which mistake is reported first: the project is loaded
 * and the config resolved, the plan built, `--jobs` / `--gpus` / `--keep` / `--executor` checked, the remote opened (a
 * bad one refused before the local cache, so that a mistake creates nothing), the local cache found and opened. Each
 * step asks the command (command.ts) what it needs.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheError } from '../../cache/errors.ts';
import { FILE_HASHES, FileHashCache } from '../../cache/file-hashes.ts';
import type { CacheRemote } from '../../cache/remote.ts';
import { CacheStore } from '../../cache/store.ts';
import { FileError, UsageError } from '../errors.ts';
import { findExecutor } from '../executors/cli-options.ts';
import type { ExecutorPlugin } from '../executors/plugin.ts';
import { DEFAULT_MAX_INSTANCES, parseMaxInstances } from '../plan-limits.ts';
import { loadProject, projectPlan, resolveConfig } from '../project.ts';
import { keepOption, openTrustedRemote, trustSettings } from '../trust-options.ts';
import type { CliContext, Command, CommandContext, ResolvedRun, SetupContext } from './command.ts';
import type { CommandLine } from './options.ts';

const DEFAULT_PROJECT = fileURLToPath(new URL('../../pipeline.config.ts', import.meta.url));

/** GPUs a local run may use unless `--gpus` says otherwise. */
const DEFAULT_GPUS = 1;

/** The remote's location: `--remote`, else `$SGD_NOISE_REMOTE` (an empty one is none). */
export function remoteLocation(values: { remote?: string }): string | undefined {
  return values.remote ?? (process.env.SGD_NOISE_REMOTE || undefined);
}

/** Loads the project and resolves the config (profile, overrides, sweeps) of a command line. */
export async function resolveRun(cl: CommandLine, cli: CliContext): Promise<ResolvedRun> {
  const { values } = cl;
  const projectModule = path.resolve(values.project ?? DEFAULT_PROJECT);
  const project = await loadProject(projectModule);
  const sweeps = values.sweep ?? [];
  const maxInstances = values['max-instances'] === undefined ? DEFAULT_MAX_INSTANCES : parseMaxInstances(values['max-instances']);
  const resolved = resolveConfig(project, values.profile, cl.overrides, sweeps, { maxInstances });
  const cacheDir = path.resolve(values.cache ?? process.env.SGD_NOISE_CACHE ?? path.join(project.root, '.sgd-noise-cache'));
  const trust = trustSettings(values, project.root, project.allowedSigners);
  const publishRoot = path.resolve(values['publish-dir'] ?? project.root);
  cli.cacheFile = path.join(cacheDir, 'cache.mdb');
  return { ...cl, cli, project, projectModule, sweeps, maxInstances, resolved, cacheDir, trust, publishRoot };
}

/**
 * The rest of the setup for `command` (undefined: an unknown command, refused once the plan is built): plan, checked
 * options, remote, executor and cache; or the exit code of a command that ended before the cache was opened.
 */
export async function setUp(
  run: ResolvedRun,
  command: Command | undefined,
  executors: readonly ExecutorPlugin[],
  unknown: () => Error,
): Promise<CommandContext | number> {
  const { values, project, resolved, cacheDir, cli } = run;
  // Declared input files are hashed through a stat cache kept beside the LMDB file: unchanged files are not re-read.
  const fileHashes = FileHashCache.load(path.join(cacheDir, FILE_HASHES));
  const planFor = (r: typeof resolved) => projectPlan(project, r, { hashFile: fileHashes.hash });
  const plan = planFor(resolved);
  if (resolved.points.length >= 2 && ![...plan.nodes.values()].some((n) => n.point)) {
    process.stderr.write(
      `warning: no stage instance reads the swept key(s) ${Object.keys(resolved.points[0]!.point.values).join(', ')}: every point shares every instance\n`,
    );
  }
  if (!command) throw unknown();
  const jobs = values.jobs === undefined ? cpus().length : parseJobs(values.jobs);
  const gpus = values.gpus === undefined ? DEFAULT_GPUS : parseGpus(values.gpus);
  const keep = keepOption(values.keep, command.remoteSubcommand?.(run));
  // The remote is opened (and a bad one refused) before the local cache, so that a mistake creates nothing.
  const location = remoteLocation(values);
  const executor = findExecutor(executors, run.flags.executor as string | undefined);
  if (executor !== executors[0] && !command.takesExecutor) throw new UsageError('--executor is an option of run');
  if (executor !== executors[0]) {
    executor.check?.({
      config: resolved.config,
      flags: run.flags,
      remote: location === undefined ? undefined : { name: values.remote !== undefined ? '--remote' : '$SGD_NOISE_REMOTE', value: location },
      projectModule: run.projectModule,
      overrides: run.overrides,
      sweeps: run.sweeps,
    });
  }
  let remote: CacheRemote | undefined;
  const use = command.remote?.(run, executor);
  if (use) {
    if (location !== undefined) remote = await openTrustedRemote(location, run.trust, use.writes);
    else if (use.missing !== undefined) throw new UsageError(use.missing);
  }
  // Only `run` (and `cache pull`) create a cache; the others read one, and a mistyped --cache must not make an empty one.
  const cacheUse = command.cache(run);
  const out = (text: string) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const setup: SetupContext = {
    ...run,
    fileHashes,
    planFor,
    plan,
    jobs,
    gpus,
    keep,
    remote,
    executor,
    executors,
    out,
    json: (value) => out(JSON.stringify(value, null, 2)),
  };
  if (cacheUse === 'read' && !existsSync(cli.cacheFile!)) {
    const dirExists = existsSync(cacheDir);
    if (command.withoutCache) return command.withoutCache(setup, dirExists ? 'the directory holds no cache.mdb' : 'the directory does not exist');
    const why = dirExists ? `${cacheDir} holds no cache.mdb` : `${cacheDir} does not exist`;
    throw new UsageError(`no cache at ${cacheDir} (${why}); only \`sgd-noise run\` creates one. Pass an existing cache with --cache DIR or $SGD_NOISE_CACHE`);
  }
  const ended = await command.beforeOpen?.(setup);
  if (ended !== undefined) return ended;
  let cache!: CacheStore;
  try {
    if (cacheUse !== 'none') cache = CacheStore.open(cacheDir);
  } catch (err) {
    if (err instanceof CacheError) throw err; // a damaged cache file: its message says what and what to do
    throw new FileError((err as { path?: string }).path ?? cli.cacheFile!, err);
  }
  fileHashes.save();
  return { ...setup, cache };
}

/** `--jobs N`: a positive integer, else a usage error naming the option and what it got. */
function parseJobs(text: string): number {
  const jobs = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs: expected a positive integer (the most stage instances to run at once), received '${text}'`);
  }
  return jobs;
}

/** `--gpus N`: a non-negative integer (0: this machine has none), else a usage error naming the option. */
function parseGpus(text: string): number {
  const gpus = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(gpus)) {
    throw new UsageError(`--gpus: expected a non-negative integer (the GPUs local runs may use), received '${text}'`);
  }
  return gpus;
}
