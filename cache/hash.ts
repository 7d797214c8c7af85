/** SHA-256 helpers: the only hash function of the cache. */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** Hex SHA-256 of bytes or of a UTF-8 string. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex SHA-256 of the canonical JSON of `value`: the content key of a record. */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
