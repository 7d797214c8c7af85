/**
 * A cheap structural check of an LMDB data file before anything maps it: both meta pages (magic, version, page
 * size), the file length against the newest meta page's last page (see judgeLength), and every page of every B+tree reachable from it
 * (page numbers in their headers, page kinds, node bounds, overflow runs, and entry and page counts against the trees'
 * own records). It reads page headers and tree pages only, never the values, so it costs milliseconds.
 *
 * LMDB has no checksums: damage inside a value (a blob's bytes) is invisible here; the blob hashes catch that.
 */
import { existsSync, statSync } from 'node:fs';
import {
  DB_RECORD_SIZE,
  F_BIGDATA,
  F_SUBDATA,
  LmdbFileReader,
  MDB_DUPSORT,
  PAGE_HEADER_BYTES,
  P_BRANCH,
  P_LEAF,
  P_LEAF2,
  P_OVERFLOW,
  branchChild,
  leafNode,
  nodeOffset,
  overflowPageCount,
  readDbRecord,
  type DbRecord,
  type MetaPage,
} from './lmdb-file.ts';

/** What the walk found in one tree. */
export interface TreeSummary {
  entries: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
}

/** Outcome of {@link checkLmdbFile}: the first problem found, or the newest meta page and each named tree's counts. */
export type LmdbCheck =
  | { ok: true; empty: boolean; meta?: MetaPage; fileBytes: number; tables: Record<string, TreeSummary> }
  | {
      ok: false;
      problem: string;
      /** 'meta': no meta page can be trusted (nothing can be found); 'truncated': shorter than stated; 'tree': a page. */
      kind: 'meta' | 'truncated' | 'tree';
      /** For a truncated file: the length its meta page states. */
      neededBytes?: number;
    };

/** How many times a walk that failed is repeated when another process committed meanwhile. */
const RETRIES_ON_CONCURRENT_COMMIT = 5;

/**
 * Checks `file` against its own meta pages and trees. A missing or empty file is fine (LMDB creates it). Safe on any
 * bytes: only `pread`, no memory map. A failure seen while another process commits is re-checked on the new snapshot.
 */
export function checkLmdbFile(file: string): LmdbCheck {
  if (!existsSync(file) || statSync(file).size === 0) return { ok: true, empty: true, fileBytes: 0, tables: {} };
  let result: LmdbCheck = { ok: false, kind: 'tree', problem: 'not checked' };
  for (let attempt = 0; attempt <= RETRIES_ON_CONCURRENT_COMMIT; attempt++) {
    const reader = new LmdbFileReader(file);
    try {
      const before = newestMeta(reader);
      if ('problem' in before) return { ok: false, ...before };
      result = judgeLength(reader, before, walk(reader, before));
      if (result.ok) return result;
      // A commit between opening the reader (its size) and reading the meta page (the commit's) looks like truncation:
      // only a file that neither grew nor got a newer meta page since is really damaged.
      const grew = statSync(file).size !== reader.fileBytes;
      const after = newestMetaOf(file);
      if (!grew && ('problem' in after || after.txnid === before.txnid)) return result;
    } finally {
      reader.close();
    }
  }
  return result;
}

/**
 * Bytes of `file` that its newest meta page uses ((last page + 1) × page size); undefined for a missing or empty file
 * or one whose meta pages cannot be trusted. What lies beyond is pages of write transactions that never committed.
 */
export function committedBytes(file: string): number | undefined {
  if (!existsSync(file) || statSync(file).size === 0) return undefined;
  const meta = newestMetaOf(file);
  return 'problem' in meta ? undefined : (meta.lastPage + 1) * meta.pageSize;
}

/** Why no meta page can be trusted. */
interface MetaProblem {
  problem: string;
  kind: 'meta';
}

/** {@link newestMeta} of a file opened for the purpose. */
function newestMetaOf(file: string): MetaPage | MetaProblem {
  const reader = new LmdbFileReader(file);
  try {
    return newestMeta(reader);
  } finally {
    reader.close();
  }
}

/** The newer of the two meta pages after checking both, or the problem that makes the file unusable. */
function newestMeta(reader: LmdbFileReader): MetaPage | MetaProblem {
  const minimum = PAGE_HEADER_BYTES + 168;
  if (reader.fileBytes < minimum) return { kind: 'meta', problem: `the file is ${reader.fileBytes} bytes, too short for LMDB's meta pages` };
  const pageSize = reader.statedPageSize() ?? 4096;
  const metas = [reader.readMeta(0, pageSize), reader.readMeta(1, pageSize)];
  for (const m of metas) if ('problem' in m) return { kind: 'meta', problem: m.problem };
  const [a, b] = metas as MetaPage[];
  return a!.txnid >= b!.txnid ? a! : b!;
}

/**
 * Pages at the end of the file that LMDB freed before ever writing them may be missing ("the file may be shorter if
 * the freeDB lists the final pages", mdb.c): a file shorter than its newest meta page states is accepted when every
 * page the trees reach is inside it and at most {@link UNWRITTEN_FREE_PAGES} pages are missing; otherwise truncated.
 */
function judgeLength(reader: LmdbFileReader, meta: MetaPage, walked: LmdbCheck): LmdbCheck {
  const needed = (meta.lastPage + 1) * meta.pageSize;
  if (reader.fileBytes >= needed) return walked;
  const missingPages = Math.ceil((needed - reader.fileBytes) / meta.pageSize);
  if (walked.ok && missingPages <= UNWRITTEN_FREE_PAGES) return walked;
  return {
    ok: false,
    kind: 'truncated',
    neededBytes: needed,
    problem: `truncated: the file is ${reader.fileBytes} bytes, but its newest meta page (transaction ${meta.txnid}) says it holds pages 0–${meta.lastPage} of ${meta.pageSize} bytes, ${needed} bytes`,
  };
}

/** How many never-written free pages may be missing at the end of a healthy file. */
const UNWRITTEN_FREE_PAGES = 16;

/** Walks the free-page tree, the main tree and every named tree of `meta`; stops at the first problem. */
function walk(reader: LmdbFileReader, meta: MetaPage): LmdbCheck {
  const seen = new Set<number>();
  const tables: Record<string, TreeSummary> = {};
  const fail = (problem: string): LmdbCheck => ({ ok: false, kind: 'tree', problem: `${problem} (transaction ${meta.txnid})` });
  const free = walkTree(reader, meta, seen, 'the free-page table', meta.freeDb);
  if (typeof free === 'string') return fail(free);
  const named: { name: string; record: DbRecord }[] = [];
  const main = walkTree(reader, meta, seen, 'the main table', meta.mainDb, (node) => {
    if (!(node.flags & F_SUBDATA)) return undefined;
    if (!node.data || node.data.length !== DB_RECORD_SIZE)
      return `the table record '${node.key.toString('latin1')}' is ${node.dataSize} bytes, expected ${DB_RECORD_SIZE}`;
    named.push({ name: node.key.toString('utf8').replace(/\0$/, ''), record: readDbRecord(node.data, 0) });
    return undefined;
  });
  if (typeof main === 'string') return fail(main);
  for (const { name, record } of named) {
    const summary = walkTree(reader, meta, seen, `table '${name}'`, record);
    if (typeof summary === 'string') return fail(summary);
    tables[name] = summary;
  }
  return { ok: true, empty: false, meta, fileBytes: reader.fileBytes, tables };
}

/**
 * Visits every page of one tree, checking each and comparing the totals with the tree's record. Returns the totals,
 * or a sentence naming the table, the page and what is wrong. `onLeaf` may inspect each leaf node (and fail it).
 */
function walkTree(
  reader: LmdbFileReader,
  meta: MetaPage,
  seen: Set<number>,
  table: string,
  record: DbRecord,
  onLeaf?: (node: Exclude<ReturnType<typeof leafNode>, string>) => string | undefined,
): TreeSummary | string {
  const total: TreeSummary = { entries: 0, branchPages: 0, leafPages: 0, overflowPages: 0 };
  if (record.root === null) {
    return record.entries === 0 ? total : `${table} is empty, but its record counts ${record.entries} entries`;
  }
  const { pageSize, lastPage } = meta;
  const pagesInFile = Math.floor(reader.fileBytes / pageSize);
  const claim = (pgno: number, what: string): string | undefined => {
    if (pgno < 2 || pgno > lastPage) return `${table}: ${what} is page ${pgno}, outside the data pages 2–${lastPage}`;
    if (pgno >= pagesInFile) return `${table}: ${what} is page ${pgno}, beyond the end of the file (${pagesInFile} pages)`;
    if (seen.has(pgno)) return `${table}: page ${pgno} is reached twice`;
    seen.add(pgno);
    return undefined;
  };
  const visit = (pgno: number, level: number): string | undefined => {
    const claimed = claim(pgno, level === 0 ? 'the root' : 'a child page');
    if (claimed) return claimed;
    const header = reader.pageHeader(pgno, pageSize);
    const at = `${table}, page ${pgno}`;
    if (header.pgno !== pgno) return `${at}: its header names page ${header.pgno} (page header overwritten)`;
    if (header.txnid > meta.txnid) return `${at}: written by transaction ${header.txnid}, later than the newest commit`;
    const isLeaf = level === record.depth - 1;
    const kind = header.flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_LEAF2);
    const expected = isLeaf ? P_LEAF : P_BRANCH;
    if (kind !== expected && !(isLeaf && kind === (P_LEAF | P_LEAF2))) {
      return `${at}: expected a ${isLeaf ? 'leaf' : 'branch'} page at depth ${level + 1} of ${record.depth}, found page flags 0x${header.flags.toString(16)}`;
    }
    if (header.lower % 2 !== 0 || header.lower > header.upper || header.upper > pageSize - PAGE_HEADER_BYTES || header.lower === 0) {
      return `${at}: free-space bounds ${header.lower}..${header.upper} are impossible for a ${pageSize}-byte page`;
    }
    const page = reader.page(pgno, pageSize);
    const keys = header.lower >> 1;
    if (isLeaf) total.leafPages++;
    else total.branchPages++;
    for (let i = 0; i < keys; i++) {
      const offset = nodeOffset(page, i, header.upper);
      if (typeof offset === 'string') return `${at}: ${offset}`;
      if (!isLeaf) {
        const problem = visit(branchChild(page, offset), level + 1);
        if (problem) return problem;
        continue;
      }
      if (kind & P_LEAF2) {
        total.entries++;
        continue;
      }
      const node = leafNode(page, offset);
      if (typeof node === 'string') return `${at}: ${node}`;
      total.entries++;
      if (node.flags & F_BIGDATA) {
        const problem = checkOverflow(node.overflowPage!, node.dataSize);
        if (problem) return `${at}: ${problem}`;
      }
      const problem = onLeaf?.(node);
      if (problem) return `${at}: ${problem}`;
    }
    return undefined;
  };
  const checkOverflow = (first: number, bytes: number): string | undefined => {
    const count = overflowPageCount(bytes, pageSize);
    if (first < 2 || first + count - 1 > lastPage)
      return `a ${bytes}-byte value on pages ${first}–${first + count - 1} lies outside the data pages 2–${lastPage}`;
    if (first + count > pagesInFile)
      return `a ${bytes}-byte value on pages ${first}–${first + count - 1} lies beyond the end of the file (${pagesInFile} pages)`;
    const header = reader.pageHeader(first, pageSize);
    if (header.pgno !== first) return `overflow page ${first}: its header names page ${header.pgno} (page header overwritten)`;
    if (!(header.flags & P_OVERFLOW)) return `page ${first} should start a ${bytes}-byte value but has page flags 0x${header.flags.toString(16)}`;
    if (header.overflowPages !== count) return `overflow page ${first} says it spans ${header.overflowPages} pages, a ${bytes}-byte value needs ${count}`;
    for (let p = first; p < first + count; p++) {
      if (seen.has(p)) return `overflow page ${p} is reached twice`;
      seen.add(p);
    }
    total.overflowPages += count;
    return undefined;
  };
  const problem = visit(record.root, 0);
  if (problem) return problem;
  const dupsort = (record.flags & MDB_DUPSORT) !== 0; // entries count duplicates, which this walk does not open
  const mismatches = [
    ...(dupsort ? [] : [['entries', total.entries, record.entries] as const]),
    ['leaf pages', total.leafPages, record.leafPages] as const,
    ['branch pages', total.branchPages, record.branchPages] as const,
    ...(dupsort ? [] : [['overflow pages', total.overflowPages, record.overflowPages] as const]),
  ].filter(([, found, stated]) => found !== stated);
  if (mismatches.length > 0) {
    return `${table}: ${mismatches.map(([what, found, stated]) => `its record counts ${stated} ${what}, its pages hold ${found}`).join('; ')}`;
  }
  return total;
}
