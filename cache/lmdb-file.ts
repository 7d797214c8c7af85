/**
 * Reads an LMDB data file's structure with plain file reads (no memory map), so that a damaged file can be examined
 * without the SIGBUS/SIGSEGV that mapping it would cause. Knows the on-disk layout of the LMDB that lmdb-js 3.x
 * builds (64-bit): 24-byte page headers, two meta pages at pages 0 and 1, B+trees of branch/leaf pages, overflow pages.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Stamp of every LMDB meta page. */
export const LMDB_MAGIC = 0xbeefc0de;
/** The data-format version this LMDB writes (low 16 bits of `mm_version`). */
export const LMDB_DATA_VERSION = 2;
/** Size of a page header: pgno (8), txnid (8), pad (2), flags (2), lower/upper or overflow page count (4). */
export const PAGE_HEADER_BYTES = 24;

/** Page flags. */
export const P_BRANCH = 0x01;
export const P_LEAF = 0x02;
export const P_OVERFLOW = 0x04;
export const P_META = 0x08;
export const P_LEAF2 = 0x20;
/** Node flags. */
export const F_BIGDATA = 0x01;
export const F_SUBDATA = 0x02;
/** Database flag: duplicates sorted (not used by this cache; its trees are not counted exactly). */
export const MDB_DUPSORT = 0x04;

const META_OFFSET = PAGE_HEADER_BYTES; // MDB_meta starts right after the page header
const META_BYTES = 168; // magic, version, address, mapsize, 2 × MDB_db, last_pg, txnid, boot_id
const DB_RECORD_BYTES = 48;
const NODE_HEADER_BYTES = 8;
const INVALID_PGNO = 2n ** 64n - 1n;

/** One B+tree's record (MDB_db): the root and the counts LMDB keeps for it. */
export interface DbRecord {
  flags: number;
  depth: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
  entries: number;
  /** Root page number, or null for an empty tree. */
  root: number | null;
}

/** One meta page, as read. */
export interface MetaPage {
  /** 0 or 1: which of the two meta pages. */
  slot: number;
  pageSize: number;
  /** `mm_last_pg`: the highest page number the file is meant to hold. */
  lastPage: number;
  txnid: number;
  freeDb: DbRecord;
  mainDb: DbRecord;
}

/** Where a page lives and what its header says. */
export interface PageHeader {
  pgno: number;
  txnid: number;
  flags: number;
  lower: number;
  upper: number;
  /** For overflow pages: how many consecutive pages hold the value. */
  overflowPages: number;
}

/** A leaf node: its key bytes and either its inline value or the overflow page holding it. */
export interface LeafNode {
  flags: number;
  key: Buffer;
  /** Size of the value in bytes. */
  dataSize: number;
  /** Inline value (absent for F_BIGDATA). */
  data?: Buffer;
  /** First overflow page of an F_BIGDATA value. */
  overflowPage?: number;
}

/** Random access to the pages of an LMDB file through `pread`; never maps the file. */
export class LmdbFileReader {
  private readonly fd: number;
  /** Size of the file in bytes when it was opened. */
  readonly fileBytes: number;

  /** Opens `file` read-only. */
  constructor(readonly file: string) {
    this.fd = openSync(file, 'r');
    this.fileBytes = fstatSync(this.fd).size;
  }

  /** Reads `length` bytes at `offset`; fewer when the file ends first. */
  read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    const n = offset >= this.fileBytes ? 0 : readSync(this.fd, buf, 0, length, offset);
    return n === length ? buf : buf.subarray(0, n);
  }

  /** The meta page in `slot` (0 or 1) for a given page size, or why it is not a valid meta page. */
  readMeta(slot: number, pageSize: number): MetaPage | { problem: string } {
    const where = `meta page ${slot} (offset ${slot * pageSize})`;
    const buf = this.read(slot * pageSize, META_OFFSET + META_BYTES);
    if (buf.length < META_OFFSET + META_BYTES) return { problem: `${where} is cut off: the file is only ${this.fileBytes} bytes` };
    const flags = buf.readUInt16LE(18);
    const magic = buf.readUInt32LE(META_OFFSET);
    if (magic !== LMDB_MAGIC) {
      return { problem: `${where} does not start with LMDB's magic number 0x${LMDB_MAGIC.toString(16)} (found 0x${magic.toString(16).padStart(8, '0')})` };
    }
    if (!(flags & P_META)) return { problem: `${where} is not flagged as a meta page (page flags 0x${flags.toString(16)})` };
    const version = buf.readUInt32LE(META_OFFSET + 4) & 0xffff;
    if (version !== LMDB_DATA_VERSION) return { problem: `${where} has data version ${version}, expected ${LMDB_DATA_VERSION}` };
    const freeDb = readDbRecord(buf, META_OFFSET + 24);
    const size = buf.readUInt32LE(META_OFFSET + 24); // mm_psize lives in the free DB's md_pad
    if (size !== pageSize) return { problem: `${where} gives page size ${size}, expected ${pageSize}` };
    const lastPage = Number(buf.readBigUInt64LE(META_OFFSET + 24 + 2 * DB_RECORD_BYTES));
    const txnid = Number(buf.readBigUInt64LE(META_OFFSET + 24 + 2 * DB_RECORD_BYTES + 8));
    if (lastPage < 1) return { problem: `${where} gives last page ${lastPage}; at least the two meta pages exist` };
    return { slot, pageSize, lastPage, txnid, freeDb, mainDb: readDbRecord(buf, META_OFFSET + 24 + DB_RECORD_BYTES) };
  }

  /** The page size stated by meta page 0, if it states a plausible one (a power of two from 512 to 65536). */
  statedPageSize(): number | undefined {
    const buf = this.read(0, META_OFFSET + 28);
    if (buf.length < META_OFFSET + 28) return undefined;
    const size = buf.readUInt32LE(META_OFFSET + 24);
    return size >= 512 && size <= 65536 && (size & (size - 1)) === 0 ? size : undefined;
  }

  /** The header of page `pgno` (the caller has checked that the page lies inside the file). */
  pageHeader(pgno: number, pageSize: number): PageHeader {
    const buf = this.read(pgno * pageSize, PAGE_HEADER_BYTES);
    return {
      pgno: Number(buf.readBigUInt64LE(0)),
      txnid: Number(buf.readBigUInt64LE(8)),
      flags: buf.readUInt16LE(18),
      lower: buf.readUInt16LE(20),
      upper: buf.readUInt16LE(22),
      overflowPages: buf.readUInt32LE(20),
    };
  }

  /** A whole page. */
  page(pgno: number, pageSize: number): Buffer {
    return this.read(pgno * pageSize, pageSize);
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }
}

/** Decodes an MDB_db record at `offset`. */
export function readDbRecord(buf: Buffer, offset: number): DbRecord {
  const root = buf.readBigUInt64LE(offset + 40);
  return {
    flags: buf.readUInt16LE(offset + 4),
    depth: buf.readUInt16LE(offset + 6),
    branchPages: Number(buf.readBigUInt64LE(offset + 8)),
    leafPages: Number(buf.readBigUInt64LE(offset + 16)),
    overflowPages: Number(buf.readBigUInt64LE(offset + 24)),
    entries: Number(buf.readBigUInt64LE(offset + 32)),
    root: root === INVALID_PGNO ? null : Number(root),
  };
}

/** Size of the MDB_db record a sub-database node holds. */
export const DB_RECORD_SIZE = DB_RECORD_BYTES;

/** Byte offset of node `i` of a page, or why it is out of bounds. */
export function nodeOffset(page: Buffer, i: number, upper: number): number | string {
  const ptr = page.readUInt16LE(PAGE_HEADER_BYTES + 2 * i);
  const offset = ptr + PAGE_HEADER_BYTES;
  if (ptr < upper || offset + NODE_HEADER_BYTES > page.length) return `node ${i} points to offset ${offset}, outside the page's node area`;
  return offset;
}

/** Child page number of a branch node at `offset`. */
export function branchChild(page: Buffer, offset: number): number {
  return page.readUInt16LE(offset) + page.readUInt16LE(offset + 2) * 0x10000 + page.readUInt16LE(offset + 4) * 0x100000000;
}

/** Decodes a leaf node at `offset`, or says why it does not fit in its page. */
export function leafNode(page: Buffer, offset: number): LeafNode | string {
  const dataSize = page.readUInt16LE(offset) + page.readUInt16LE(offset + 2) * 0x10000;
  const flags = page.readUInt16LE(offset + 4);
  const keySize = page.readUInt16LE(offset + 6);
  const keyStart = offset + NODE_HEADER_BYTES;
  const dataStart = keyStart + keySize;
  const key = page.subarray(keyStart, Math.min(dataStart, page.length));
  if (flags & F_BIGDATA) {
    if (dataStart + 8 > page.length) return `a node's key (${keySize} bytes) runs past the end of the page`;
    return { flags, key, dataSize, overflowPage: Number(page.readBigUInt64LE(dataStart)) };
  }
  if (dataStart + dataSize > page.length) return `a node (key ${keySize} bytes, value ${dataSize} bytes) runs past the end of the page`;
  return { flags, key, dataSize, data: page.subarray(dataStart, dataStart + dataSize) };
}

/** Number of pages an overflow value of `bytes` occupies (LMDB's OVPAGES). */
export function overflowPageCount(bytes: number, pageSize: number): number {
  return Math.floor((PAGE_HEADER_BYTES - 1 + bytes) / pageSize) + 1;
}
