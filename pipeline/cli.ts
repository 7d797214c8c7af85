/**
 * The `sgd-noise` command line: run, status, dag, ls, show, export, gc. Inspection commands take `--json` and then
 * print only JSON on stdout; progress and messages go to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CacheError, RemoteConfigError } from '../cache/errors.ts';
import { unwrapCommitFailure } from '../cache/lmdb-errors.ts';
import type { CacheRemote } from '../cache/remote.ts';
import { FILE_HASHES, FileHashCache } from '../cache/file-hashes.ts';
import type { Manifest } from '../cache/manifest.ts';
import { CacheStore, CorruptEntryError } from '../cache/store.ts';
import { ConfigError } from './config.ts';
import { FileError, UsageError, describeError, muteLibraryErrorLogs } from './errors.ts';
import { exportCsv, exportJson, describeEntry, formatEntry, resolveTarget } from './inspect.ts';
import { CHILD_START_OP, measureChildStartMs } from './child-cost.ts';
import { estimatePlan, estimateSummary, formatEstimate, neededOperations, operationCounts, type DryRunAction, type MeasuredOn, type PlanEstimate } from './estimate.ts';
import { PlanError, selectInstances, matchInstances, type Plan, type PlanNode } from './plan.ts';
import { CacheSubcommandError, REMOTE_SUBCOMMANDS, runCacheCommand, runRemoteCommand } from './cache-commands.ts';
import { createProgressDisplay, failureLine, formatDuration, summaryLine } from './progress.ts';
import { loadProject, projectPlan, resolveConfig, type Project } from './project.ts';
import { measuredPriorities } from './priorities.ts';
import { DEFAULT_MAX_INSTANCES, PLAN_COST_PER_INSTANCE, parseMaxInstances } from './plan-limits.ts';
import { runToCompletion } from './runner.ts';
import { execInstance } from './exec-command.ts';
import { TRUST_OPTIONS, keepOption, openTrustedRemote, runKeygen, trustArgs, trustSettings } from './trust-options.ts';
import type { Executor } from './executor.ts';
import { GPU_REQUESTS, GPU_TYPE, SlurmClient, type GpuRequest } from './slurm/client.ts';
import { SLURM_DEFAULTS, SlurmExecutor, readJobsFile, type JobsFile } from './slurm/executor.ts';
import { slurmRunProblem } from './slurm/safe-values.ts';
import { planStatus } from './status.ts';
import { pointLabel } from './sweep.ts';
import type { Json } from '../cache/values.ts';

const DEFAULT_PROJECT = fileURLToPath(new URL('../pipeline.config.ts', import.meta.url));
/** The `sgd-noise` entry point, which cluster jobs run. */
const BIN = fileURLToPath(new URL('../bin/sgd-noise.js', import.meta.url));
/** The file, in the cache directory, where a Slurm run keeps its jobs and their states (for `status`). */
export const SLURM_JOBS_FILE = 'slurm-jobs.json';

const USAGE = `usage: sgd-noise <command> [options] [key.path=value ...]

commands:
  run      run the pipeline      [--only ID ...] [--force ID] [--dry-run] [--no-estimate] [--jobs N] [--gpus N]
           [--keep-going]
           --jobs N: cores to use (default: all); --gpus N: GPUs local runs may use (default 1; 0: none): a stage
           that declares gpus = g waits until g are free, CPU-only stages run beside it, one needing more than N
           fails; --dry-run: what would run, with estimated CPU times;
           --no-estimate: measure no operation costs (the dry-run shows no times; a run orders stages by number of
           dependents instead of by critical path)
           [--executor local|slurm]: where isolated stages run (default local: child processes here);
           slurm: one sbatch job each (needs --remote), with [--slurm-option=OPT ...] (#SBATCH defaults, e.g.
           --slurm-option=--partition=P), [--max-jobs N] (jobs in flight, default ${SLURM_DEFAULTS.maxJobs}), [--retries N] (default ${SLURM_DEFAULTS.retries}),
           [--slurm-log-dir DIR] (shared; default REMOTE/slurm-logs), [--slurm-node-cache DIR] (default the node's $TMPDIR),
           [--slurm-max-cpus N] (cap on a stage's threads as --cpus-per-task, default ${SLURM_DEFAULTS.maxCpus} or the
           largest node's CPUs if fewer, from sinfo), [--slurm-gpu-request gpus|gres|gpus-per-task] (how a stage's
           GPUs are asked for: --gpus=N, the default, --gres=gpu:N or --ntasks=1 --gpus-per-task=N),
           [--slurm-gpu-type T] (a GPU type: --gpus=T:N, --gres=gpu:T:N)
  exec     <instance> --key K --remote R   run one instance as a cluster job does (pull inputs, run, push)
           [--node-cache DIR] [--threads N] [--gpus N]
  status   fresh or stale (and why) per stage instance; fresh entries are verified  [--quick: existence only];
           then the jobs of the running or last Slurm run on this cache and their states
  dag      the stage graph        [--mermaid]
  ls       cache entries
  show     <stage|instance|key>   metadata, config slice, inputs, output summaries  [--output NAME [--format csv]]
  report   render the report from cached outputs only and print its path   [--open]
  export   <stage|instance|key>   [--output NAME] [--out FILE] [--format json|csv]
  gc       drop entries the current config does not reach, then compact  [--all-profiles] [--dry-run]
           (needs the cache alone: refuses while another sgd-noise process uses it)
  cache verify    check every blob and manifest; exit 1 if anything is bad
  cache recover   copy every entry that verifies into a fresh file and swap it in, keeping the old one aside
                  [--out DIR: write the fresh cache there instead]
  cache push [targets…]    upload to the remote the entries it lacks (targets: instances or stages, with their
                           ancestors; none = the whole plan of the profile)
  cache pull [targets…]    download from the remote the entries the local cache lacks (creates the local cache)
  cache status [targets…]  what each side lacks, any corrupt or refused entry, and entries both sides hold with
                           different results (which outputs, where and when each was computed); exit 1 if any
           push/pull [--keep local|remote]: where both sides hold an entry with different results, push --keep local
           replaces the remote's, pull --keep remote the local one (without --keep both are kept and reported)
  cache keygen [--out FILE]  make an ed25519 key pair for signing (default ~/.config/sgd-noise/signing-key, mode
                           0600; never overwrites) and print the line for the allowed signers file

options:
  --profile P      config profile (default: the project's default)
  --cache DIR      cache directory (default: $SGD_NOISE_CACHE or .sgd-noise-cache in the project root)
  --project FILE   project module (default: pipeline.config.ts)
  --publish-dir DIR  where run and report write published files (reports/…; their paths are relative to it;
                   default: the project root)
  --remote R       cache remote: a directory or file:// URL every machine mounts (default: $SGD_NOISE_REMOTE);
                   \`run\` then pulls entries missing locally from it and pushes every entry it computes
  --signing-key FILE     sign every manifest written to the remote (default: $SGD_NOISE_SIGNING_KEY; none: unsigned)
  --allowed-signers FILE refuse remote entries not signed by a key listed there, one 'NAME ssh-ed25519 KEY' a line
                   (default: $SGD_NOISE_ALLOWED_SIGNERS, else the project's allowedSigners; none: not required).
                   Keep it in the git repository or your home, never in the remote (docs/remote.md: who can forge what)
  --json           machine-readable output on stdout (inspection commands and run)
  --debug          print stack traces with errors
  --sweep K=V1,V2  run (and resolve for status, dag, ls, show, export, gc, cache) one plan per value of config key K
                   (values parsed as overrides: JSON, else a string; commas always separate values); several --sweep
                   give their product. Instances that read a swept key (or lie below one) get one id per point,
                   ID@K=V[,K2=V2]; the rest are shared. With 2+ points and a project sweepSummary, the instance
                   sweep.summary holds one row per point (export sweep.summary --output rows --format csv)
  --max-instances N  the most stage instances to plan (default ${DEFAULT_MAX_INSTANCES}); a sweep counts its points ×
                   the instances per point and is refused before planning when over it (planning takes about
                   ${PLAN_COST_PER_INSTANCE.ms} ms and ${PLAN_COST_PER_INSTANCE.kib} KiB per instance)
  --only/--force take ids, stage ids or globs, repeated or comma-separated.`;

/** What `main` had worked out when it failed, for the error message (the cache file names LMDB's errors). */
export interface CliContext {
  cacheFile?: string;
}

/** Exit codes: 0 success, 1 a stage failed, 2 bad usage or configuration, 128+n killed by signal n. */
export async function main(argv: string[], context: CliContext = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      cache: { type: 'string' },
      project: { type: 'string' },
      remote: { type: 'string' },
      json: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      force: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      'no-estimate': { type: 'boolean', default: false },
      jobs: { type: 'string' },
      gpus: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      mermaid: { type: 'boolean', default: false },
      output: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      'all-profiles': { type: 'boolean', default: false },
      open: { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      executor: { type: 'string' },
      'slurm-option': { type: 'string', multiple: true },
      'max-jobs': { type: 'string' },
      retries: { type: 'string' },
      'slurm-log-dir': { type: 'string' },
      'slurm-node-cache': { type: 'string' },
      'slurm-max-cpus': { type: 'string' },
      'slurm-gpu-request': { type: 'string' },
      'slurm-gpu-type': { type: 'string' },
      key: { type: 'string' },
      'node-cache': { type: 'string' },
      'publish-dir': { type: 'string' },
      threads: { type: 'string' },
      sweep: { type: 'string', multiple: true },
      ...TRUST_OPTIONS,
      'max-instances': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  let [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  if (command === 'cache' && rest[0] === 'keygen') return runKeygen(values.out, (text) => process.stdout.write(`${text}\n`));
  // key.path=value is an override; anything else (including instance ids such as dyn[kind=sgd,seed=0]) a target.
  const isOverride = (p: string) => /^[A-Za-z_][\w-]*(\.[\w-]+)*=/.test(p);
  const overrides = rest.filter(isOverride);
  const targets = rest.filter((p) => !isOverride(p));
  const projectModule = path.resolve(values.project ?? DEFAULT_PROJECT);
  const project = await loadProject(projectModule);
  const sweeps = values.sweep ?? [];
  const maxInstances = values['max-instances'] === undefined ? DEFAULT_MAX_INSTANCES : parseMaxInstances(values['max-instances']);
  const resolved = resolveConfig(project, values.profile, overrides, sweeps, { maxInstances });
  const cacheDir = path.resolve(values.cache ?? process.env.SGD_NOISE_CACHE ?? path.join(project.root, '.sgd-noise-cache'));
  const trust = trustSettings(values, project.root, project.allowedSigners);
  const publishRoot = path.resolve(values['publish-dir'] ?? project.root);
  context.cacheFile = path.join(cacheDir, 'cache.mdb');
  if (command === 'exec') {
    // A cluster job: its cache is a fresh node-local directory, never the coordinator's.
    context.cacheFile = undefined;
    if (targets.length !== 1) throw new UsageError('exec takes one stage instance id (and key=value overrides)');
    if (values.key === undefined) throw new UsageError('exec needs --key K: the cache key the coordinator computed for the instance');
    const location = values.remote ?? (process.env.SGD_NOISE_REMOTE || undefined);
    if (location === undefined) throw new UsageError('exec needs a remote: --remote DIR or $SGD_NOISE_REMOTE');
    const remote = await openTrustedRemote(location, trust, true);
    await remote.prepareWrite();
    return execInstance({
      plan: projectPlan(project, resolved),
      instance: targets[0]!,
      key: values.key,
      remote,
      ...(values['node-cache'] !== undefined ? { nodeCacheBase: path.resolve(values['node-cache']) } : {}),
      ...(values.threads !== undefined ? { threads: positiveInteger('--threads', values.threads, 'the CPUs the job was granted') } : {}),
      ...(values.gpus !== undefined ? { gpus: nonNegativeInteger('--gpus', values.gpus) } : {}),
      run: { profile: resolved.profile, overrides },
    });
  }
  // Declared input files are hashed through a stat cache kept beside the LMDB file: unchanged files are not re-read.
  const fileHashes = FileHashCache.load(path.join(cacheDir, FILE_HASHES));
  const planFor = (r: typeof resolved) => projectPlan(project, r, { hashFile: fileHashes.hash });
  const plan = planFor(resolved);
  if (resolved.points.length >= 2 && ![...plan.nodes.values()].some((n) => n.point)) {
    process.stderr.write(`warning: no stage instance reads the swept key(s) ${Object.keys(resolved.points[0]!.point.values).join(', ')}: every point shares every instance\n`);
  }
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command '${command}'\n${USAGE}`);
  const jobs = values.jobs === undefined ? cpus().length : parseJobs(values.jobs);
  const gpus = values.gpus === undefined ? DEFAULT_GPUS : parseGpus(values.gpus);
  const cacheSub = command === 'cache' ? targets[0] : undefined;
  const remoteSub = REMOTE_SUBCOMMANDS.find((s) => s === cacheSub);
  const keep = keepOption(values.keep, remoteSub);
  // The remote is opened (and a bad one refused) before the local cache, so that a mistake creates nothing.
  const remoteLocation = values.remote ?? (process.env.SGD_NOISE_REMOTE || undefined);
  let remote: CacheRemote | undefined;
  const executorName = values.executor ?? 'local';
  if (executorName !== 'local' && executorName !== 'slurm') throw new UsageError(`--executor: expected local or slurm, received '${executorName}'`);
  if (executorName === 'slurm' && command !== 'run') throw new UsageError('--executor is an option of run');
  if (executorName === 'slurm') {
    checkSlurmValues({
      configOptions: (resolved.config.slurm as { options?: unknown[] } | undefined)?.options ?? [],
      options: values['slurm-option'] ?? [],
      logDir: values['slurm-log-dir'],
      remote: remoteLocation === undefined ? undefined : { name: values.remote !== undefined ? '--remote' : '$SGD_NOISE_REMOTE', value: remoteLocation },
      nodeCache: values['slurm-node-cache'],
      project: projectModule,
      args: [...overrides.map((value) => ({ name: 'override', value })), ...sweeps.map((value) => ({ name: '--sweep', value }))],
    });
  }
  if (remoteSub || (command === 'run' && !values['dry-run'])) {
    if (remoteLocation !== undefined) remote = await openTrustedRemote(remoteLocation, trust, remoteSub === 'push' || command === 'run');
    else if (remoteSub) throw new UsageError(`cache ${remoteSub} needs a remote: --remote DIR (a directory or file:// URL every machine mounts) or $SGD_NOISE_REMOTE`);
    else if (executorName === 'slurm') {
      throw new UsageError('run --executor slurm needs a remote, which the jobs read their inputs from and write their outputs to: --remote DIR (on a filesystem every node mounts) or $SGD_NOISE_REMOTE');
    }
  }
  // Only `run` (and `cache pull`) create a cache; the others read one, and a mistyped --cache must not make an empty one.
  if (command !== 'run' && command !== 'dag' && remoteSub !== 'pull' && !existsSync(context.cacheFile)) {
    const why = existsSync(cacheDir) ? `${cacheDir} holds no cache.mdb` : `${cacheDir} does not exist`;
    throw new UsageError(`no cache at ${cacheDir} (${why}); only \`sgd-noise run\` creates one. Pass an existing cache with --cache DIR or $SGD_NOISE_CACHE`);
  }
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  // The cache subcommands read a possibly damaged file in child processes only: this process never opens it.
  if (command === 'cache' && !remoteSub) {
    if (targets.length !== 1) throw new CacheSubcommandError(targets[0]);
    return runCacheCommand(targets[0]!, cacheDir, { json: values.json, out: values.out, write: out });
  }
  let cache!: CacheStore;
  try {
    if (command !== 'dag') cache = CacheStore.open(cacheDir);
  } catch (err) {
    if (err instanceof CacheError) throw err; // a damaged cache file: its message says what and what to do
    throw new FileError((err as { path?: string }).path ?? context.cacheFile, err);
  }
  fileHashes.save();
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));
  // Comma-separated lists, except commas inside [...] (instance ids: stage[kind=sgd,seed=0]) and inside a sweep
  // point's label (left@a=1,b=2: a piece that looks like key=value after an `@` id continues that id).
  const list = (xs: string[] | undefined) =>
    (xs ?? []).flatMap((x) => x.split(/,(?![^[]*\])/).reduce<string[]>((acc, piece) => {
      if (acc.length > 0 && acc.at(-1)!.includes('@') && /^[A-Za-z_][\w-]*(\.[\w-]+)*=/.test(piece)) acc[acc.length - 1] += `,${piece}`;
      else acc.push(piece);
      return acc;
    }, [])).filter(Boolean);

  switch (command) {
    case 'run': {
      // `run --only a b` parses as --only a plus a bare b: bare words are patterns too.
      const selected = selectInstances(plan, [...list(values.only), ...targets]);
      const force = new Set(list(values.force).flatMap((p) => {
        const m = matchInstances(plan, p);
        if (m.length === 0) throw new PlanError(`--force '${p}' matches no stage instance`);
        return m;
      }));
      if (values['dry-run']) {
        const status = planStatus(plan, cache, resolved.profile).filter((s) => selected.has(s.instance));
        const rows = status.map((s) => ({ ...s, action: (force.has(s.instance) ? 'run (forced)' : s.state === 'fresh' ? 'cached' : 'run') as DryRunAction }));
        const reasons = (r: { reasons: string[] }) => (r.reasons.length ? `  (${r.reasons.join('; ')})` : '');
        if (values['no-estimate']) {
          if (values.json) json({ profile: resolved.profile, instances: rows });
          else for (const r of rows) out(`${r.action.padEnd(12)} ${r.instance}${reasons(r)}`);
          return 0;
        }
        const estimate = await dryRunEstimate(project, plan, rows, resolved.config, jobs, projectModule);
        if (values.json) {
          const { rows: estimated, ...totals } = estimate;
          json({ profile: resolved.profile, instances: rows.map((r, i) => ({ ...r, ...estimated[i]! })), estimate: totals });
        } else {
          const width = Math.max(0, ...rows.map((r) => r.instance.length));
          rows.forEach((r, i) => {
            const e = estimate.rows[i]!;
            const est = e.estimatedMs === null ? '–' : r.action === 'cached' ? '0' : formatEstimate(e.estimatedMs);
            out(`${r.action.padEnd(12)} ${r.instance.padEnd(width)}  est ${est.padStart(7)}${reasons(r)}`);
          });
          for (const line of estimateSummary(estimate)) out(line);
        }
        return 0;
      }
      const controller = new AbortController();
      let signalExit = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        if (signalExit) leaveNow(sig); // second signal: leave now
        signalExit = sig === 'SIGINT' ? 130 : 143;
        process.stderr.write(`\n${sig}: cancelling, stopping running stages...\n`);
        controller.abort(new Error(`cancelled by ${sig}`));
      };
      // An unwritable remote is refused before anything runs (every computed entry would fail to be pushed).
      await remote?.prepareWrite();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let executor: Executor | undefined;
      if (executorName === 'slurm') {
        const pollMs = process.env.SGD_NOISE_SLURM_POLL_MS ? positiveInteger('$SGD_NOISE_SLURM_POLL_MS', process.env.SGD_NOISE_SLURM_POLL_MS, 'milliseconds between job state polls') : undefined;
        const client = new SlurmClient();
        // Defaults from the config's optional `slurm` section (a project may declare it; see pipeline.config.ts).
        const slurmConfig = (resolved.config.slurm ?? {}) as { memMB?: number; timeMin?: number; options?: string[]; gpuRequest?: string; gpuType?: string };
        // Without --slurm-max-cpus, no job asks for more CPUs than the largest node (of the partition) has: Slurm
        // would keep such a job pending for ever.
        const partition = [...(slurmConfig.options ?? []), ...(values['slurm-option'] ?? [])].map((o) => /^(?:--partition=|-p)(.+)$/.exec(o)?.[1]).filter(Boolean).pop(); // the last one wins, as in sbatch
        const largest = values['slurm-max-cpus'] === undefined ? await client.largestNodeCpus(partition) : undefined;
        const maxCpus = values['slurm-max-cpus'] !== undefined
          ? positiveInteger('--slurm-max-cpus', values['slurm-max-cpus'], 'the most CPUs a job asks for by default')
          : Math.min(SLURM_DEFAULTS.maxCpus, largest ?? SLURM_DEFAULTS.maxCpus);
        executor = new SlurmExecutor({
          client,
          cache,
          remote: remote!,
          remoteLocation: remote!.location,
          logDir: path.resolve(values['slurm-log-dir'] ?? path.join(remote!.location, 'slurm-logs')),
          command: [process.execPath, BIN],
          planArgs: [
            ...['--project', projectModule, '--profile', resolved.profile, ...overrides, ...sweeps.flatMap((s) => ['--sweep', s])],
            ...(values['max-instances'] !== undefined ? ['--max-instances', String(maxInstances)] : []),
            ...trustArgs(trust),
          ],
          ...(values['slurm-node-cache'] !== undefined ? { nodeCache: values['slurm-node-cache'] } : {}),
          sbatchDefaults: [...(slurmConfig.options ?? []), ...(values['slurm-option'] ?? [])],
          resourceDefaults: { ...(slurmConfig.memMB !== undefined ? { memMB: slurmConfig.memMB } : {}), ...(slurmConfig.timeMin !== undefined ? { timeMin: slurmConfig.timeMin } : {}) },
          workdir: process.cwd(),
          maxJobs: values['max-jobs'] === undefined ? SLURM_DEFAULTS.maxJobs : positiveInteger('--max-jobs', values['max-jobs'], 'the most Slurm jobs in flight'),
          retries: values.retries === undefined ? SLURM_DEFAULTS.retries : nonNegativeInteger('--retries', values.retries),
          ...(pollMs !== undefined ? { pollMs } : {}),
          maxCpus,
          ...slurmGpuOptions(values['slurm-gpu-request'] ?? slurmConfig.gpuRequest, values['slurm-gpu-type'] ?? slurmConfig.gpuType),
          jobsFile: path.join(cacheDir, SLURM_JOBS_FILE),
        });
      }
      const display = createProgressDisplay(process.stderr);
      // Critical-path priorities from the cost models, measured in a child while the first stages run.
      // Only when something is to be computed; the measuring child runs at the lowest CPU priority and is stopped when
      // the run ends (and waited for: it inherits the open cache file), so a warm rerun neither waits for it nor pays.
      let ranks: Map<string, number> | null = null;
      const measuring = new AbortController();
      const anyToRun = [...selected].some((id) => force.has(id) || !cache.has(plan.nodes.get(id)!.key));
      // With --executor slurm the heavy stages bypass the local core budget these ranks order, and measuring would
      // load the login node with the stages' operations: not measured.
      const measured = project.measureCosts && !values['no-estimate'] && anyToRun && executorName === 'local'
        ? measuredPriorities(plan, resolved.config, projectModule, measuring.signal).then((r) => void (ranks = r))
        : Promise.resolve();
      const summary = await runToCompletion(
        {
          plan,
          cache,
          scope: resolved.profile,
          config: resolved.config,
          selected,
          force,
          jobs,
          gpus,
          keepGoing: values['keep-going'],
          signal: controller.signal,
          projectModule,
          publishRoot,
          overrides,
          remote,
          executor,
          priority: (id) => ranks?.get(id),
        },
        (e) => display.handle(e),
      );
      measuring.abort();
      await measured;
      display.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (values.json) json({ ...summary, inputFiles: fileHashes.counts });
      else if (process.stderr.isTTY) process.stderr.write(`${summaryLine(summary)}\n`);
      if (signalExit) return signalExit;
      return summary.ok ? 0 : 1;
    }
    case 'status': {
      noTargets(command, targets);
      const verified = !values.quick;
      const status = planStatus(plan, cache, resolved.profile, { verify: verified });
      const slurm = await slurmJobsStatus(path.join(cacheDir, SLURM_JOBS_FILE));
      if (values.json) json({ profile: resolved.profile, verified, instances: status, ...(slurm ? { slurm } : {}) });
      else {
        for (const s of status) out(`${s.state === 'fresh' ? 'fresh' : 'STALE'}  ${s.instance}${s.reasons.length ? `\n       ${s.reasons.join('\n       ')}` : ''}`);
        const stale = status.filter((s) => s.state === 'stale').length;
        const how = verified
          ? 'fresh = verified: the manifest proves its key and every blob matches its hash'
          : 'fresh = present, NOT verified (--quick): blobs were not hashed';
        out(`${status.length - stale} fresh, ${stale} stale (profile ${resolved.profile}; ${how})`);
        if (slurm) for (const line of formatSlurmJobs(slurm)) out(line);
      }
      return 0;
    }
    case 'dag':
      noTargets(command, targets);
      if (values.json) json(dagJson(plan));
      else out(values.mermaid ? dagMermaid(plan) : dagText(plan));
      return 0;
    case 'ls': {
      noTargets(command, targets);
      // A current entry is named by its instance in this plan (with its sweep point), else by its manifest.
      const current = new Map<string, PlanNode>();
      for (const id of plan.order) if (!current.has(plan.nodes.get(id)!.key)) current.set(plan.nodes.get(id)!.key, plan.nodes.get(id)!);
      const rows = [...cache.entries()].map(({ key, manifest, error }) => ({
        key,
        instance: manifest ? (current.get(key)?.instance ?? manifest.instance) : null,
        ...(current.get(key)?.point ? { point: current.get(key)!.point!.values } : {}),
        createdAt: manifest?.createdAt ?? null,
        durationMs: manifest?.durationMs ?? null,
        bytes: manifest ? Object.values(manifest.outputs).reduce((a, o) => a + o.bytes, 0) : null,
        current: current.has(key),
        error: error ?? null,
      }));
      if (values.json) json(rows);
      else {
        for (const r of rows) {
          out(`${r.current ? '*' : ' '} ${r.key.slice(0, 12)}  ${(r.instance ?? `CORRUPT: ${r.error}`).padEnd(40)} ${r.bytes ?? '-'} B  ${r.durationMs === null ? '' : formatDuration(r.durationMs)}  ${r.createdAt ?? ''}`);
        }
        out(`${rows.length} entries (* = reachable from profile ${resolved.profile}); file ${cache.fileBytes()} bytes`);
      }
      return 0;
    }
    case 'report':
      noTargets(command, targets);
      return renderReportFromCache(plan, cache, resolved.profile, resolved.config, overrides, publishRoot, values.open, values.json);
    case 'show':
    case 'export': {
      // `show X --output NAME` prints that output in full, as `export` does.
      if (command === 'show' && values.output) command = 'export';
      if (targets.length !== 1) throw new UsageError(`${command} takes one target: a stage, an instance id or a key prefix`);
      const found = resolveTarget(targets[0]!, plan, cache);
      if (found.length === 0) throw new UsageError(`'${targets[0]}' matches no stage instance or cache key`);
      if (command === 'export' && found.length > 1) {
        throw new UsageError(`'${targets[0]}' matches ${found.length} entries (${found.map((f) => f.instance).join(', ')}); name one`);
      }
      const described: Record<string, unknown>[] = [];
      for (const { key, instance } of found) {
        let manifest: Manifest | undefined;
        try {
          manifest = cache.getManifest(key);
        } catch (err) {
          if (!(err instanceof CorruptEntryError) || command === 'export') throw err;
          described.push({ instance, key, cached: false, reasons: [`its cache entry is corrupt (${err.reason}); the next run recomputes it`] });
          continue;
        }
        if (!manifest) {
          const st = planStatus(plan, cache, resolved.profile).find((s) => s.instance === instance);
          if (command === 'export') throw new UsageError(`${instance} is not in the cache (${st?.reasons.join('; ') ?? 'not computed'}); run it first`);
          const point = plan.nodes.get(instance)?.point;
          described.push({ instance, key, cached: false, reasons: st?.reasons ?? [], ...(point ? { point: point.values } : {}) });
          continue;
        }
        if (command === 'show') {
          const point = plan.nodes.get(instance)?.point;
          described.push({ cached: true, ...describeEntry(cache, manifest), ...(plan.nodes.has(instance) ? { instance } : {}), ...(point ? { point: point.values } : {}) });
          continue;
        }
        if (values.output !== undefined && !Object.hasOwn(manifest.outputs, values.output)) {
          throw new UsageError(`${instance} has no output '${values.output}'; its outputs: ${Object.keys(manifest.outputs).join(', ')}`);
        }
        const format = values.format ?? (values.out?.endsWith('.csv') ? 'csv' : 'json');
        let text: string;
        if (format === 'csv') {
          const names = Object.keys(manifest.outputs);
          const output = values.output ?? (names.length === 1 ? names[0]! : undefined);
          if (!output) throw new UsageError(`CSV needs --output NAME (outputs: ${names.join(', ')})`);
          text = exportCsv(cache, manifest, output);
        } else if (format === 'json') text = `${JSON.stringify(exportJson(cache, manifest, values.output))}\n`;
        else throw new UsageError(`--format: expected json or csv, received ${format}`);
        if (values.out) {
          writeFileSync(values.out, text);
          process.stderr.write(`wrote ${values.out}\n`);
        } else process.stdout.write(text);
      }
      if (command === 'show') {
        if (values.json) json(described.length === 1 ? described[0] : described);
        else for (const d of described) out(d.cached ? formatEntry(d) : `${d.instance}  key ${d.key}${d.point ? `\n  point: ${pointLabel(d.point as Record<string, Json>)}` : ''}\n  not cached: ${(d.reasons as string[]).join('; ')}`);
      }
      return 0;
    }
    case 'gc': {
      noTargets(command, targets);
      const keep = new Set([...plan.nodes.values()].map((n) => n.key));
      if (values['all-profiles']) {
        for (const name of Object.keys(project.profiles)) {
          const p = planFor(resolveConfig(project, name, [], [], { maxInstances }));
          for (const n of p.nodes.values()) keep.add(n.key);
        }
      }
      const report = await cache.gc(keep, { dryRun: values['dry-run'] });
      if (values.json) json({ dryRun: values['dry-run'], ...report });
      else {
        const verb = values['dry-run'] ? 'would remove' : 'removed';
        for (const key of report.manifests.removed) out(`${verb} ${key.slice(0, 12)}`);
        out(`${verb} ${report.manifests.removed.length} entries and ${report.blobs.removed} blobs (${report.blobs.bytesRemoved} bytes); kept ${report.manifests.kept} entries; file ${report.fileBytes.before} → ${report.fileBytes.after} bytes`);
        if (report.compactedInPlace) out(`not compacted: ${report.compactedInPlace}`);
      }
      return 0;
    }
    case 'cache': {
      // push | pull | status (verify and recover returned above, before the cache was opened)
      const selected = selectInstances(plan, targets.slice(1));
      const instances = plan.order.filter((id) => selected.has(id)).map((id) => ({ instance: id, key: plan.nodes.get(id)!.key }));
      return runRemoteCommand(remoteSub!, { json: values.json, write: out, profile: resolved.profile, cache, remote: remote!, instances, ...(keep ? { keep } : {}) });
    }
    default:
      throw new UsageError(`unknown command '${command}'\n${USAGE}`);
  }
}

/**
 * The dry-run's estimate: the operation counts of the instances to run, their per-unit costs measured now by the
 * project (what is measured is said on stderr), multiplied and summed. A failed measurement is reported on stderr and
 * leaves every instance to run without an estimate.
 */
async function dryRunEstimate(
  project: Project,
  plan: Plan,
  rows: readonly { instance: string; action: DryRunAction }[],
  config: Record<string, unknown>,
  jobs: number,
  projectModule: string,
): Promise<PlanEstimate> {
  const counts = operationCounts(plan, rows, config);
  const needed = neededOperations(counts);
  let costs: Record<string, number> | null = {};
  let about: MeasuredOn = {};
  if (needed.size > 0 && !project.measureCosts) {
    process.stderr.write(`project ${project.name} exports no measureCosts: no estimates\n`);
    costs = null;
  } else if (needed.size > 0) {
    process.stderr.write(`measuring the cost of ${needed.size} operation(s) on this machine (--no-estimate skips this):\n`);
    const t0 = performance.now();
    const log = (line: string) => process.stderr.write(`  ${line}\n`);
    try {
      const engine: Record<string, number> = {};
      if (needed.has(CHILD_START_OP)) {
        engine[CHILD_START_OP] = await measureChildStartMs(projectModule);
        log(`${CHILD_START_OP}: a child process started, the project loaded: ${engine[CHILD_START_OP]!.toFixed(0)} ms CPU`);
      }
      const rest = new Set([...needed].filter((op) => op !== CHILD_START_OP));
      const measured = rest.size ? await project.measureCosts!(config, rest, log) : { costs: {} };
      costs = { ...engine, ...measured.costs };
      about = { measuredOn: measured.measuredOn, clock: measured.clock };
      process.stderr.write(`measured in ${formatEstimate(performance.now() - t0)}${measured.measuredOn ? ` on ${measured.measuredOn}` : ''}\n`);
    } catch (err) {
      process.stderr.write(`measuring the costs failed: ${(err as Error).message}; the dry-run below has no estimates\n`);
      costs = null;
    }
  }
  return estimatePlan(plan, rows, counts, costs, jobs, about);
}

/** The stage that `sgd-noise report` renders. */
const REPORT_STAGE = 'report';

/**
 * `sgd-noise report`: runs only the report stage, refusing (exit 1) when any instance it depends on is not cached,
 * so rendering never recomputes an experiment; prints the path of the published index.html.
 */
async function renderReportFromCache(
  plan: Plan,
  cache: CacheStore,
  profile: string,
  config: Record<string, unknown>,
  overrides: string[],
  root: string,
  open: boolean,
  asJson: boolean,
): Promise<number> {
  if (!plan.nodes.has(REPORT_STAGE)) {
    const perPoint = matchInstances(plan, REPORT_STAGE);
    if (perPoint.length > 0) {
      throw new UsageError(`with this sweep the '${REPORT_STAGE}' stage has one instance per point (${perPoint.join(', ')}); render one with: sgd-noise run --only 'ID' and the same --sweep flags`);
    }
    throw new UsageError(`this project has no '${REPORT_STAGE}' stage`);
  }
  const needed = [...selectInstances(plan, [REPORT_STAGE])].filter((id) => id !== REPORT_STAGE);
  const missing = needed.filter((id) => cache.lookup(plan.nodes.get(id)!.key).status !== 'hit');
  if (missing.length > 0) {
    process.stderr.write(
      `the report renders from cached outputs only, and ${missing.length} of the ${needed.length} stage instances it needs are not cached:
` +
        missing.map((id) => `  ${id}
`).join('') +
        `run them first: sgd-noise run --profile ${profile}
`,
    );
    return 1;
  }
  let published: string | undefined;
  const summary = await runToCompletion({ plan, cache, scope: profile, config, selected: new Set([REPORT_STAGE]), jobs: 1, publishRoot: root, overrides }, (e) => {
    if (e.type === 'published' && e.instance === REPORT_STAGE) published = e.file;
    if (e.type === 'failed') process.stderr.write(`${failureLine(e.instance, e.error)}\n`);
  });
  if (!summary.ok) return 1;
  if (!published) throw new Error(`the '${REPORT_STAGE}' stage published no files`);
  const index = published.endsWith(path.sep) ? path.join(published, 'index.html') : published;
  if (asJson) process.stdout.write(`${JSON.stringify({ index, rendered: summary.ran.includes(REPORT_STAGE) })}
`);
  else process.stdout.write(`${index}
`);
  if (open) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    try {
      const child = spawn(opener, [index], { detached: true, stdio: 'ignore' });
      child.on('error', () => process.stderr.write(`cannot start ${opener}; open ${index} in a browser\n`));
      child.unref();
    } catch {
      process.stderr.write(`cannot start ${opener}; open ${index} in a browser\n`);
    }
  }
  return 0;
}

/** The commands `main` knows. */
const COMMANDS = ['run', 'exec', 'status', 'dag', 'ls', 'show', 'report', 'export', 'gc', 'cache'];

/** A positive integer option, else a usage error naming it. */
function positiveInteger(option: string, text: string, what: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option}: expected a positive integer (${what}), received '${text}'`);
  return n;
}

/** A non-negative integer option (`--retries 0`), else a usage error naming it. */
function nonNegativeInteger(option: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`${option}: expected a non-negative integer, received '${text}'`);
  return n;
}

/** The jobs file of the last Slurm run on this cache, with live states from squeue for jobs not yet ended. */
async function slurmJobsStatus(file: string): Promise<(JobsFile & { running: boolean; live: boolean }) | undefined> {
  const jobs = readJobsFile(file);
  if (!jobs) return undefined;
  let running = false;
  try {
    process.kill(jobs.pid, 0);
    running = jobs.finishedAt === undefined;
  } catch {
    running = false;
  }
  let live = false;
  const open = jobs.jobs.filter((j) => j.phase === 'queued' || j.phase === 'running');
  if (open.length > 0) {
    try {
      const states = await new SlurmClient({ timeoutMs: 10_000 }).states(open.map((j) => j.jobId));
      for (const j of open) {
        const s = states.get(j.jobId);
        if (s) j.slurmState = s.state;
      }
      live = true;
    } catch {
      // no Slurm commands here, or no controller: the file's states stand
    }
  }
  return { ...jobs, running, live };
}

function formatSlurmJobs(s: JobsFile & { running: boolean; live: boolean }): string[] {
  const lines = [`Slurm jobs of ${s.running ? 'the running' : 'the last'} run ${s.runId} (coordinator pid ${s.pid}${s.finishedAt ? `, finished ${s.finishedAt}` : ''}; logs in ${s.logDir}${s.live ? '; states from squeue now' : ''}):`];
  for (const j of s.jobs) {
    lines.push(`  ${j.jobId.padEnd(8)} ${j.phase.padEnd(9)} ${j.slurmState.padEnd(13)} ${j.instance}${j.attempt > 1 ? ` (attempt ${j.attempt})` : ''}`);
  }
  if (s.jobs.length === 0) lines.push('  (none submitted: every instance was cached)');
  return lines;
}

/** `--jobs N`: a positive integer, else a usage error naming the option and what it got. */
function parseJobs(text: string): number {
  const jobs = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs: expected a positive integer (the most stage instances to run at once), received '${text}'`);
  }
  return jobs;
}

/** GPUs a local run may use unless `--gpus` says otherwise. */
const DEFAULT_GPUS = 1;

/** `--gpus N`: a non-negative integer (0: this machine has none), else a usage error naming the option. */
function parseGpus(text: string): number {
  const gpus = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(gpus)) {
    throw new UsageError(`--gpus: expected a non-negative integer (the GPUs local runs may use), received '${text}'`);
  }
  return gpus;
}

/** `--slurm-gpu-request` / `--slurm-gpu-type` (else the config's `slurm.gpuRequest` / `slurm.gpuType`), checked. */
function slurmGpuOptions(request: string | undefined, type: string | undefined): { gpuRequest?: GpuRequest; gpuType?: string } {
  if (request !== undefined && !(GPU_REQUESTS as readonly string[]).includes(request)) {
    throw new UsageError(`--slurm-gpu-request (or slurm.gpuRequest): expected ${GPU_REQUESTS.join(', ')}, received '${request}'`);
  }
  if (type !== undefined && !GPU_TYPE.test(type)) {
    throw new UsageError(`--slurm-gpu-type (or slurm.gpuType): expected a GPU type of letters, digits, '_', '.' and '-' (e.g. h100), received ${JSON.stringify(type)}`);
  }
  return { ...(request !== undefined ? { gpuRequest: request as GpuRequest } : {}), ...(type !== undefined ? { gpuType: type } : {}) };
}

/**
 * Every value of a Slurm run that reaches a job script or sbatch (safe-values.ts), checked before anything runs: a
 * usage error names the option or config path (`--slurm-option`, `slurm.options.2`, `--slurm-log-dir`, ...).
 */
function checkSlurmValues(o: {
  configOptions: readonly unknown[];
  options: readonly string[];
  logDir: string | undefined;
  remote: { name: string; value: string } | undefined;
  nodeCache: string | undefined;
  project: string;
  args: { name: string; value: string }[];
}): void {
  const logDir = o.logDir !== undefined
    ? { name: '--slurm-log-dir', value: path.resolve(o.logDir) }
    : { name: `the default log directory (${o.remote?.name ?? '--remote'}/slurm-logs)`, value: path.join(o.remote?.value ?? '', 'slurm-logs') };
  const problem = slurmRunProblem({
    options: [...o.configOptions.map((value, i) => ({ name: `slurm.options.${i}`, value: String(value) })), ...o.options.map((value) => ({ name: '--slurm-option', value }))],
    logDir,
    plain: [
      ...(o.remote ? [o.remote] : []),
      ...(o.nodeCache !== undefined ? [{ name: '--slurm-node-cache', value: o.nodeCache }] : []),
      { name: '--project', value: o.project },
      { name: 'the working directory (the jobs\' --chdir)', value: process.cwd() },
    ],
    args: o.args,
  });
  if (problem !== undefined) throw new UsageError(problem);
}

function noTargets(command: string, targets: string[]): void {
  if (targets.length > 0) throw new UsageError(`${command} takes no arguments besides key=value overrides; got ${targets.join(' ')}`);
}

export { UsageError } from './errors.ts';

function dagJson(plan: Plan) {
  return {
    nodes: plan.order.map((id) => {
      const n = plan.nodes.get(id)!;
      return { instance: id, stage: n.stage.id, key: n.key, reads: n.reads, isolate: Boolean(n.stage.isolate), deps: n.deps, ...(n.point ? { point: n.point.values } : {}) };
    }),
    edges: plan.order.flatMap((id) => Object.values(plan.nodes.get(id)!.deps).map((from) => ({ from, to: id }))),
  };
}

function dagText(plan: Plan): string {
  return plan.order
    .map((id) => {
      const n = plan.nodes.get(id)!;
      const deps = [...new Set(Object.values(n.deps))];
      return `${id}${n.stage.isolate ? ' [child]' : ''}\n    ${n.stage.description}${n.point ? `\n    point: ${n.point.label}` : ''}\n    reads: ${n.reads.join(', ') || '-'}\n    after: ${deps.join(', ') || '-'}`;
    })
    .join('\n');
}

function dagMermaid(plan: Plan): string {
  const ids = new Map(plan.order.map((id, i) => [id, `n${i}`]));
  const lines = ['graph TD'];
  for (const id of plan.order) lines.push(`  ${ids.get(id)}["${id.replace(/"/g, '#quot;')}"]`);
  for (const id of plan.order) for (const dep of new Set(Object.values(plan.nodes.get(id)!.deps))) lines.push(`  ${ids.get(dep)} --> ${ids.get(id)}`);
  return lines.join('\n');
}

/** Runs `main` and turns any error into one message and an exit code (a stack trace only with `--debug`). */
export async function runCli(argv: string[]): Promise<never> {
  const debug = argv.includes('--debug');
  if (!debug) muteLibraryErrorLogs();
  const context: CliContext = {};
  let code: number;
  try {
    code = await main(argv, context);
  } catch (thrown) {
    const err = await unwrapCommitFailure(thrown); // also handles its commitError, which would print a stack trace
    const isUsage = (e: unknown) =>
      e instanceof ConfigError || e instanceof PlanError || e instanceof UsageError || e instanceof CacheSubcommandError || e instanceof RemoteConfigError;
    if (err instanceof CacheError && !debug) {
      process.stderr.write(`sgd-noise: ${err.message}\n`);
      code = err instanceof RemoteConfigError ? 2 : 1;
    } else {
      const report = describeError(err, { debug, isUsage, file: context.cacheFile });
      process.stderr.write(`sgd-noise: ${report.message}\n`);
      code = report.exitCode;
    }
  }
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}

/**
 * Ends the process at once on a repeated signal: the signal's default action, raised again (exit status 128 + n, as
 * if unhandled). Not `process.exit`, which waits for libuv's worker threads and so hangs behind a read that blocks
 * (a hung network filesystem); the kernel releases the cache lock (an OFD lock) of a process that ends either way.
 */
function leaveNow(sig: NodeJS.Signals): never {
  process.stderr.write(`${sig} again: exiting now\n`);
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
  // The default action of SIGINT and SIGTERM ends the process before this line; in case it was ignored:
  return process.exit(sig === 'SIGINT' ? 130 : 143);
}

/**
 * Resolves once everything written to `stream` so far has been handed to the OS. Writes to a pipe are asynchronous in
 * Node, and `process.exit` drops what is still queued: `sgd-noise export … | jq` lost all but the first 64 KiB. A
 * reader that has gone away (`| head`) is not an error here.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.on('error', () => resolve());
    stream.write('', () => resolve());
  });
}
