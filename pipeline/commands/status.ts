/**
 * `sgd-noise status`: fresh or stale (and why) per stage instance, then the jobs of the running or last run of every
 * executor plugin that keeps jobs on this cache (the plugin reads them: `ExecutorPlugin.status`). Where there is no
 * cache yet (a fresh checkout) it says that nothing has run and what to type, and exits 0.
 */
import { shellQuote } from '../executors/slurm/executor.ts';
import { neverRunStatus, planStatus } from '../status.ts';
import { noTargets, type Command, type SetupContext } from './command.ts';

/** `status`; see the module comment. */
export const statusCommand: Command = {
  cache: () => 'read',
  withoutCache: async (ctx, missing) => nothingRunYet(ctx, missing),
  async run({ values, targets, plan, cache, cacheDir, resolved, executors, out, json }) {
    noTargets('status', targets);
    const verified = !values.quick;
    const status = planStatus(plan, cache, resolved.profile, { verify: verified });
    const jobs: [string, { json: unknown; lines: readonly string[] }][] = [];
    for (const p of executors) {
      const s = await p.status?.(cacheDir);
      if (s) jobs.push([p.name, s]);
    }
    if (values.json)
      json({ profile: resolved.profile, verified, cache: cacheDir, instances: status, ...Object.fromEntries(jobs.map(([name, s]) => [name, s.json])) });
    else {
      for (const s of status)
        out(`${s.state === 'fresh' ? 'fresh' : 'STALE'}  ${s.instance}${s.reasons.length ? `\n       ${s.reasons.join('\n       ')}` : ''}`);
      const stale = status.filter((s) => s.state === 'stale').length;
      const how = verified
        ? 'fresh = verified: the manifest proves its key and every blob matches its hash'
        : 'fresh = present, NOT verified (--quick): blobs were not hashed';
      out(`${status.length - stale} fresh, ${stale} stale (profile ${resolved.profile}; ${how})`);
      for (const [, s] of jobs) for (const line of s.lines) out(line);
    }
    return 0;
  },
};

/**
 * `status` without a cache: every instance never run, and the commands that run them (`npm start` in this repository
 * for the default profile, else `sgd-noise run` with the same profile, overrides and sweeps). `--json`: the same
 * object as with a cache, `cache: null`.
 */
async function nothingRunYet(ctx: SetupContext, missing: string): Promise<number> {
  const { values, targets, plan, resolved, project, cacheDir, overrides, sweeps, out, json } = ctx;
  noTargets('status', targets);
  const instances = neverRunStatus(plan);
  if (values.json) {
    json({ profile: resolved.profile, verified: false, cache: null, cacheDir, instances });
    return 0;
  }
  const args = [
    ...(values.project !== undefined ? ['--project', values.project] : []),
    ...(values.profile !== undefined ? ['--profile', values.profile] : []),
    ...(values.cache !== undefined ? ['--cache', values.cache] : []),
    ...overrides,
    ...sweeps.flatMap((s) => ['--sweep', s]),
  ];
  const asStarted = values.project === undefined && resolved.profile === project.defaultProfile && args.length === 0;
  out(`nothing has run yet: there is no cache at ${cacheDir} (${missing}).`);
  out(`The ${instances.length} stage instances of profile ${resolved.profile} are all to run. To run them, type`);
  if (asStarted) out('  npm start                 (the default profile, then its report; the same as npx sgd-noise run --keep-going)');
  out(`  npx sgd-noise run${args.map((a) => ` ${shellQuote(a)}`).join('')}`);
  out('Adding --dry-run says first what each instance would cost here. If your cache is elsewhere, pass --cache DIR or set $SGD_NOISE_CACHE.');
  return 0;
}
