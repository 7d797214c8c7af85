/** Verified downloads: a file is fetched, its digest checked, and only then moved into place (atomically). */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The expected digest of a download. */
export interface Digest {
  algorithm: 'md5' | 'sha256';
  hex: string;
}

/** Downloads `url` to `dest` unless it is already there; throws naming the URL on an HTTP error or a wrong digest. */
export async function downloadVerified(url: string, dest: string, digest: Digest, timeoutMs = 30 * 60_000): Promise<void> {
  if (existsSync(dest)) return;
  mkdirSync(path.dirname(dest), { recursive: true });
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const got = createHash(digest.algorithm).update(bytes).digest('hex');
  if (got !== digest.hex) throw new Error(`${url}: checksum mismatch (${digest.algorithm} ${got}, expected ${digest.hex})`);
  const tmp = `${dest}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, dest);
}
