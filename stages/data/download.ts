/** Verified downloads: a file is streamed to a temporary name, its digest checked, and only then moved into place. */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The expected digest of a download. */
export interface Digest {
  algorithm: 'md5' | 'sha256';
  hex: string;
}

/** Where a fetch reports: one line before it starts (URL and size), then byte progress. */
export interface FetchReport {
  log?: (line: string) => void;
  progress?: (done: number, total: number, note?: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** One-line reason of a failed `fetch` (its cause's code or message, not "fetch failed"). */
export function fetchFailure(url: string, err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${url}: ${cause ? `${e.message} (${cause})` : e.message}`;
}

/** Streams `url` into `dest` (replacing it) and returns the hex digest of the bytes; throws naming the URL. */
export async function fetchToFile(url: string, dest: string, digest: Digest['algorithm'], r: FetchReport = {}): Promise<string> {
  const signals = [AbortSignal.timeout(r.timeoutMs ?? 30 * 60_000), ...(r.signal ? [r.signal] : [])];
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any(signals) });
  } catch (err) {
    throw new Error(fetchFailure(url, err));
  }
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  r.log?.(`downloading ${url}${total > 0 ? ` (${(total / 1e6).toFixed(1)} MB)` : ''}`);
  const hash = createHash(digest);
  let done = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    done += chunk.length;
    if (total > 0) r.progress?.(done, total, `${path.basename(dest)} (bytes)`);
  });
  mkdirSync(path.dirname(dest), { recursive: true });
  try {
    await pipeline(body, createWriteStream(dest));
  } catch (err) {
    rmSync(dest, { force: true });
    throw new Error(fetchFailure(url, err));
  }
  return hash.digest('hex');
}

/** Downloads `url` to `dest` unless it is already there; throws naming the URL on an HTTP error or a wrong digest. */
export async function downloadVerified(url: string, dest: string, digest: Digest, report: FetchReport = {}): Promise<void> {
  if (existsSync(dest)) return;
  const tmp = `${dest}.${process.pid}.tmp`;
  const got = await fetchToFile(url, tmp, digest.algorithm, report);
  if (got !== digest.hex) {
    rmSync(tmp, { force: true });
    throw new Error(`${url}: checksum mismatch (${digest.algorithm} ${got}, expected ${digest.hex})`);
  }
  renameSync(tmp, dest);
}
