/** `sgd-noise ls`: the cache's entries, each named by its instance in this plan (with its sweep point), else its manifest. */
import { formatDuration } from '../progress.ts';
import type { PlanNode } from '../plan.ts';
import { noTargets, type Command } from './command.ts';

/** `ls`; see the module comment. */
export const lsCommand: Command = {
  cache: () => 'read',
  async run({ values, targets, plan, cache, resolved, out, json }) {
    noTargets('ls', targets);
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
        out(
          `${r.current ? '*' : ' '} ${r.key.slice(0, 12)}  ${(r.instance ?? `CORRUPT: ${r.error}`).padEnd(40)} ${r.bytes ?? '-'} B  ${r.durationMs === null ? '' : formatDuration(r.durationMs)}  ${r.createdAt ?? ''}`,
        );
      }
      out(`${rows.length} entries (* = reachable from profile ${resolved.profile}); file ${cache.fileBytes()} bytes`);
    }
    return 0;
  },
};
