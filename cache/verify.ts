/** `cache verify`: every blob and manifest of a cache checked in child processes, under the cache's shared lock. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CacheLock } from './cache-lock.ts';
import { CacheError } from './errors.ts';
import { salvageCache, type SalvageReport } from './salvage.ts';

/** The verdict of {@link verifyCache}: the salvage walk's findings, and whether there are none. */
export interface VerifyReport extends SalvageReport {
  ok: boolean;
}

/**
 * Checks the cache in `dir`: the file's structure against its meta pages, every blob against its hash, every manifest
 * against its schema and its key, and every blob an entry uses. Never maps the file in this process.
 */
export async function verifyCache(dir: string): Promise<VerifyReport> {
  const file = path.join(dir, 'cache.mdb');
  if (!existsSync(file)) throw new CacheError(`no cache file at ${file}: nothing to verify`);
  const lock = CacheLock.shared(dir);
  try {
    const report = await salvageCache(dir);
    return { ...report, ok: report.findings.length === 0 && report.complete };
  } finally {
    lock.release();
  }
}
