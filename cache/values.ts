/**
 * Stage outputs ("artifacts"): typed arrays with a shape, or JSON. This module turns them into bytes and back;
 * it knows nothing of where the bytes are stored.
 */
import { z } from 'zod';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Element types an array artifact may have. */
export const DTYPES = ['float32', 'float64', 'int32', 'uint32', 'int16', 'uint16', 'int8', 'uint8'] as const;
/** One of {@link DTYPES}. */
export type Dtype = (typeof DTYPES)[number];
/** Any typed array an artifact may hold. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

const CONSTRUCTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;

/** A dense row-major array with a shape: `new NDArray(new Float32Array(6), [2, 3])`. */
export class NDArray<T extends TypedArray = TypedArray> {
  /** The element type, derived from the typed array. */
  readonly dtype: Dtype;
  /** Builds an array; `shape` defaults to 1-D and must multiply to `data.length`. */
  constructor(
    readonly data: T,
    readonly shape: readonly number[] = [data.length],
  ) {
    this.dtype = dtypeOf(data);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || n !== data.length) {
      throw new Error(`NDArray: shape [${shape.join(', ')}] does not match ${data.length} elements`);
    }
  }
}

/** The dtype name of a typed array. */
export function dtypeOf(data: TypedArray): Dtype {
  for (const [name, ctor] of Object.entries(CONSTRUCTORS)) if (data instanceof ctor) return name as Dtype;
  throw new Error(`unsupported typed array ${(data as object).constructor.name}`);
}

/** A stage output: an array or JSON. A bare typed array is stored as a 1-D NDArray. */
export type ArtifactValue = NDArray | TypedArray | Json;
/** The named outputs of one stage run. */
export type Artifacts = Record<string, ArtifactValue>;
/** Artifacts as read back from the cache: arrays always come back as NDArray. */
export type LoadedArtifacts = Record<string, NDArray | Json>;

/** How one output is described in a manifest (its bytes live in a blob). */
export const outputRefSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('array'),
    dtype: z.enum(DTYPES),
    shape: z.array(z.number().int().nonnegative()),
    blob: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal('json'),
    blob: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
  }),
]);
/** A manifest's description of one output. */
export type OutputRef = z.infer<typeof outputRefSchema>;
/** An output reference before its blob hash is known. */
export type UnhashedRef = OutputRef extends infer R ? (R extends unknown ? Omit<R, 'blob'> : never) : never;

/** Encodes one output into bytes (little-endian raw elements for arrays, UTF-8 JSON otherwise). */
export function encodeValue(name: string, value: ArtifactValue): { ref: UnhashedRef; bytes: Uint8Array } {
  if (value instanceof NDArray || ArrayBuffer.isView(value)) {
    const arr = value instanceof NDArray ? value : new NDArray(value as TypedArray);
    const bytes = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
    return { ref: { kind: 'array', dtype: arr.dtype, shape: [...arr.shape], bytes: bytes.byteLength }, bytes };
  }
  assertJson(value, name);
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { ref: { kind: 'json', bytes: bytes.byteLength }, bytes };
}

/** Decodes bytes described by `ref` back into an output value (copying into an aligned buffer). */
export function decodeValue(ref: OutputRef, bytes: Uint8Array): NDArray | Json {
  if (bytes.byteLength !== ref.bytes) throw new Error(`blob ${ref.blob} has ${bytes.byteLength} bytes, manifest says ${ref.bytes}`);
  if (ref.kind === 'json') return JSON.parse(new TextDecoder().decode(bytes)) as Json;
  const ctor = CONSTRUCTORS[ref.dtype];
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new NDArray(new ctor(copy.buffer, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT), ref.shape);
}

/** Returns `value` typed as JSON after checking it is plain finite JSON (throws naming the path otherwise). */
export function toJson(value: unknown, path = 'value'): Json {
  assertJson(value, path);
  return value;
}

/** Throws, naming the path, if `value` is not plain finite JSON (NaN, Infinity, functions, class instances). */
export function assertJson(value: unknown, path: string): asserts value is Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`output ${path} is ${value}; outputs must be finite`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertJson(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) assertJson(v, `${path}.${k}`);
    return;
  }
  throw new Error(`output ${path} is not JSON (${typeof value === 'object' ? value.constructor.name : typeof value})`);
}
