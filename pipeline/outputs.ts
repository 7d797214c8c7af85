/**
 * Declared stage outputs: what a stage promises to return (`outputs: {log: json(schema), w: f32}`), the types its run
 * returns and its dependents read, and the check the executor makes before anything is committed. The declaration is
 * not part of the cache key.
 */
import type { z } from 'zod';
import { NDArray, assertJson, dtypeOf, type Artifacts, type Dtype, type LoadedArtifacts, type TypedArray } from '../cache/values.ts';

/** The typed array of each dtype. */
interface ArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
}

/** An array output of one dtype and, when given, one rank. */
export interface ArrayOutput<D extends Dtype = Dtype> {
  readonly kind: 'array';
  readonly dtype: D;
  readonly rank?: number;
  readonly optional?: boolean;
}
/** A JSON output whose value must pass a zod schema (checked, never transformed: the stage's value is stored). */
export interface JsonOutput<T = unknown> {
  readonly kind: 'json';
  readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  readonly optional?: boolean;
}
/** A file to publish: text (a JSON string) or bytes (a uint8 array). */
export interface FileOutput {
  readonly kind: 'file';
  readonly optional?: boolean;
}
/** One declared output. */
export type OutputDecl = ArrayOutput | JsonOutput | FileOutput;
/** A stage's outputs by name; a name ending in `/*` declares every output under that prefix (zero or more). */
export type OutputDecls = Readonly<Record<string, OutputDecl>>;

/** A JSON output checked against `schema`: `json(z.array(rowSchema))`. */
export const json = <T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>): JsonOutput<T> => ({ kind: 'json', schema });
/** An array output of `dtype`, optionally of a fixed rank: `array('float64', 3)`. */
export const array = <D extends Dtype>(dtype: D, rank?: number): ArrayOutput<D> =>
  rank === undefined ? { kind: 'array', dtype } : { kind: 'array', dtype, rank };
/** A float32 array output of any rank. */
export const f32 = array('float32');
/** A float64 array output of any rank. */
export const f64 = array('float64');
/** An int32 array output of any rank. */
export const i32 = array('int32');
/** A uint8 array output of any rank. */
export const u8 = array('uint8');
/** A file output (text or bytes), usually under a prefix: `{'files/*': file}`. */
export const file: FileOutput = { kind: 'file' };
/** The same output, which a run may leave out: `optional(json(schema))`; dependents read it as possibly undefined. */
export const optional = <O extends OutputDecl>(decl: O): O & { readonly optional: true } => ({ ...decl, optional: true });

type NameOf<K> = K extends `${infer Prefix}/*` ? `${Prefix}/${string}` : K;
type IsOptional<O> = O extends { optional: true } ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The value a dependent reads for one declared output. */
export type LoadedValue<O> =
  O extends ArrayOutput<infer D> ? NDArray<ArrayOf[D]> : O extends JsonOutput<infer T> ? T : O extends FileOutput ? string | NDArray<Uint8Array> : never;
/** The value a run may return for one declared output. */
export type ProducedValue<O> =
  O extends ArrayOutput<infer D>
    ? NDArray<ArrayOf[D]> | ArrayOf[D]
    : O extends JsonOutput<infer T>
      ? T
      : O extends FileOutput
        ? string | NDArray<Uint8Array> | Uint8Array
        : never;

type Typed<O extends OutputDecls, V extends 'loaded' | 'produced'> = Simplify<
  { [K in keyof O as IsOptional<O[K]> extends true ? never : NameOf<K>]: V extends 'loaded' ? LoadedValue<O[K]> : ProducedValue<O[K]> } & {
    [K in keyof O as IsOptional<O[K]> extends true ? NameOf<K> : never]?: V extends 'loaded' ? LoadedValue<O[K]> : ProducedValue<O[K]>;
  }
>;
/** The outputs as a dependent reads them from the cache (undeclared outputs: any artifacts). */
export type LoadedOutputs<O extends OutputDecls> = string extends keyof O ? LoadedArtifacts : Typed<O, 'loaded'>;
/** The outputs as `run` returns them (undeclared outputs: any artifacts). */
export type ProducedOutputs<O extends OutputDecls> = string extends keyof O ? Artifacts : Typed<O, 'produced'>;

/**
 * Outputs read back untyped (from the cache, by instance id) as `declared` types them, once they pass the check the
 * executor makes before a commit: `readOutputs(fashionSummaryOutputs, outputs['fashion.summary'], 'fashion.summary')`.
 * Throws, naming `where` and every problem, where a cast would let a wrong shape through.
 */
export function readOutputs<const O extends OutputDecls>(declared: O, artifacts: LoadedArtifacts, where: string): LoadedOutputs<O> {
  const problems = outputProblems(declared, artifacts);
  if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
  return artifacts as LoadedOutputs<O>;
}

/**
 * What is wrong with `artifacts` against `declared`, one line per output (empty when they match): an output not
 * declared, a declared one missing, an array of another dtype or rank, JSON that fails its schema.
 */
export function outputProblems(declared: OutputDecls, artifacts: Artifacts): string[] {
  const problems: string[] = [];
  const declFor = (name: string): OutputDecl | undefined => {
    if (Object.hasOwn(declared, name)) return declared[name];
    const prefix = Object.keys(declared).find((k) => k.endsWith('/*') && name.startsWith(k.slice(0, -1)));
    return prefix === undefined ? undefined : declared[prefix];
  };
  for (const [name, value] of Object.entries(artifacts)) {
    if (value === undefined) continue;
    const decl = declFor(name);
    if (!decl) {
      problems.push(`output '${name}' is not declared (declared: ${Object.keys(declared).join(', ') || 'none'})`);
      continue;
    }
    const problem = valueProblem(decl, name, value);
    if (problem) problems.push(`output '${name}' ${problem}`);
  }
  for (const [name, decl] of Object.entries(declared)) {
    if (!name.endsWith('/*') && !decl.optional && artifacts[name] === undefined) problems.push(`output '${name}' is declared but missing`);
  }
  return problems;
}

/** What is wrong with one value against its declaration, or undefined. */
function valueProblem(decl: OutputDecl, name: string, value: unknown): string | undefined {
  const isArray = value instanceof NDArray || ArrayBuffer.isView(value);
  const arrayDtype = (): Dtype | undefined => (value instanceof NDArray ? value.dtype : isArray ? dtypeOf(value as TypedArray) : undefined);
  if (decl.kind === 'array') {
    if (!isArray) return `should be a ${decl.dtype} array, got ${describe(value)}`;
    const dtype = arrayDtype();
    if (dtype !== decl.dtype) return `should be a ${decl.dtype} array, got ${dtype}`;
    const rank = value instanceof NDArray ? value.shape.length : 1;
    if (decl.rank !== undefined && rank !== decl.rank) return `should have rank ${decl.rank}, got rank ${rank}`;
    return undefined;
  }
  if (decl.kind === 'file') {
    if (typeof value === 'string' || (isArray && arrayDtype() === 'uint8')) return undefined;
    return `should be a file (a string or a uint8 array), got ${isArray ? `a ${arrayDtype()} array` : describe(value)}`;
  }
  if (isArray) return `should be JSON, got a ${arrayDtype()} array`;
  try {
    assertJson(value, name);
  } catch (err) {
    return `is not JSON: ${(err as Error).message}`;
  }
  const parsed = decl.schema.safeParse(value);
  if (parsed.success) return undefined;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  return `fails its schema: ${issues.join('; ')}${parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : ''}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a JSON array';
  return typeof value === 'object' ? 'a JSON object' : `a ${typeof value}`;
}
