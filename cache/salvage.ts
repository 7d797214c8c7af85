/**
 * Reads a possibly damaged cache through child processes (salvage-reader.ts) and gathers what each item turned out
 * to be. A reader that dies of a signal while reading an item marks that item unreadable, and a new reader resumes
 * after it; a reader that dies between items (inside LMDB's tree) ends the walk, and the report says where.
 * A truncated file is read from a copy padded with zeros to its stated length, so that the missing pages read as
 * empty (bad entries) instead of killing the reader. When recovering from a damaged file, a scan of every page
 * (scavenge.ts) then adds the entries that LMDB's trees no longer reach.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLmdbFile } from './lmdb-check.ts';
import { EXIT_WITH_PARENT_OPTIONS } from './orphan-guard.ts';
import { LmdbFileReader } from './lmdb-file.ts';
import { scavengeFile } from './scavenge.ts';
import { CacheStore } from './store.ts';
import type { SalvageJob, SalvageMessage, SalvagePass } from './salvage-protocol.ts';

const READER = fileURLToPath(new URL('./salvage-reader.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** Readers started at most for one salvage (each death skips one item). */
const MAX_READERS = 50;

/** One problem found, named by what and where. */
export interface SalvageFinding {
  kind: 'structure' | 'table' | 'blob' | 'entry' | 'reader';
  /** The key or blob hash concerned, if any. */
  key?: string;
  problem: string;
}

/** What a salvage walk found. */
export interface SalvageReport {
  file: string;
  /** The structural check of the file (meta pages, trees), before any mapping. */
  structure: { ok: boolean; problem?: string };
  /** Whether the readers reached the end of both passes. */
  complete: boolean;
  blobs: { checked: number; bad: number };
  entries: { checked: number; ok: number; copied: number; bad: number };
  /** Entries that verified, by key, with their instance. */
  good: { key: string; instance: string }[];
  fingerprintsCopied: number;
  readersStarted: number;
  /** Recover only, when the readers found damage: entries taken from a scan of every page (see scavenge.ts). */
  scavenged?: { pagesScanned: number; found: number; copied: number };
  findings: SalvageFinding[];
}

/** Options of {@link salvageCache}. */
export interface SalvageOptions {
  /** Directory of a fresh cache to copy verified entries into (recover); without it, only verify. */
  targetDir?: string;
}

/**
 * Walks every blob and manifest of the cache in `dir` in child processes and reports what is bad; with `targetDir`
 * also copies every verified entry there. The caller holds the cache's lock (shared to verify, exclusive to recover).
 */
export async function salvageCache(dir: string, { targetDir }: SalvageOptions = {}): Promise<SalvageReport> {
  const file = path.join(dir, 'cache.mdb');
  const check = checkLmdbFile(file);
  const report: SalvageReport = {
    file,
    structure: check.ok ? { ok: true } : { ok: false, problem: check.problem },
    complete: false,
    blobs: { checked: 0, bad: 0 },
    entries: { checked: 0, ok: 0, copied: 0, bad: 0 },
    good: [],
    fingerprintsCopied: 0,
    readersStarted: 0,
    findings: check.ok ? [] : [{ kind: 'structure', problem: check.problem }],
  };
  let sourceDir = dir;
  let scratch: string | undefined;
  if (!check.ok && check.neededBytes !== undefined) {
    scratch = mkdtempSync(path.join(dir, '.salvage-'));
    copyFileSync(file, path.join(scratch, 'cache.mdb'));
    truncateSync(path.join(scratch, 'cache.mdb'), check.neededBytes);
    sourceDir = scratch;
  }
  try {
    const job: SalvageJob = { sourceDir, targetDir, unreadableBlobs: [] };
    if (!check.ok && check.kind === 'meta') {
      report.findings.push({ kind: 'reader', problem: "no meta page can be trusted, so LMDB's trees cannot be walked" });
    }
    while (check.ok || check.kind !== 'meta') {
      if (report.readersStarted >= MAX_READERS) break;
      report.readersStarted++;
      const run = runReader(job);
      let current: { pass: SalvagePass; key: string } | undefined;
      for (const message of run.messages) {
        if (message.type === 'begin') current = { pass: message.pass, key: message.key };
        else if (message.type === 'table' && message.listed !== message.recorded) {
          report.findings.push({
            kind: 'table',
            problem: `table '${message.table}': LMDB's record counts ${message.recorded} entries, a walk of its keys reaches ${message.listed} (page damage)`,
          });
        } else if (message.type === 'blob') {
          report.blobs.checked++;
          if (message.state !== 'intact') {
            report.blobs.bad++;
            report.findings.push({
              kind: 'blob',
              key: message.key,
              problem: message.state === 'missing' ? 'listed but unreadable' : 'bytes do not match their hash',
            });
          }
          current = undefined;
        } else if (message.type === 'entry') {
          report.entries.checked++;
          if (message.ok) {
            report.entries.ok++;
            report.good.push({ key: message.key, instance: message.instance ?? '?' });
            if (message.copied) report.entries.copied++;
          } else {
            report.entries.bad++;
            report.findings.push({ kind: 'entry', key: message.key, problem: message.problem ?? 'bad' });
          }
          current = undefined;
        } else if (message.type === 'fingerprints') report.fingerprintsCopied = message.copied;
        else if (message.type === 'fatal') report.findings.push({ kind: 'reader', problem: message.message });
        else if (message.type === 'done') report.complete = true;
      }
      if (report.complete || run.signal === null) break; // finished, or stopped with a reported error
      const died = `the reader died of ${run.signal}`;
      if (!current) {
        report.findings.push({
          kind: 'reader',
          problem: `${died} ${job.resume ? `after ${job.resume.pass} key ${job.resume.after}` : 'before reading any item'}, inside LMDB's own pages; the items after it could not be listed`,
        });
        break;
      }
      report.findings.push({ kind: current.pass === 'blobs' ? 'blob' : 'entry', key: current.key, problem: `reading it killed the reader (${run.signal})` });
      if (current.pass === 'blobs') {
        report.blobs.checked++;
        report.blobs.bad++;
        job.unreadableBlobs.push(current.key);
      } else {
        report.entries.checked++;
        report.entries.bad++;
      }
      job.resume = { pass: current.pass, after: current.key };
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  const damaged = !report.complete || report.findings.length > 0;
  if (targetDir && damaged) report.scavenged = await scavengeInto(file, check.ok ? check.meta?.pageSize : undefined, targetDir, report);
  return report;
}

/** Copies into `targetDir` every entry a page scan of `file` finds that the readers did not already copy. */
async function scavengeInto(file: string, pageSize: number | undefined, targetDir: string, report: SalvageReport): Promise<SalvageReport['scavenged']> {
  const size = pageSize ?? statedPageSize(file) ?? 4096;
  const scan = scavengeFile(file, size);
  const target = CacheStore.open(targetDir, { lock: false });
  const copied = new Set(report.good.map((g) => g.key));
  let added = 0;
  try {
    for (const [key, manifest] of scan.manifests) {
      if (copied.has(key)) continue;
      const blobs: { hash: string; bytes: Buffer }[] = [];
      let complete = true;
      for (const ref of Object.values(manifest.outputs)) {
        const bytes = scan.readBlob(ref.blob);
        if (bytes) blobs.push({ hash: ref.blob, bytes });
        else if (target.blobState(ref.blob) !== 'intact') complete = false;
      }
      if (!complete) continue;
      await target.importEntry(manifest, blobs);
      report.good.push({ key, instance: manifest.instance });
      report.entries.copied++;
      added++;
    }
  } finally {
    scan.close();
    await target.close();
  }
  return { pagesScanned: scan.pagesScanned, found: scan.manifests.size, copied: added };
}

function statedPageSize(file: string): number | undefined {
  const reader = new LmdbFileReader(file);
  try {
    return reader.statedPageSize();
  } finally {
    reader.close();
  }
}

/** Runs one reader to its end; its stdout lines as messages, and the signal that ended it (null if it exited). */
function runReader(job: SalvageJob): { messages: SalvageMessage[]; signal: NodeJS.Signals | null; stderr: string } {
  const result = spawnSync(process.execPath, [...EXIT_WITH_PARENT_OPTIONS, '--import', TSX, READER, JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: SalvageMessage[] = [];
  for (const line of (result.stdout ?? '').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      messages.push(JSON.parse(line) as SalvageMessage);
    } catch {
      // a line cut off by the reader's death
    }
  }
  if (result.error) messages.push({ type: 'fatal', message: `cannot start the salvage reader: ${result.error.message}` });
  else if (result.signal === null && result.status !== 0 && !messages.some((m) => m.type === 'fatal')) {
    messages.push({
      type: 'fatal',
      message: `the salvage reader exited with code ${result.status}: ${(result.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`,
    });
  }
  return { messages, signal: result.signal, stderr: result.stderr ?? '' };
}
