/**
 * What the salvage reader (a child process that reads a possibly damaged cache file) is told and what it reports,
 * one JSON message per stdout line. The parent survives the reader's death by a signal and knows from the last
 * `begin` which item was being read.
 */

/** The job: where to read, where to copy (recover), and what to skip after an earlier reader died. */
export interface SalvageJob {
  /** Directory holding the `cache.mdb` to read (the damaged file, or a zero-padded copy of a truncated one). */
  sourceDir: string;
  /** Directory of a fresh cache to copy every verified entry into; absent for verify. */
  targetDir?: string;
  /** Resume point: the pass and the last key already handled (or whose reading killed a reader). */
  resume?: { pass: SalvagePass; after: string };
  /** Blobs whose reading killed a reader: entries that use them are bad, unread. */
  unreadableBlobs: string[];
}

/** The two passes, in order: every blob, then every manifest. */
export type SalvagePass = 'blobs' | 'manifests';

/** One line from the reader. */
export type SalvageMessage =
  | { type: 'opened' }
  | { type: 'table'; table: string; recorded: number; listed: number }
  | { type: 'begin'; pass: SalvagePass; key: string }
  | { type: 'blob'; key: string; state: 'intact' | 'missing' | 'mismatch' }
  | { type: 'entry'; key: string; instance: string | null; ok: boolean; problem?: string; copied?: boolean }
  | { type: 'fingerprints'; copied: number }
  | { type: 'fatal'; message: string }
  | { type: 'done' };
