/** `sgd-noise cache verify|recover`: the CLI side of cache/verify.ts and cache/recover.ts (text or JSON reports). */
import { recoverCache } from '../cache/recover.ts';
import type { SalvageReport } from '../cache/salvage.ts';
import { verifyCache } from '../cache/verify.ts';

/** Subcommands of `sgd-noise cache`. */
export const CACHE_SUBCOMMANDS = ['verify', 'recover'] as const;

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
      if (scan) opts.write(`page scan: ${scan.pagesScanned} pages, ${scan.found} manifests that prove their keys, ${scan.copied} entries added that LMDB's trees did not reach`);
      opts.write(`recovered ${report.entries.copied} entries (LMDB's trees listed ${report.entries.checked}, ${report.entries.ok} of them verified) and ${report.fingerprintsCopied} fingerprints into ${report.recoveredDir}; the next run recomputes whatever is missing`);
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
