/**
 * A reader for MATLAB level-5 MAT-files (the format of SVHN's train_32x32.mat / test_32x32.mat): numeric arrays,
 * plain or zlib-compressed elements, little- or big-endian. HDF5-based v7.3 files are recognised and refused with a
 * clear message. Arrays come back with MATLAB's column-major layout and their dimensions.
 */
import { inflateSync } from 'node:zlib';
import { DatasetFileError } from './idx.ts';

/** A numeric array from a MAT-file (column-major, as MATLAB stores it). */
export interface MatArray {
  name: string;
  dims: number[];
  className: string;
  data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
}

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15 } as const;
const CLASS_NAMES: Record<number, string> = { 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32' };

/** Reads every numeric variable of a level-5 MAT-file. */
export function parseMat5(bytes: Uint8Array, file: string): Map<string, MatArray> {
  if (bytes.byteLength < 128) throw new DatasetFileError(file, `truncated: ${bytes.byteLength} bytes, shorter than a MAT-file header`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (text.startsWith('MATLAB 7.3')) {
    throw new DatasetFileError(file, 'is a MATLAB v7.3 (HDF5) file; only level-5 MAT-files are read (re-save with -v7, or use the official SVHN files)');
  }
  if (!text.startsWith('MATLAB 5.0')) throw new DatasetFileError(file, 'not a MATLAB level-5 MAT-file (header does not start with "MATLAB 5.0")');
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (endian !== 'IM' && endian !== 'MI') throw new DatasetFileError(file, `bad endian indicator '${endian}'`);
  const little = endian === 'IM';
  const out = new Map<string, MatArray>();
  let offset = 128;
  while (offset + 8 <= bytes.byteLength) {
    const el = readElement(bytes, offset, little, file);
    offset = el.next;
    let matrix = el;
    if (el.type === MI.COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(el.body);
      } catch (err) {
        throw new DatasetFileError(file, `corrupt compressed element at byte ${el.start} (${(err as Error).message})`);
      }
      matrix = readElement(inflated, 0, little, file);
    }
    if (matrix.type !== MI.MATRIX) continue;
    const arr = readMatrix(matrix.body, little, file);
    if (arr) out.set(arr.name, arr);
  }
  if (offset !== bytes.byteLength) throw new DatasetFileError(file, `truncated: a data element at byte ${offset} runs past the end of the file`);
  return out;
}

interface Element {
  type: number;
  body: Uint8Array;
  start: number;
  next: number;
}

function readElement(bytes: Uint8Array, offset: number, little: boolean, file: string): Element {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getUint32(offset, little);
  if (first >>> 16 !== 0) {
    // Small data element: size in the upper 16 bits, data in the next 4 bytes.
    const size = first >>> 16;
    return { type: first & 0xffff, body: bytes.subarray(offset + 4, offset + 4 + size), start: offset, next: offset + 8 };
  }
  const size = view.getUint32(offset + 4, little);
  const end = offset + 8 + size;
  if (end > bytes.byteLength) {
    throw new DatasetFileError(file, `truncated: element at byte ${offset} declares ${size} bytes, only ${bytes.byteLength - offset - 8} remain`);
  }
  const padded = first === MI.COMPRESSED ? end : offset + 8 + Math.ceil(size / 8) * 8;
  return { type: first, body: bytes.subarray(offset + 8, end), start: offset, next: Math.min(padded, bytes.byteLength) };
}

function readMatrix(body: Uint8Array, little: boolean, file: string): MatArray | undefined {
  let offset = 0;
  const flags = readElement(body, offset, little, file);
  offset = flags.next;
  const classId = new DataView(flags.body.buffer, flags.body.byteOffset, 8).getUint32(0, little) & 0xff;
  const className = CLASS_NAMES[classId];
  const dimsEl = readElement(body, offset, little, file);
  offset = dimsEl.next;
  const dims = Array.from(typed(dimsEl, little, file) as Int32Array);
  const nameEl = readElement(body, offset, little, file);
  offset = nameEl.next;
  const name = new TextDecoder('latin1').decode(nameEl.body);
  if (!className) return undefined; // cells, structs, sparse…: not needed
  const real = readElement(body, offset, little, file);
  const data = typed(real, little, file);
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new DatasetFileError(file, `variable '${name}' has ${data.length} values for dimensions [${dims.join('×')}]`);
  return { name, dims, className, data };
}

function typed(el: Element, little: boolean, file: string): MatArray['data'] {
  const ctors: Record<number, { new (n: number): MatArray['data']; BYTES_PER_ELEMENT: number }> = {
    [MI.INT8]: Int8Array,
    [MI.UINT8]: Uint8Array,
    [MI.INT16]: Int16Array,
    [MI.UINT16]: Uint16Array,
    [MI.INT32]: Int32Array,
    [MI.UINT32]: Uint32Array,
    [MI.SINGLE]: Float32Array,
    [MI.DOUBLE]: Float64Array,
  };
  const ctor = ctors[el.type];
  if (!ctor) throw new DatasetFileError(file, `unsupported MAT data type ${el.type}`);
  const n = el.body.byteLength / ctor.BYTES_PER_ELEMENT;
  const out = new ctor(n);
  const view = new DataView(el.body.buffer, el.body.byteOffset, el.body.byteLength);
  const get: Record<number, (i: number) => number> = {
    [MI.INT8]: (i) => view.getInt8(i),
    [MI.UINT8]: (i) => view.getUint8(i),
    [MI.INT16]: (i) => view.getInt16(i * 2, little),
    [MI.UINT16]: (i) => view.getUint16(i * 2, little),
    [MI.INT32]: (i) => view.getInt32(i * 4, little),
    [MI.UINT32]: (i) => view.getUint32(i * 4, little),
    [MI.SINGLE]: (i) => view.getFloat32(i * 4, little),
    [MI.DOUBLE]: (i) => view.getFloat64(i * 8, little),
  };
  const read = get[el.type]!;
  for (let i = 0; i < n; i++) out[i] = read(i);
  return out;
}

/** Writes a little-endian level-5 MAT-file of uint8/double arrays, optionally compressed (for tests). */
export function encodeMat5(
  vars: { name: string; dims: number[]; data: Uint8Array | Float64Array }[],
  compress: boolean,
  deflate: (b: Uint8Array) => Uint8Array,
): Uint8Array {
  const header = new Uint8Array(128);
  header.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, written by sgd-noise tests'.padEnd(116, ' ')));
  new DataView(header.buffer).setUint16(124, 0x0100, true);
  header[126] = 'I'.charCodeAt(0);
  header[127] = 'M'.charCodeAt(0);
  const parts: Uint8Array[] = [header];
  for (const v of vars) {
    const isDouble = v.data instanceof Float64Array;
    const flags = new Uint8Array(8);
    new DataView(flags.buffer).setUint32(0, isDouble ? 6 : 9, true);
    const dims = new Uint8Array(new Int32Array(v.dims).buffer);
    const body = concat([
      element(MI.UINT32, flags),
      element(MI.INT32, dims),
      element(MI.INT8, new TextEncoder().encode(v.name)),
      element(isDouble ? MI.DOUBLE : MI.UINT8, new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength)),
    ]);
    const matrix = element(MI.MATRIX, body);
    parts.push(compress ? element(MI.COMPRESSED, deflate(matrix), false) : matrix);
  }
  return concat(parts);
}

function element(type: number, body: Uint8Array, pad = true): Uint8Array {
  const size = pad ? Math.ceil(body.byteLength / 8) * 8 : body.byteLength;
  const out = new Uint8Array(8 + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, body.byteLength, true);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
