/**
 * The key of a cache entry: the hash of exactly the fields that determine a stage's output. The planner computes it
 * before anything runs; the store recomputes it from a manifest's own fields on every read, so a manifest that was
 * edited (or damaged into another valid manifest) no longer proves its key and is treated as corrupt.
 */
import { hashJson } from './hash.ts';

/** The fields a key is computed from: stage id, instance params, stage version, config slice, input keys. */
export interface KeyFields {
  stage: string;
  params: Readonly<Record<string, string | number | boolean>>;
  version: number;
  config: Readonly<Record<string, unknown>>;
  inputs: Readonly<Record<string, string>>;
}

/** sha256 of the canonical JSON of the key fields. Example: `entryKey({stage: 's', params: {}, version: 1, config: {}, inputs: {}})`. */
export function entryKey(fields: KeyFields): string {
  return hashJson({ stage: fields.stage, params: fields.params, version: fields.version, config: fields.config, inputs: fields.inputs });
}
