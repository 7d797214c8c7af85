/**
 * Whether a stored record is a manifest that may be trusted under its key: it passes the schema, is filed under the
 * key it names, its key fields hash to that key (see entry-key.ts), and, where the store kept one, the digest of the
 * whole manifest matches (that covers the fields outside the key: seed, outputs, metadata).
 */
import { entryKey } from './entry-key.ts';
import { CorruptEntryError } from './errors.ts';
import { hashJson } from './hash.ts';
import { manifestSchema, type Manifest } from './manifest.ts';

/**
 * The manifest `raw` read under `key`, validated; throws {@link CorruptEntryError} saying what is wrong. `digest` is
 * the whole-manifest digest stored beside it (absent for entries written before digests were kept).
 */
export function validateManifest(key: string, raw: unknown, digest?: string): Manifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CorruptEntryError(key, `manifest fails validation at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const manifest = parsed.data;
  if (manifest.key !== key) throw new CorruptEntryError(key, `manifest is filed under another key (${manifest.key})`);
  const proven = entryKey({ ...manifest, missing: manifest.missing ? Object.keys(manifest.missing) : undefined });
  if (proven !== key) {
    throw new CorruptEntryError(
      key,
      `manifest does not prove its key: its stage, params, version, config, inputs (and missing inputs, input files) hash to ${proven.slice(0, 12)}, not ${key.slice(0, 12)} (edited or damaged)`,
    );
  }
  if (digest !== undefined && manifestDigest(manifest) !== digest) {
    throw new CorruptEntryError(key, 'manifest does not match its digest: a field outside the key (seed, outputs, metadata…) was edited or damaged');
  }
  return manifest;
}

/** sha256 of the canonical JSON of the whole manifest. */
export function manifestDigest(manifest: Manifest): string {
  return hashJson(manifest);
}
