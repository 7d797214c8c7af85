/**
 * `sgd-noise runs [--json]`: the recorded runs of this cache (pipeline/run-records.ts), newest first: id, start time,
 * outcome, wall time, commit, profile with overrides and sweeps, and the project's headline metrics and claims read
 * from the cache (pipeline/headlines.ts; an entry since dropped by `gc` shows `–`). `--json` gives every record whole,
 * with its headlines. Records name their runs; `sgd-noise diff` compares two of them.
 */
import { existsSync } from 'node:fs';
import { CacheError } from '../../cache/errors.ts';
import { CacheStore } from '../../cache/store.ts';
import type { LoadedArtifacts } from '../../cache/values.ts';
import { shortCommit } from '../code-facts.ts';
import { formatEstimate } from '../estimate.ts';
import { readHeadlines, type HeadlineClaim, type HeadlineMetric, type ReadHeadlines } from '../headlines.ts';
import type { Project } from '../project.ts';
import { listRunRecords, runsDir, type ReadRunRecord } from '../run-records.ts';
import { recordView } from '../run-refs.ts';
import type { RunView } from '../run-view.ts';
import { formatNumber } from '../run-diff-format.ts';
import { noTargets, type Command } from './command.ts';

/** `runs`; see the module comment. */
export const runsCommand: Command = {
  // The cache is opened here only when it exists: a fresh checkout has none, and that is no error for a listing.
  cache: () => 'none',
  async run({ values, targets, project, cacheDir, out, json }) {
    noTargets('runs', targets);
    const { records, unreadable } = listRunRecords(cacheDir);
    for (const u of unreadable) process.stderr.write(`warning: ${u.file} is not a readable run record (${u.reason}); left out\n`);
    if (records.length === 0) {
      if (values.json) json({ runs: [], unreadable });
      else
        out(`no runs recorded yet in ${runsDir(cacheDir)}: \`sgd-noise run\` (or \`npm start\`) records every run there; then \`sgd-noise runs\` lists them`);
      return 0;
    }
    const headlines = headlinesReader(project, cacheDir);
    const rows = records.map((r) => ({ record: r, headlines: headlines(recordView(r)) }));
    if (values.json) json({ runs: rows.map(({ record, headlines: h }) => ({ ...record, headlines: h ?? null })), unreadable });
    else for (const { record, headlines: h } of rows) for (const line of runLines(record, h)) out(line);
    return 0;
  },
};

/**
 * The headlines of a run as the project reads them from the cache in `cacheDir` (shared entries loaded once); always
 * undefined when the project declares none. Without a cache (or with a damaged one, said on stderr) every metric is null.
 */
export function headlinesReader(project: Project, cacheDir: string): (view: RunView) => ReadHeadlines | undefined {
  const spec = project.headlines;
  if (!spec) return () => undefined;
  const cache = openCacheIfPresent(cacheDir);
  const memo = new Map<string, LoadedArtifacts>();
  return (view) => readHeadlines(spec, view, cache, memo);
}

/** The cache in `cacheDir` when it has one (undefined otherwise; a damaged one is said on stderr and left unopened). */
function openCacheIfPresent(cacheDir: string): CacheStore | undefined {
  if (!existsSync(CacheStore.dataFile(cacheDir))) return undefined;
  try {
    return CacheStore.open(cacheDir);
  } catch (err) {
    if (!(err instanceof CacheError)) throw err;
    process.stderr.write(`warning: ${err.message}; metrics are not shown\n`);
    return undefined;
  }
}

/** One run: a line of facts, then its claims and each group of brief metrics indented below. */
function runLines(r: ReadRunRecord, h: ReadHeadlines | undefined): string[] {
  const started = `${r.startedAt.slice(0, 10)} ${r.startedAt.slice(11, 19)}Z`;
  const wall = r.wallMs === null ? (r.outcome === 'running' ? 'running' : '–') : formatEstimate(r.wallMs);
  const what = [r.profile, ...r.overrides, ...r.sweeps.map((s) => `--sweep ${s}`)].join(' ');
  const lines = [`${r.id}  ${started}  ${r.outcome.padEnd(11)}  ${wall.padStart(7)}  ${shortCommit(r.code).padEnd(13)}  ${what}`];
  if (!h) return lines;
  const detail: [string, string][] = [];
  if (h.claims.length) detail.push(['claims', claimsLine(h.claims)]);
  for (const [group, metrics] of briefGroups(h.metrics)) {
    detail.push([group, metrics.map((m) => `${m.id.slice(m.id.lastIndexOf('.') + 1)} ${formatNumber(m.value)}`).join('  ')]);
  }
  if (h.problem) detail.push(['headlines', `could not be read: ${h.problem}`]);
  const width = Math.max(0, ...detail.map(([g]) => g.length));
  for (const [group, text] of detail) lines.push(`    ${group.padEnd(width)}  ${text}`);
  return lines;
}

/** `7 of 9 hold (1 does not, 1 not run)`. */
function claimsLine(claims: readonly HeadlineClaim[]): string {
  const by = new Map<string, number>();
  for (const c of claims) by.set(c.verdict, (by.get(c.verdict) ?? 0) + 1);
  const holds = by.get('holds') ?? 0;
  by.delete('holds');
  const rest = [...by].map(([verdict, n]) => (verdict === 'does not hold' ? `${n} ${n === 1 ? 'does' : 'do'} not` : `${n} ${verdict}`));
  return `${holds} of ${claims.length} hold${rest.length ? ` (${rest.join(', ')})` : ''}`;
}

/** The metrics with a `brief` group, by group in first-seen order. */
function briefGroups(metrics: readonly HeadlineMetric[]): Map<string, HeadlineMetric[]> {
  const groups = new Map<string, HeadlineMetric[]>();
  for (const m of metrics) if (m.brief !== undefined) groups.set(m.brief, [...(groups.get(m.brief) ?? []), m]);
  return groups;
}
