/**
 * `sgd-noise cache verify|recover|push|pull|status`: the CLI side of cache/verify.ts, cache/recover.ts and
 * cache/remote.ts (text or JSON reports).
 */
import { recoverCache } from '../cache/recover.ts';
import { formatDifference } from '../cache/entry-diff.ts';
import { compareEntries, pullEntries, pushEntries, type CacheRemote } from '../cache/remote.ts';
import type { CacheStore } from '../cache/store.ts';
import { formatBytes } from './progress.ts';
import type { SalvageReport } from '../cache/salvage.ts';
import { verifyCache } from '../cache/verify.ts';

/** Subcommands of `sgd-noise cache`. */
export const CACHE_SUBCOMMANDS = ['verify', 'recover', 'push', 'pull', 'status', 'keygen'] as const;

/** Options the cache subcommands take. */
export interface CacheCommandOptions {
  json: boolean;
  /** recover: write the fresh cache to this directory instead of swapping it in. */
  out?: string;
  write(text: string): void;
}

/** Runs `cache <sub>` on the cache in `dir`; returns the exit code (verify: 1 when anything is bad). */
export async function runCacheCommand(sub: string, dir: string, opts: CacheCommandOptions): Promise<number> {
  if (sub === 'verify') {
    const report = await verifyCache(dir);
    if (opts.json) opts.write(JSON.stringify(report, null, 2));
    else {
      opts.write(formatWalk(report));
      opts.write(
        report.ok
          ? 'verdict: OK, every blob and entry verifies'
          : `verdict: ${report.findings.length} problem(s); \`sgd-noise cache recover\` copies every entry that still verifies into a fresh file (the next run recomputes the rest)`,
      );
    }
    return report.ok ? 0 : 1;
  }
  if (sub === 'recover') {
    const report = await recoverCache(dir, { out: opts.out });
    if (opts.json) opts.write(JSON.stringify(report, null, 2));
    else {
      opts.write(formatWalk(report));
      const scan = report.scavenged;
      if (scan)
        opts.write(
          `page scan: ${scan.pagesScanned} pages, ${scan.found} manifests that prove their keys, ${scan.copied} entries added that LMDB's trees did not reach`,
        );
      opts.write(
        `recovered ${report.entries.copied} entries (LMDB's trees listed ${report.entries.checked}, ${report.entries.ok} of them verified) and ${report.fingerprintsCopied} fingerprints into ${report.recoveredDir}; the next run recomputes whatever is missing`,
      );
      if (report.damagedFile) opts.write(`kept the damaged file as ${report.damagedFile}`);
    }
    return 0;
  }
  throw new CacheSubcommandError(sub);
}

/** An unknown `cache` subcommand. */
export class CacheSubcommandError extends Error {
  /** Names what was given and what exists. */
  constructor(readonly given: string | undefined) {
    super(`cache: expected a subcommand (${CACHE_SUBCOMMANDS.join(', ')}), received ${given === undefined ? 'none' : `'${given}'`}`);
  }
}

function formatWalk(report: SalvageReport): string {
  const lines = [
    `cache file ${report.file}`,
    `  structure: ${report.structure.ok ? 'ok (meta pages, length, trees)' : `DAMAGED: ${report.structure.problem}`}`,
    `  blobs:     ${report.blobs.checked} checked, ${report.blobs.bad} bad`,
    `  entries:   ${report.entries.checked} checked, ${report.entries.ok} verify, ${report.entries.bad} bad`,
  ];
  if (!report.complete) lines.push(`  INCOMPLETE: the readers did not reach the end (${report.readersStarted} started)`);
  for (const f of report.findings.filter((x) => x.kind !== 'structure')) lines.push(`BAD ${f.kind}${f.key ? ` ${f.key.slice(0, 12)}` : ''}: ${f.problem}`);
  return lines.join('\n');
}

/** Subcommands of `sgd-noise cache` that work against a remote (they open the local cache normally). */
export const REMOTE_SUBCOMMANDS = ['push', 'pull', 'status'] as const;

/** What a remote subcommand works on. */
export interface RemoteCommandOptions {
  json: boolean;
  write(text: string): void;
  profile: string;
  cache: CacheStore;
  remote: CacheRemote;
  /** The plan instances selected by the targets (with their ancestors), in plan order. */
  instances: readonly { instance: string; key: string }[];
  /** Which side wins where both hold an entry and their results differ: push `local`, pull `remote` (default: neither). */
  keep?: 'local' | 'remote';
}

/** How to resolve divergent entries, for messages. */
const RESOLVE_DIVERGENCE = 'check which result is genuine, then `sgd-noise cache push --keep local` or `sgd-noise cache pull --keep remote`';

/**
 * Runs `cache push|pull|status` for the selected instances; returns the exit code: 1 when an entry was found
 * corrupt or refused and left so (push repairs a corrupt remote entry, pull a corrupt local one), or when both sides
 * hold an entry whose results differ and it was not resolved with `keep`, else 0.
 */
export async function runRemoteCommand(sub: (typeof REMOTE_SUBCOMMANDS)[number], opts: RemoteCommandOptions): Promise<number> {
  const { cache, remote, instances } = opts;
  const nameOf = new Map(instances.map((i) => [i.key, i.instance]));
  const named = (key: string) => ({ instance: nameOf.get(key) ?? null, key });
  const label = (key: string) => `${nameOf.get(key) ?? '?'} (${key.slice(0, 12)})`;
  const keys = instances.map((i) => i.key);
  if (sub === 'status') {
    const rows = (await compareEntries(cache, remote, keys)).map((r) => ({ instance: nameOf.get(r.key)!, ...r }));
    const pick = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f);
    const remoteLacks = pick((r) => r.local === 'present' && r.remote !== 'present');
    const localLacks = pick((r) => r.remote === 'present' && r.local !== 'present');
    const neither = pick((r) => r.remote !== 'present' && r.local !== 'present');
    const both = pick((r) => r.remote === 'present' && r.local === 'present');
    const corrupt = rows.flatMap((r) => [
      ...(r.localReason ? [{ instance: r.instance, key: r.key, side: 'local' as const, reason: r.localReason }] : []),
      ...(r.remoteReason
        ? [{ instance: r.instance, key: r.key, side: 'remote' as const, reason: r.remoteReason, ...(r.remote === 'refused' ? { refused: true } : {}) }]
        : []),
    ]);
    const divergent = rows.flatMap((r) =>
      r.difference ? [{ instance: r.instance, key: r.key, difference: r.difference, reason: formatDifference(r.difference) }] : [],
    );
    const bytes = (xs: typeof rows) => xs.reduce((a, r) => a + r.bytes, 0);
    const counts = { both: both.length, remoteLacks: remoteLacks.length, localLacks: localLacks.length, neither: neither.length, corrupt: corrupt.length };
    if (opts.json) {
      const ids = (xs: typeof rows) => xs.map((r) => r.instance);
      opts.write(
        JSON.stringify(
          {
            profile: opts.profile,
            remote: remote.location,
            cache: cache.dir,
            instances: rows,
            remoteLacks: ids(remoteLacks),
            localLacks: ids(localLacks),
            neither: ids(neither),
            corrupt,
            divergent,
            counts,
            bytes: { remoteLacks: bytes(remoteLacks), localLacks: bytes(localLacks) },
          },
          null,
          2,
        ),
      );
    } else {
      opts.write(`remote ${remote.location}, local cache ${cache.dir}, profile ${opts.profile}`);
      const width = Math.max(0, ...rows.map((r) => r.instance.length));
      for (const r of rows) {
        const state = r.difference
          ? 'DIFFERS'
          : r.local === 'present'
            ? r.remote === 'present'
              ? 'both'
              : 'push'
            : r.remote === 'present'
              ? 'pull'
              : 'neither';
        const signed = r.signer !== undefined ? `signed by ${r.signer}` : '';
        const why = {
          DIFFERS: 'both sides hold it, with different results',
          both: signed,
          push: 'the remote lacks it',
          pull: `the local cache lacks it${signed ? ` (${signed})` : ''}`,
          neither: 'on neither side',
        }[state];
        opts.write(`${state.padEnd(8)} ${r.instance.padEnd(width)}  ${formatBytes(r.bytes).padStart(9)}  ${why}`.trimEnd());
      }
      for (const c of corrupt) opts.write(`${'refused' in c ? 'REFUSED' : 'CORRUPT'}  ${c.side} ${label(c.key)}: ${c.reason}`);
      for (const d of divergent) opts.write(`DIFFERS  ${label(d.key)}: ${d.reason}`);
      opts.write(
        `${counts.both} on both sides; the remote lacks ${counts.remoteLacks} (${formatBytes(bytes(remoteLacks))}, \`sgd-noise cache push\`), the local cache lacks ${counts.localLacks} (${formatBytes(bytes(localLacks))}, \`sgd-noise cache pull\`); ${counts.neither} on neither; ${counts.corrupt} corrupt or refused; ${divergent.length} divergent` +
          (divergent.length > 0 ? ` (${RESOLVE_DIVERGENCE})` : ''),
      );
    }
    return corrupt.length > 0 || divergent.length > 0 ? 1 : 0;
  }
  const report =
    sub === 'push'
      ? await pushEntries(cache, remote, keys, opts.keep === 'local' ? { keep: 'local' } : {})
      : await pullEntries(remote, cache, keys, opts.keep === 'remote' ? { keep: 'remote' } : {});
  const unrepaired = report.corrupt.filter((c) => !c.repaired);
  const unresolved = report.divergent.filter((d) => !d.replaced);
  if (opts.json) {
    opts.write(
      JSON.stringify(
        {
          ...report,
          profile: opts.profile,
          cache: cache.dir,
          transferred: report.transferred.map(named),
          missing: report.missing.map(named),
          corrupt: report.corrupt.map((c) => ({
            ...named(c.key),
            side: c.side,
            reason: c.reason,
            repaired: c.repaired,
            ...(c.refused ? { refused: true } : {}),
          })),
          divergent: report.divergent.map((d) => ({ ...named(d.key), difference: d.difference, reason: d.reason, replaced: d.replaced })),
        },
        null,
        2,
      ),
    );
  } else {
    const verb = sub === 'push' ? 'pushed ' : 'pulled ';
    for (const key of report.transferred) opts.write(`${verb}  ${label(key)}`);
    for (const c of report.corrupt) {
      opts.write(
        `${c.refused ? 'REFUSED' : 'CORRUPT'}  ${c.side} ${label(c.key)}: ${c.reason}${c.repaired ? ` (replaced by the verified ${c.side === 'remote' ? 'local' : 'remote'} copy)` : sub === 'push' ? ' (not pushed)' : ' (not imported)'}`,
      );
    }
    for (const d of report.divergent) {
      const how = d.replaced
        ? ` (replaced the ${sub === 'push' ? "remote's entry by the local one" : "local entry by the remote's"}, --keep ${sub === 'push' ? 'local' : 'remote'})`
        : ` (left as they are: ${RESOLVE_DIVERGENCE})`;
      opts.write(`DIFFERS  ${label(d.key)}: ${d.reason}${how}`);
    }
    const { entries, blobs, bytes } = report;
    const lacks = sub === 'push' ? 'not in the local cache' : 'not in the remote';
    const there = sub === 'push' ? 'already in the remote' : 'already here';
    opts.write(
      `${sub} ${sub === 'push' ? 'to' : 'from'} ${remote.location}: ${entries.transferred} entries ${sub === 'push' ? 'uploaded' : 'downloaded'} (${blobs.transferred} blobs, ${formatBytes(bytes.transferred)}), ${entries.present} ${there}, ${entries.missing} ${lacks}, ${entries.corrupt} corrupt, ${report.divergent.length} divergent` +
        (sub === 'push' ? `; removed ${report.cleaned.length} temporary file(s) of dead writers` : ''),
    );
  }
  return unrepaired.length > 0 || unresolved.length > 0 ? 1 : 0;
}
