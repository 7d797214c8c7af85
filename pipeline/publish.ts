/** Writes selected stage outputs to files (reports, figures) atomically: temp file, then rename. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NDArray, type Json } from '../cache/values.ts';

/** Writes one output value to `file`: strings as text, byte arrays as bytes, other JSON pretty-printed. */
export function writeOutputFile(file: string, value: NDArray | Json): void {
  mkdirSync(path.dirname(file), { recursive: true });
  let bytes: Uint8Array | string;
  if (value instanceof NDArray) {
    if (value.dtype !== 'uint8') throw new Error(`cannot publish ${value.dtype} array to ${file}; only uint8 bytes or JSON`);
    bytes = value.data as Uint8Array;
  } else if (typeof value === 'string') bytes = value;
  else bytes = `${JSON.stringify(value, null, 2)}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}
