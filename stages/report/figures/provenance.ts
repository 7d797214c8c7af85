/** The provenance section: resolved configuration, run facts, every stage instance behind the report, software. */
import { shortCommit, type CodeFacts } from '../../../pipeline/code-facts.ts';
import { flattenConfig, getPath } from '../../../pipeline/config.ts';
import type { LineageEntry, RunFacts } from '../../../pipeline/stage.ts';
import { applicableDeviations, deviationChoice, reproduceCell } from '../../deviations.ts';
import type { ReportSection } from '../document.ts';
import { codeSpan } from '../render/markup.ts';

export { flattenConfig } from '../../../pipeline/config.ts';

/**
 * The section from the run facts, the resolved config slice the report read, the lineage and the package versions.
 * It holds no wall times or dates; `sgd-noise ls` and `show` give each entry's wall time. It does hold the code of
 * the run that rendered it (git commit, dirty flag, lockfile hash: run facts, outside the report's key), so a rerun
 * at the same commit is byte-identical, like every other artifact; a run at another commit that changes no key finds
 * the report cached and keeps the entry rendered under the first commit (`sgd-noise run --force report` renders it
 * again). Each run's own commit is in its run record (`sgd-noise runs`).
 */
export function provenanceSection(o: {
  run: RunFacts;
  config: Record<string, unknown>;
  lineage: readonly LineageEntry[];
  versions: Record<string, string>;
}): ReportSection {
  return {
    id: 'provenance',
    title: 'Provenance',
    blocks: [
      {
        type: 'text',
        text:
          `Profile ${codeSpan(o.run.profile)}${o.run.overrides.length ? ` with overrides ${o.run.overrides.map(codeSpan).join(', ')}` : ', no overrides'}; ` +
          `${o.lineage.length} stage instances computed this report. ` +
          'Every number above comes from these cache entries; `sgd-noise show <instance>` prints any of them, and `sgd-noise ls` the wall time each took.',
      },
      {
        type: 'table',
        table: {
          id: 'provenance-stages',
          title: 'Stage instances',
          caption: 'Cache key (first 16 hex digits), the instance seed and the backend recorded by the stage.',
          columns: [
            { key: 'instance', label: 'stage instance', format: 'text' },
            { key: 'version', label: 'version', format: 'integer' },
            { key: 'key', label: 'cache key', format: 'text' },
            { key: 'seed', label: 'seed', format: 'text' },
            { key: 'backend', label: 'backend', format: 'text' },
          ],
          rows: o.lineage.map((e) => ({
            instance: e.instance,
            version: e.version,
            key: e.key.slice(0, 16),
            seed: e.seed === null ? '–' : String(e.seed),
            backend: typeof e.meta.backend === 'string' ? e.meta.backend : '–',
          })),
        },
      },
      ...codeTables(o.run.code),
      ...adapterTables(o.lineage),
      deviationsTable(o.config),
      {
        type: 'table',
        table: {
          id: 'provenance-config',
          title: 'Resolved configuration',
          caption: 'Every config key the report and its inputs depend on, after the profile and the overrides.',
          columns: [
            { key: 'key', label: 'key', format: 'text' },
            { key: 'value', label: 'value', format: 'text' },
          ],
          rows: flattenConfig(o.config),
        },
      },
      {
        type: 'table',
        table: {
          id: 'provenance-software',
          title: 'Software',
          columns: [
            { key: 'package', label: 'package', format: 'text' },
            { key: 'version', label: 'version', format: 'text' },
          ],
          rows: Object.entries(o.versions).map(([p, v]) => ({ package: p, version: v })),
        },
      },
    ],
  };
}

/** The rows of stages/deviations.ts that apply to this run, and whether the run follows the released code there. */
function deviationsTable(config: Record<string, unknown>): ReportSection['blocks'][number] {
  const cfg = (p: string) => getPath(config, p);
  return {
    type: 'table',
    table: {
      id: 'provenance-deviations',
      title: 'Where this run and the released code differ',
      caption:
        'The rows of stages/deviations.ts whose experiment this run has: what the paper says, what the authors’ released code (github.com/uuujf/SGDNoise) does, what the paper profile does, the keys that reproduce the code (the paper-code profile sets them all), and which of the two this run follows.',
      columns: [
        { key: 'id', label: 'row', format: 'text' },
        { key: 'experiment', label: 'experiment', format: 'text' },
        { key: 'paper', label: 'the paper', format: 'text' },
        { key: 'code', label: 'the released code', format: 'text' },
        { key: 'paperProfile', label: 'paper profile', format: 'text' },
        { key: 'reproduce', label: 'reproduce the code', format: 'text' },
        { key: 'thisRun', label: 'this run', format: 'text' },
      ],
      rows: applicableDeviations(cfg).map((d) => ({
        id: d.id,
        experiment: d.experiment,
        paper: d.paper,
        code: d.code,
        paperProfile: d.paperProfile,
        reproduce: reproduceCell(d).replace(/<br>/g, '; ').replace(/`/g, ''),
        thisRun: deviationChoice(d, cfg),
      })),
    },
  };
}

/**
 * The code of the run that rendered the report (git commit, short and full, whether the tree had uncommitted changes,
 * the lockfile's hash), or that it ran outside a git checkout; none when the run facts carry no code (an embedding
 * caller of the runner).
 */
function codeTables(code: CodeFacts | undefined): ReportSection['blocks'] {
  if (!code) return [];
  const rows =
    code.commit === null
      ? [{ fact: 'git commit', value: code.reason === 'not a git checkout' ? 'no git checkout' : `none (${code.reason ?? 'unknown'})` }]
      : [
          { fact: 'git commit', value: shortCommit(code) },
          { fact: 'full commit', value: code.commit },
          { fact: 'working tree', value: code.dirty === null ? 'unknown' : code.dirty ? 'dirty (uncommitted or untracked files)' : 'clean' },
        ];
  rows.push({ fact: 'package-lock.json SHA-256', value: code.lockfileSha256 ?? 'no package-lock.json' });
  return [
    {
      type: 'table',
      table: {
        id: 'provenance-code',
        title: 'Code',
        caption:
          'The code of the run that rendered this report: its git commit, whether the working tree had changes, and the hash of the lockfile that pinned its packages. Outside the cache keys; every run’s own is in its run record (sgd-noise runs).',
        columns: [
          { key: 'fact', label: 'fact', format: 'text' },
          { key: 'value', label: 'value', format: 'text' },
        ],
        rows,
      },
    },
  ];
}

/** The GPU adapters the stages recorded (`meta.adapter`, webgpu runs only), one row each; none on CPU backends. */
function adapterTables(lineage: readonly LineageEntry[]): ReportSection['blocks'] {
  const seen = new Map<string, { adapter: Record<string, unknown>; instances: number }>();
  for (const e of lineage) {
    const a = e.meta.adapter;
    if (a === null || typeof a !== 'object' || Array.isArray(a)) continue;
    const key = JSON.stringify(a);
    const entry = seen.get(key) ?? { adapter: a as Record<string, unknown>, instances: 0 };
    entry.instances++;
    seen.set(key, entry);
  }
  if (seen.size === 0) return [];
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : '–');
  const limit = (a: Record<string, unknown>, k: string) => {
    const v = (a.limits as Record<string, unknown> | undefined)?.[k];
    return typeof v === 'number' ? `${(v / 2 ** 20).toFixed(0)} MiB` : '–';
  };
  return [
    {
      type: 'table',
      table: {
        id: 'provenance-adapters',
        title: 'GPU adapters',
        caption:
          'The WebGPU adapter each webgpu stage ran on, as the driver describes it, with the buffer limits that size its chunks. A software adapter (llvmpipe, SwiftShader) runs on the CPU.',
        columns: [
          { key: 'description', label: 'adapter', format: 'text' },
          { key: 'vendor', label: 'vendor', format: 'text' },
          { key: 'architecture', label: 'architecture', format: 'text' },
          { key: 'software', label: 'software', format: 'text' },
          { key: 'maxBuffer', label: 'max buffer', format: 'text' },
          { key: 'maxBinding', label: 'max storage binding', format: 'text' },
          { key: 'instances', label: 'stage instances', format: 'integer' },
        ],
        rows: [...seen.values()].map(({ adapter: a, instances }) => ({
          description: text(a.description),
          vendor: text(a.vendor),
          architecture: text(a.architecture),
          software: a.software === true ? 'yes' : 'no',
          maxBuffer: limit(a, 'maxBufferSize'),
          maxBinding: limit(a, 'maxStorageBufferBindingSize'),
          instances,
        })),
      },
    },
  ];
}
