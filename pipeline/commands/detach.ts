/**
 * `run --detach`: the run handed to the executor plugin to be submitted as a job of its own (Slurm: one small sbatch
 * job), whose command is the same `sgd-noise run …` without `--detach` and without the options of the coordinator's
 * own job; the command then returns at once with the job's id and how to follow it. The coordinator's command names
 * the cache, the project and the remote by absolute paths (so that `$SGD_NOISE_CACHE` or `$SGD_NOISE_REMOTE` need not
 * reach the job) and runs in this working directory.
 */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { readOptions } from '../executors/plugin.ts';
import { shellQuote } from '../shell-quote.ts';
import type { CommandContext } from './command.ts';

/** The `sgd-noise` entry point, which the coordinator job runs. */
const BIN = fileURLToPath(new URL('../../bin/sgd-noise.js', import.meta.url));

/** Flags that the coordinator's command gets explicitly (absolute) or never. */
const REPLACED = new Set(['cache', 'project', 'remote', 'detach', 'help']);

/**
 * The coordinator's arguments after the entry point: `run`, every flag as given (`--name=value`, repeated ones once
 * per value) except `--detach` and the plugin's detach-only options, then `--cache`, `--project` and `--remote` as
 * absolute locations, then `--` and the positionals (targets and overrides, in order).
 */
export function coordinatorArgs(ctx: CommandContext): string[] {
  const skip = new Set([...REPLACED, ...ctx.executor.options.filter((o) => o.detachOnly).map((o) => o.name)]);
  const args = ['run'];
  for (const [name, value] of Object.entries(ctx.flags)) {
    if (skip.has(name) || value === undefined || value === false) continue;
    if (value === true) args.push(`--${name}`);
    else for (const v of Array.isArray(value) ? value : [value]) args.push(`--${name}=${String(v)}`);
  }
  args.push('--cache', ctx.cacheDir, '--project', ctx.projectModule);
  if (ctx.remote) args.push('--remote', ctx.remote.location);
  return [...args, '--', ...ctx.positionals];
}

/** The command line that shows this run's plan and jobs: `npx sgd-noise status --cache …` with the same plan arguments. */
function statusLine(ctx: CommandContext, command: 'status' | 'cancel'): string {
  const plan =
    command === 'status'
      ? [
          ...(ctx.values.profile !== undefined ? ['--profile', ctx.values.profile] : []),
          ...ctx.sweeps.flatMap((s) => ['--sweep', s]),
          ...(ctx.values['max-instances'] !== undefined ? ['--max-instances', ctx.values['max-instances']] : []),
          ...ctx.overrides,
        ]
      : [];
  const args = [command, '--cache', ctx.cacheDir, ...(ctx.values.project !== undefined ? ['--project', ctx.projectModule] : []), ...plan];
  return `npx sgd-noise ${args.map(shellQuote).join(' ')}`;
}

/** `run --detach`: submits the coordinator through the executor plugin and prints its id and how to follow it. */
export async function detachRun(ctx: CommandContext): Promise<number> {
  const plugin = ctx.executor;
  if (!plugin.detach) {
    const able = ctx.executors.filter((p) => p.detach).map((p) => `--executor ${p.name}`);
    throw new UsageError(`--detach: --executor ${plugin.name} cannot submit its coordinator as a job; ${able.join(' or ') || 'no executor'} can`);
  }
  if (ctx.values['dry-run']) throw new UsageError('--detach and --dry-run: a dry run submits nothing; give one of them');
  const report = await plugin.detach({
    cacheDir: ctx.cacheDir,
    remote: ctx.remote,
    config: ctx.resolved.config,
    argv: [process.execPath, BIN, ...coordinatorArgs(ctx)],
    workdir: process.cwd(),
    options: readOptions(plugin, ctx.flags),
    follow: { status: statusLine(ctx, 'status'), cancel: statusLine(ctx, 'cancel') },
  });
  if (ctx.values.json) ctx.json(report.json);
  else for (const line of report.lines) ctx.out(line);
  return report.ok ? 0 : 1;
}
