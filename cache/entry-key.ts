/**
 * The key of a cache entry: the hash of exactly the fields that determine a stage's output. The planner computes it
 * before anything runs; the store recomputes it from a manifest's own fields on every read, so a manifest that was
 * edited (or damaged into another valid manifest) no longer proves its key and is treated as corrupt.
 */
import { hashJson } from './hash.ts';

/**
 * The fields a key is computed from: stage id, instance params, stage version, config slice, input keys, and, only
 * when non-empty, the optional inputs left out (`missing`, names) and the declared input files (`files`, name →
 * content SHA-256), so that every instance without them keeps the key it always had.
 */
export interface KeyFields {
  stage: string;
  params: Readonly<Record<string, string | number | boolean>>;
  version: number;
  config: Readonly<Record<string, unknown>>;
  inputs: Readonly<Record<string, string>>;
  missing?: readonly string[];
  files?: Readonly<Record<string, string>>;
}

/** sha256 of the canonical JSON of the key fields. Example: `entryKey({stage: 's', params: {}, version: 1, config: {}, inputs: {}})`. */
export function entryKey(fields: KeyFields): string {
  const base: Record<string, unknown> = { stage: fields.stage, params: fields.params, version: fields.version, config: fields.config, inputs: fields.inputs };
  if (fields.missing?.length) base.missing = [...fields.missing].sort();
  if (fields.files && Object.keys(fields.files).length > 0) base.files = fields.files;
  return hashJson(base);
}
