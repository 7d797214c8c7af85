/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a big-endian header (magic number, then
 * one 32-bit size per dimension) followed by unsigned bytes. Every error names the file and what was wrong.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 2049;

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** A data file that is missing, truncated or of the wrong kind; the message names the file. */
export class DatasetFileError extends Error {
  /** Builds the error naming `file`. */
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Reads an IDX file (gunzipping when it starts with the gzip signature) and checks its magic number and length. */
export function readIdx(file: string, expectedMagic: number): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DatasetFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DatasetFileError(file, `corrupt gzip stream (${(err as Error).message})`);
    }
  }
  return parseIdx(bytes, expectedMagic, file);
}

/** Parses IDX bytes; `file` is only used in error messages. */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, file = '<buffer>'): IdxArray {
  if (bytes.byteLength < 8) throw new DatasetFileError(file, `truncated: ${bytes.byteLength} bytes, shorter than an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new DatasetFileError(file, `wrong magic number ${magic}, expected ${expectedMagic} (${expectedMagic === IDX_IMAGES_MAGIC ? 'images' : 'labels'})`);
  }
  const dims = magic & 0xff;
  const headerBytes = 4 + 4 * dims;
  if (bytes.byteLength < headerBytes) throw new DatasetFileError(file, `truncated header: ${bytes.byteLength} of ${headerBytes} bytes`);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = headerBytes + shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== expected) {
    throw new DatasetFileError(
      file,
      `${bytes.byteLength < expected ? 'truncated' : 'trailing bytes'}: ${bytes.byteLength} bytes, header [${shape.join(', ')}] implies ${expected}`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/** Encodes an IDX array (used by tests to write small files in the real format). */
export function encodeIdx(magic: number, shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
