/**
 * How two manifests filed under one key differ. Both prove the key, so they answer the same question; they diverge
 * when their results differ: an output's content (its blob hash), the set of outputs, or the seed. Two honest runs
 * of a deterministic stage on two machines differ only in where and when they ran (createdAt, durationMs, host, and
 * meta such as the backend used): that is not a divergence, but those facts are shown beside one.
 */
import { canonicalJson } from './canonical-json.ts';
import type { Manifest } from './manifest.ts';

/** Where and when one side's entry was computed, as its manifest records it. */
export interface Provenance {
  createdAt: string;
  /** `platform host` and the Node version, from the manifest's `host`. */
  host: string;
  /** `meta.backend` (and `meta.adapter`), where the stage recorded them. */
  backend?: string;
}

/** What differs between a local and a remote manifest of the same key. */
export interface EntryDifference {
  /** Outputs whose content differs or that one side lacks, each `name` with the two blob hashes (12 digits) or `-`. */
  outputs: { name: string; local: string; remote: string }[];
  /** Whether the seeds differ. */
  seed: boolean;
  /** The meta fields that differ (names). */
  meta: string[];
  local: Provenance;
  remote: Provenance;
}

/** The recorded provenance of a manifest. */
export function provenanceOf(m: Manifest): Provenance {
  const backend = [m.meta.backend, m.meta.adapter].filter((x) => typeof x === 'string').join(' on ');
  return { createdAt: m.createdAt, host: `${m.host.platform} (node ${m.host.node})`, ...(backend ? { backend } : {}) };
}

/**
 * The difference between the results of two manifests of one key, or undefined when the results are the same (the
 * same outputs with the same content and the same seed; provenance may differ).
 * Example: `diffEntries(local, remote)?.outputs` → `[{name: 'z', local: '1a2b3c4d5e6f', remote: '9f8e7d6c5b4a'}]`.
 */
export function diffEntries(local: Manifest, remote: Manifest): EntryDifference | undefined {
  const names = [...new Set([...Object.keys(local.outputs), ...Object.keys(remote.outputs)])].sort();
  const short = (ref: Manifest['outputs'][string] | undefined) => (ref ? ref.blob.slice(0, 12) : '-');
  const outputs = names
    .filter((n) => canonicalJson(local.outputs[n] ?? null) !== canonicalJson(remote.outputs[n] ?? null))
    .map((name) => ({ name, local: short(local.outputs[name]), remote: short(remote.outputs[name]) }));
  const seed = local.seed !== remote.seed;
  if (outputs.length === 0 && !seed) return undefined;
  const metaNames = [...new Set([...Object.keys(local.meta), ...Object.keys(remote.meta)])].sort();
  const meta = metaNames.filter((n) => canonicalJson(local.meta[n] ?? null) !== canonicalJson(remote.meta[n] ?? null));
  return { outputs, seed, meta, local: provenanceOf(local), remote: provenanceOf(remote) };
}

/**
 * One line saying what differs and what each side recorded.
 * Example: `outputs z (local 1a2b3c4d5e6f, remote 9f8e7d6c5b4a); local computed 2026-…Z on linux-x64 a (node v20…)…`.
 */
export function formatDifference(d: EntryDifference): string {
  const parts: string[] = [];
  if (d.outputs.length)
    parts.push(`output${d.outputs.length > 1 ? 's' : ''} ${d.outputs.map((o) => `${o.name} (local ${o.local}, remote ${o.remote})`).join(', ')}`);
  if (d.seed) parts.push('seed');
  if (d.meta.length) parts.push(`meta ${d.meta.join(', ')}`);
  const side = (name: string, p: Provenance) => `${name} computed ${p.createdAt} on ${p.host}${p.backend ? `, backend ${p.backend}` : ''}`;
  return `differ in ${parts.join('; ')}; ${side('local', d.local)}; ${side('remote', d.remote)}`;
}
