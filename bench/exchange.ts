/**
 * The exchange directory between sgd-noise and its PyTorch references (bench/torch_cnn.py, bench/torch_vgg.py):
 * DIR/data.bin holds the arrays (8-byte aligned, little-endian) and DIR/header.json their dtype, shape and offset,
 * the model's flat parameter layout and the settings. Also the float64 relative difference every check reports.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FlatModel } from '../stages/models/model.ts';

/** One array of the exchange file. */
export interface ExchangeArray {
  readonly data: Float32Array | Float64Array | Int32Array;
  readonly shape: readonly number[];
}

/**
 * Writes `arrays` to DIR/data.bin and DIR/header.json (dtype, shape, offset of each, the model's parameter layout and
 * `settings`): what the torch scripts read. Example: `writeExchange(dir, model, {w: {data: w, shape: [w.length]}})`.
 */
export function writeExchange(
  dir: string,
  model: Pick<FlatModel, 'name' | 'params'>,
  arrays: Record<string, ExchangeArray>,
  settings: Record<string, unknown> = {},
): void {
  const entries: Record<string, { dtype: string; shape: number[]; offset: number }> = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const count = a.shape.reduce((p, d) => p * d, 1);
    if (count !== a.data.length) throw new Error(`writeExchange: ${name} has ${a.data.length} entries for shape [${a.shape}]`);
    const dtype = a.data instanceof Float32Array ? 'float32' : a.data instanceof Float64Array ? 'float64' : 'int32';
    entries[name] = { dtype, shape: [...a.shape], offset };
    offset += Math.ceil(a.data.byteLength / 8) * 8;
  }
  const buf = Buffer.alloc(offset);
  for (const [name, a] of Object.entries(arrays)) {
    buf.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), entries[name]!.offset);
  }
  writeFileSync(path.join(dir, 'data.bin'), buf);
  const params = model.params.map((p) => ({ name: p.name, shape: p.shape, offset: p.offset, size: p.size }));
  writeFileSync(path.join(dir, 'header.json'), `${JSON.stringify({ model: model.name, params, arrays: entries, settings }, null, 2)}\n`);
}

/** The arrays of an exchange directory written by `writeExchange`, by name, and its settings. */
export function readExchange(dir: string): { arrays: Record<string, Float32Array | Float64Array | Int32Array>; settings: Record<string, unknown> } {
  const header = JSON.parse(readFileSync(path.join(dir, 'header.json'), 'utf8')) as {
    arrays: Record<string, { dtype: string; shape: number[]; offset: number }>;
    settings: Record<string, unknown>;
  };
  const data = readFileSync(path.join(dir, 'data.bin'));
  const arrays: Record<string, Float32Array | Float64Array | Int32Array> = {};
  for (const [name, a] of Object.entries(header.arrays)) {
    const count = a.shape.reduce((p, d) => p * d, 1);
    const Ctor = a.dtype === 'float32' ? Float32Array : a.dtype === 'float64' ? Float64Array : Int32Array;
    const bytes = data.subarray(a.offset, a.offset + count * Ctor.BYTES_PER_ELEMENT);
    arrays[name] = new Ctor(new Uint8Array(bytes).buffer); // a copy: aligned for the typed array
  }
  return { arrays, settings: header.settings };
}

/** A float32 file the torch scripts wrote into the exchange directory (torch-grad.f32, …). */
export function readFloat32File(dir: string, file: string): Float32Array {
  const b = readFileSync(path.join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** ‖a − b‖ / ‖b‖ in float64 (|a − b| / |b| for scalars). */
export function relativeDifference(a: ArrayLike<number> | number, b: ArrayLike<number> | number): number {
  const xs = typeof a === 'number' ? [a] : a;
  const ys = typeof b === 'number' ? [b] : b;
  if (xs.length !== ys.length) throw new Error(`relativeDifference: lengths differ (${xs.length} vs ${ys.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - ys[i]!) ** 2;
    den += ys[i]! ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num) === 0 ? 0 : Infinity;
}

/** ‖x‖ in float64. */
export function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! ** 2;
  return Math.sqrt(s);
}
