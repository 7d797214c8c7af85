/**
 * The command line's side of executor plugins: the `--executor` flag and each plugin's flags for `parseArgs`, their
 * usage text, and the plugin `--executor NAME` names, all built from the plugins' declarations (plugin.ts). The first
 * plugin of the list is the default.
 */
import { UsageError } from '../errors.ts';
import type { ExecutorPlugin, PluginOption } from './plugin.ts';

/** `parseArgs` options: `--executor` and every plugin option (an option two plugins declare is one flag). */
export function executorFlags(plugins: readonly ExecutorPlugin[]): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const flags: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { executor: { type: 'string' } };
  for (const o of plugins.flatMap((p) => p.options)) flags[o.name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
  return flags;
}

/** `a`, `a or b`, `a, b or c`. */
function either(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The plugin `--executor` names (default: the first), else a usage error listing the known ones. */
export function findExecutor(plugins: readonly ExecutorPlugin[], name: string | undefined): ExecutorPlugin {
  const plugin = name === undefined ? plugins[0] : plugins.find((p) => p.name === name);
  if (!plugin) throw new UsageError(`--executor: expected ${either(plugins.map((p) => p.name))}, received '${name}'`);
  return plugin;
}

/** `[--max-jobs N]`, `[--slurm-option=OPT ...]`, `[--keep]`. */
function flagUsage(o: PluginOption): string {
  if (o.type === 'boolean') return `[--${o.name}]`;
  return o.multiple ? `[--${o.name}=${o.arg ?? 'X'} ...]` : `[--${o.name} ${o.arg ?? 'X'}]`;
}

/**
 * The usage text of `--executor` and of each plugin's options, every line after the first starting with `indent`:
 * `[--executor local|slurm]: where isolated stages run (default local: child processes here);` then one paragraph per
 * other plugin, `NAME: SUMMARY, with [--flag X] (help), …`, broken where an option or its help says.
 */
export function executorUsage(plugins: readonly ExecutorPlugin[], indent: string): string {
  const [first, ...rest] = plugins;
  const lines = [`[--executor ${plugins.map((p) => p.name).join('|')}]: where isolated stages run (default ${first!.name}: ${first!.summary});`];
  for (const p of rest) {
    let text = `${p.name}: ${p.summary}`;
    p.options.forEach((o, i) => {
      text += `${i === 0 ? ', with ' : o.newLine ? ',\n' : ', '}${flagUsage(o)} (${o.help})`;
    });
    lines.push(...text.split('\n'));
  }
  return lines.join(`\n${indent}`);
}

/** The plugins' jobs in the usage of `status`: `then the jobs of the running or last Slurm run on this cache …`. */
export function statusUsage(plugins: readonly ExecutorPlugin[], indent: string): string {
  const labels = plugins.filter((p) => p.status).map((p) => p.label ?? p.name);
  return labels.length ? `;\n${indent}then the jobs of the running or last ${either(labels)} run on this cache and their states` : '';
}
