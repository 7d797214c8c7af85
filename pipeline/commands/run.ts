/**
 * `sgd-noise run`: computes the selected instances (with their ancestors) that are not cached, through the executor
 * plugin `--executor` names; `--dry-run` says what would run, with estimated CPU times. A first SIGINT or SIGTERM
 * cancels the run, a second one ends the process at once.
 */
import { fileURLToPath } from 'node:url';
import { CHILD_START_OP, measureChildStartMs } from '../child-cost.ts';
import {
  estimatePlan,
  estimateSummary,
  formatEstimate,
  neededOperations,
  operationCounts,
  type DryRunAction,
  type MeasuredOn,
  type PlanEstimate,
} from '../estimate.ts';
import { leaveJobsIfDetached } from '../detached.ts';
import type { Executor } from '../executor.ts';
import { readOptions } from '../executors/plugin.ts';
import { PlanError, matchInstances, selectInstances, type Plan } from '../plan.ts';
import { measuredPriorities } from '../priorities.ts';
import { createProgressDisplay, parseProgressMode, summaryLine } from '../progress.ts';
import type { Project } from '../project.ts';
import { runToCompletion } from '../runner.ts';
import { planStatus } from '../status.ts';
import { trustArgs } from '../trust-options.ts';
import type { Command, CommandContext } from './command.ts';
import { detachRun } from './detach.ts';
import { idList } from './options.ts';
import { recordRun, type RunObserver } from './run-record.ts';

/** The `sgd-noise` entry point, which cluster jobs run. */
const BIN = fileURLToPath(new URL('../../bin/sgd-noise.js', import.meta.url));

/** `run`; see the module comment. */
export const runCommand: Command = {
  takesExecutor: true,
  remote: (cl, executor) =>
    cl.values['dry-run']
      ? undefined
      : {
          writes: true,
          ...(executor.needsRemote
            ? {
                missing: `run --executor ${executor.name} needs a remote, which the jobs read their inputs from and write their outputs to: --remote DIR (on a filesystem every node mounts) or $SGD_NOISE_REMOTE`,
              }
            : {}),
        },
  cache: () => 'create',
  // Every run but a dry run writes its run record (run-record.ts): the body gets the code facts and reports its events.
  run: (ctx) => (ctx.values['dry-run'] ? run(ctx) : recordRun(ctx, (record) => run(ctx, record))),
};

async function run(ctx: CommandContext, record?: RunObserver): Promise<number> {
  const {
    values,
    flags,
    targets,
    plan,
    cache,
    cacheDir,
    remote,
    resolved,
    project,
    projectModule,
    overrides,
    sweeps,
    maxInstances,
    trust,
    publishRoot,
    jobs,
    gpus,
    fileHashes,
    out,
    json,
  } = ctx;
  const plugin = ctx.executor;
  if (flags.detach) return detachRun(ctx); // run --detach: the coordinator becomes a job of its own (detach.ts)
  const progressMode = parseProgressMode(values.progress);
  // `run --only a b` parses as --only a plus a bare b: bare words are patterns too.
  const selected = selectInstances(plan, [...idList(values.only), ...targets]);
  const force = new Set(
    idList(values.force).flatMap((p) => {
      const m = matchInstances(plan, p);
      if (m.length === 0) throw new PlanError(`--force '${p}' matches no stage instance`);
      return m;
    }),
  );
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
  let executor: Executor | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    leaveJobsIfDetached(sig, executor); // a detached coordinator ended by its scheduler: its jobs stay, for a rerun to adopt
    if (signalExit) leaveNow(sig); // second signal: leave now
    signalExit = sig === 'SIGINT' ? 130 : 143;
    process.stderr.write(`\n${sig}: cancelling, stopping running stages...\n`);
    controller.abort(new Error(`cancelled by ${sig}`));
  };
  // An unwritable remote is refused before anything runs (every computed entry would fail to be pushed).
  await remote?.prepareWrite();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  executor = await plugin.create({
    cache,
    cacheDir,
    remote,
    config: resolved.config,
    projectModule,
    command: [process.execPath, BIN],
    planArgs: [
      ...['--project', projectModule, '--profile', resolved.profile, ...overrides, ...sweeps.flatMap((s) => ['--sweep', s])],
      ...(values['max-instances'] !== undefined ? ['--max-instances', String(maxInstances)] : []),
      ...trustArgs(trust),
    ],
    options: readOptions(plugin, flags),
  });
  const display = createProgressDisplay(process.stderr, progressMode);
  // Critical-path priorities from the cost models, measured in a child while the first stages run.
  // Only when something is to be computed; the measuring child runs at the lowest CPU priority and is stopped when
  // the run ends (and waited for: it inherits the open cache file), so a warm rerun neither waits for it nor pays.
  let ranks: Map<string, number> | null = null;
  const measuring = new AbortController();
  const anyToRun = [...selected].some((id) => force.has(id) || !cache.has(plan.nodes.get(id)!.key));
  // With an executor elsewhere (Slurm) the heavy stages bypass the local core budget these ranks order, and measuring would
  // load the login node with the stages' operations: not measured.
  const measured =
    project.measureCosts && !values['no-estimate'] && anyToRun && executor.usesLocalCores
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
      code: record?.code,
      remote,
      executor,
      priority: (id) => ranks?.get(id),
    },
    (e) => {
      display.handle(e);
      record?.observe(e);
    },
  );
  measuring.abort();
  await measured;
  display.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (values.json) json({ ...summary, inputFiles: fileHashes.counts });
  else if (process.stderr.isTTY && progressMode !== 'json') process.stderr.write(`${summaryLine(summary)}\n`);
  if (signalExit) return signalExit;
  return summary.ok ? 0 : 1;
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
