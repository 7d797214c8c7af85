/**
 * `sgd-noise show <target>` (metadata, config slice, inputs, output summaries; with `--output NAME` that output in
 * full, as `export`) and `sgd-noise export <target>` (one entry's outputs as JSON or CSV, to stdout or `--out FILE`).
 */
import { writeFileSync } from 'node:fs';
import type { Json } from '../../cache/values.ts';
import type { Manifest } from '../../cache/manifest.ts';
import { CorruptEntryError } from '../../cache/store.ts';
import { UsageError } from '../errors.ts';
import { describeEntry, exportCsv, exportJson, formatEntry, resolveTarget } from '../inspect.ts';
import { planStatus } from '../status.ts';
import { pointLabel } from '../sweep.ts';
import type { Command, CommandContext } from './command.ts';

/** `show` or `export` of the target; see the module comment. */
async function showOrExport(asked: 'show' | 'export', { values, targets, plan, cache, resolved, out, json }: CommandContext): Promise<number> {
  // `show X --output NAME` prints that output in full, as `export` does.
  const command = asked === 'show' && values.output ? 'export' : asked;
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
      described.push({
        cached: true,
        ...describeEntry(cache, manifest),
        ...(plan.nodes.has(instance) ? { instance } : {}),
        ...(point ? { point: point.values } : {}),
      });
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
    else
      for (const d of described)
        out(
          d.cached
            ? formatEntry(d)
            : `${d.instance}  key ${d.key}${d.point ? `\n  point: ${pointLabel(d.point as Record<string, Json>)}` : ''}\n  not cached: ${(d.reasons as string[]).join('; ')}`,
        );
  }
  return 0;
}

/** `show`; see the module comment. */
export const showCommand: Command = { cache: () => 'read', run: (ctx) => showOrExport('show', ctx) };

/** `export`; see the module comment. */
export const exportCommand: Command = { cache: () => 'read', run: (ctx) => showOrExport('export', ctx) };
