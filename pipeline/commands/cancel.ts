/**
 * `sgd-noise cancel`: stops the coordinator of this cache's batch run and every job it submitted, through each executor
 * plugin that keeps jobs (`ExecutorPlugin.cancel`), and says what it cancelled. Exit code 0 also when nothing was
 * running (it says so), 1 when something could not be cancelled or is still queued after the wait.
 */
import { noTargets, type Command } from './command.ts';

/** `cancel`; see the module comment. */
export const cancelCommand: Command = {
  cache: () => 'none',
  async run({ targets, cacheDir, executors, values, out, json }) {
    noTargets('cancel', targets);
    const reports: [string, { json: unknown; lines: readonly string[]; ok: boolean }][] = [];
    for (const p of executors) {
      const r = await p.cancel?.(cacheDir);
      if (r) reports.push([p.name, r]);
    }
    const ok = reports.every(([, r]) => r.ok);
    if (values.json) json({ cacheDir, ok, ...Object.fromEntries(reports.map(([name, r]) => [name, r.json])) });
    else if (reports.length === 0) out(`nothing to cancel: no batch run is recorded in ${cacheDir} (no coordinator and no jobs file)`);
    else for (const [, r] of reports) for (const line of r.lines) out(line);
    return ok ? 0 : 1;
  },
};
