/**
 * Writes selected stage outputs to files (reports, figures) atomically: temp file, then rename. A file error names
 * the published file and `--publish-dir`, the option that moves published files.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NDArray, type Json } from '../cache/values.ts';
import { FileError } from './errors.ts';
import { makeDirs } from './make-dirs.ts';

/** Writes one output value to `file`: strings as text, byte arrays as bytes, other JSON pretty-printed. */
export function writeOutputFile(file: string, value: NDArray | Json): void {
  let bytes: Uint8Array | string;
  if (value instanceof NDArray) {
    if (value.dtype !== 'uint8') throw new Error(`cannot publish ${value.dtype} array to ${file}; only uint8 bytes or JSON`);
    bytes = value.data as Uint8Array;
  } else if (typeof value === 'string') bytes = value;
  else bytes = `${JSON.stringify(value, null, 2)}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    makeDirs(path.dirname(file));
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const failed = (err as { path?: string }).path;
    throw new FileError(failed === undefined || failed === tmp ? file : failed, err, 'publish');
  }
}
