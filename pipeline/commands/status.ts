/**
 * `sgd-noise status`: fresh or stale (and why) per stage instance, then the jobs of the running or last run of every
 * executor plugin that keeps jobs on this cache (the plugin reads them: `ExecutorPlugin.status`).
 */
import { planStatus } from '../status.ts';
import { noTargets, type Command } from './command.ts';

/** `status`; see the module comment. */
export const statusCommand: Command = {
  cache: () => 'read',
  async run({ values, targets, plan, cache, cacheDir, resolved, executors, out, json }) {
    noTargets('status', targets);
    const verified = !values.quick;
    const status = planStatus(plan, cache, resolved.profile, { verify: verified });
    const jobs: [string, { json: unknown; lines: readonly string[] }][] = [];
    for (const p of executors) {
      const s = await p.status?.(cacheDir);
      if (s) jobs.push([p.name, s]);
    }
    if (values.json) json({ profile: resolved.profile, verified, instances: status, ...Object.fromEntries(jobs.map(([name, s]) => [name, s.json])) });
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
