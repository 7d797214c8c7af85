/**
 * Last-resort salvage of a damaged cache file: scans every page with `pread` (never a memory map, so it cannot crash)
 * for leaf pages whose header names their own position, and takes from them every record that proves itself: a blob
 * whose bytes hash to its key, a manifest that validates under its key. Entries whose tree LMDB can no longer walk
 * (a truncated root, an overwritten branch page) are found this way. Content addressing makes stale copies on freed
 * pages harmless: whatever verifies is right.
 */
import { sha256Hex } from './hash.ts';
import { F_BIGDATA, LmdbFileReader, PAGE_HEADER_BYTES, P_LEAF, P_LEAF2, P_OVERFLOW, leafNode, nodeOffset, overflowPageCount } from './lmdb-file.ts';
import { validateManifest } from './manifest-check.ts';
import type { Manifest } from './manifest.ts';

const HEX64 = /^[0-9a-f]{64}$/;

/** Where a verified blob's bytes lie in the file. */
interface BlobLocation {
  offset: number;
  bytes: number;
}

/** What a scan found: verified manifests and blobs, and how many pages it looked at. */
export interface ScavengeResult {
  pagesScanned: number;
  manifests: Map<string, Manifest>;
  /** Reads a verified blob's bytes again (undefined if the scan did not find it). */
  readBlob(hash: string): Buffer | undefined;
  /** Closes the file. */
  close(): void;
}

/** Scans `file` (pages of `pageSize` bytes) for self-proving manifests and blobs. */
export function scavengeFile(file: string, pageSize: number): ScavengeResult {
  const reader = new LmdbFileReader(file);
  const pages = Math.floor(reader.fileBytes / pageSize);
  const manifests = new Map<string, Manifest>();
  const blobs = new Map<string, BlobLocation>();
  const valueAt = (node: Exclude<ReturnType<typeof leafNode>, string>): { bytes: Buffer; location: BlobLocation } | undefined => {
    if (!(node.flags & F_BIGDATA)) return node.data && { bytes: node.data, location: { offset: -1, bytes: node.dataSize } };
    const first = node.overflowPage!;
    const count = overflowPageCount(node.dataSize, pageSize);
    if (first < 2 || first + count > pages) return undefined;
    const header = reader.pageHeader(first, pageSize);
    if (header.pgno !== first || !(header.flags & P_OVERFLOW)) return undefined;
    const offset = first * pageSize + PAGE_HEADER_BYTES;
    return { bytes: reader.read(offset, node.dataSize), location: { offset, bytes: node.dataSize } };
  };
  for (let pgno = 2; pgno < pages; pgno++) {
    const header = reader.pageHeader(pgno, pageSize);
    if (header.pgno !== pgno || (header.flags & (P_LEAF | P_LEAF2 | P_OVERFLOW)) !== P_LEAF) continue;
    if (header.lower % 2 !== 0 || header.lower > header.upper || header.upper > pageSize - PAGE_HEADER_BYTES) continue;
    const page = reader.page(pgno, pageSize);
    for (let i = 0; i < header.lower >> 1; i++) {
      const offset = nodeOffset(page, i, header.upper);
      if (typeof offset === 'string') continue;
      const node = leafNode(page, offset);
      if (typeof node === 'string') continue;
      const key = node.key.toString('latin1');
      if (!HEX64.test(key) || manifests.has(key) || blobs.has(key)) continue;
      const value = valueAt(node);
      if (!value) continue;
      if (sha256Hex(value.bytes) === key) {
        blobs.set(key, value.location.offset >= 0 ? value.location : { offset: pgno * pageSize + (offset + 8 + node.key.length), bytes: node.dataSize });
        continue;
      }
      const manifest = parseManifest(key, value.bytes);
      if (manifest) manifests.set(key, manifest);
    }
  }
  return {
    pagesScanned: Math.max(0, pages - 2),
    manifests,
    readBlob(hash) {
      const at = blobs.get(hash);
      if (!at) return undefined;
      const bytes = reader.read(at.offset, at.bytes);
      return sha256Hex(bytes) === hash ? bytes : undefined;
    },
    close: () => reader.close(),
  };
}

function parseManifest(key: string, bytes: Buffer): Manifest | undefined {
  if (bytes[0] !== 0x7b) return undefined; // '{'
  try {
    return validateManifest(key, JSON.parse(bytes.toString('utf8')));
  } catch {
    return undefined;
  }
}
