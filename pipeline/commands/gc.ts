/** `sgd-noise gc`: drops the entries the current config (or every profile's, `--all-profiles`) does not reach, then compacts. */
import { resolveConfig } from '../project.ts';
import { noTargets, type Command } from './command.ts';

/** `gc`; see the module comment. */
export const gcCommand: Command = {
  cache: () => 'read',
  async run({ values, targets, plan, planFor, project, maxInstances, cache, out, json }) {
    noTargets('gc', targets);
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
      out(
        `${verb} ${report.manifests.removed.length} entries and ${report.blobs.removed} blobs (${report.blobs.bytesRemoved} bytes); kept ${report.manifests.kept} entries; file ${report.fileBytes.before} → ${report.fileBytes.after} bytes`,
      );
      if (report.compactedInPlace) out(`not compacted: ${report.compactedInPlace}`);
    }
    return 0;
  },
};
