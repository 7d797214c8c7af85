/**
 * Who may have written what a remote holds (see docs/remote.md "Who can forge what"). A remote's manifest file may
 * carry a signature beside its digest: an ed25519 signature, by a member's private key, of the entry's key and the
 * digest of its whole manifest (which covers every output's blob hash). With an allowed-signers file set, every entry
 * read must carry a valid signature by one of its keys; without one, signatures that are present are still checked (a
 * bad one is a corrupt entry) but unsigned entries are accepted. Signatures live only in the remote's files: they never
 * enter a cache key or the local cache.
 */
import { sign, verify } from 'node:crypto';
import { z } from 'zod';
import type { CacheRemote } from './remote.ts';
import { keyFingerprint, parseSshPublicKey, type AllowedSigners, type SigningKey } from './signing-keys.ts';

/** How a process signs the manifests it writes to a remote, and whose signatures it requires on what it reads. */
export interface RemoteTrust {
  /** Signs every manifest written (absent: written unsigned). */
  readonly signingKey?: SigningKey;
  /** When set, entries read must be signed by one of these members (absent: signatures are not required). */
  readonly allowedSigners?: AllowedSigners;
}

/** The signature field of a remote manifest file: the signer's public key (`ssh-ed25519 AAAA…`) and the signature. */
export const manifestSignatureSchema = z
  .object({
    key: z.string().min(1).max(200),
    sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected a base64 ed25519 signature (64 bytes)'),
  })
  .strict();

/** A manifest's signature as stored. */
export type ManifestSignature = z.infer<typeof manifestSignatureSchema>;

/** The bytes signed for an entry: a fixed label (so no other signed text can pass for one), the key and the digest. */
function signedBytes(key: string, digest: string): Buffer {
  return Buffer.from(`sgd-noise remote manifest v1\nkey ${key}\ndigest ${digest}\n`);
}

/** Signs the entry `key` whose manifest has digest `digest`. Example: `signEntry(key, manifestDigest(m), signingKey)`. */
export function signEntry(key: string, digest: string, signer: SigningKey): ManifestSignature {
  return { key: signer.publicKey, sig: sign(null, signedBytes(key, digest), signer.privateKey).toString('base64') };
}

/** What checking an entry's signature found: accepted (by whom, if signed), refused by the policy, or a bad signature. */
export type SignatureCheck = { verdict: 'accepted'; signer?: string } | { verdict: 'refused'; reason: string } | { verdict: 'bad'; reason: string };

/**
 * Checks the signature stored with entry `key` (whose manifest's digest was verified to be `digest`) against `trust`.
 * A signature that does not verify is `bad` whatever the policy; an unsigned entry, or one signed by a key not in the
 * allowed signers, is `refused` when signers are required.
 */
export function checkSignature(key: string, digest: string, signature: ManifestSignature | undefined, trust: RemoteTrust | undefined): SignatureCheck {
  const allowed = trust?.allowedSigners;
  if (signature === undefined) {
    if (!allowed) return { verdict: 'accepted' };
    return { verdict: 'refused', reason: `unsigned, and this remote's entries must be signed by a member listed in ${allowed.file}` };
  }
  const publicKey = parseSshPublicKey(signature.key);
  if (!publicKey) return { verdict: 'bad', reason: `bad signature: its key '${signature.key.slice(0, 40)}' is not an ed25519 public key` };
  const fingerprint = keyFingerprint(signature.key);
  if (!verify(null, signedBytes(key, digest), publicKey, Buffer.from(signature.sig, 'base64'))) {
    return { verdict: 'bad', reason: `bad signature by key ${fingerprint}: the manifest was changed after it was signed` };
  }
  if (!allowed) return { verdict: 'accepted', signer: fingerprint };
  const names = allowed.members.get(signature.key);
  if (!names) return { verdict: 'refused', reason: `signed by key ${fingerprint}, which is not in the allowed signers file ${allowed.file}` };
  return { verdict: 'accepted', signer: names.join(',') };
}

/**
 * `remote` with `trust` attached: the same storage (every call is passed on), read and written under that policy by
 * remote.ts. Example: `withTrust(await openRemote(dir), {signingKey, allowedSigners})`.
 */
export function withTrust(remote: CacheRemote, trust: RemoteTrust): CacheRemote {
  const inner = remote.trust === undefined ? remote : (remote as TrustedRemote).inner;
  return new TrustedRemote(inner, trust);
}

/** A remote carrying a trust policy; storage calls go to the remote it wraps. */
class TrustedRemote implements CacheRemote {
  constructor(
    readonly inner: CacheRemote,
    readonly trust: RemoteTrust,
  ) {}

  get location(): string {
    return this.inner.location;
  }

  describe(...args: Parameters<CacheRemote['describe']>): string {
    return this.inner.describe(...args);
  }

  getBlob(...args: Parameters<CacheRemote['getBlob']>): ReturnType<CacheRemote['getBlob']> {
    return this.inner.getBlob(...args);
  }

  putBlob(...args: Parameters<CacheRemote['putBlob']>): ReturnType<CacheRemote['putBlob']> {
    return this.inner.putBlob(...args);
  }

  getManifest(...args: Parameters<CacheRemote['getManifest']>): ReturnType<CacheRemote['getManifest']> {
    return this.inner.getManifest(...args);
  }

  putManifest(...args: Parameters<CacheRemote['putManifest']>): ReturnType<CacheRemote['putManifest']> {
    return this.inner.putManifest(...args);
  }

  manifestKeys(): AsyncIterable<string> {
    return this.inner.manifestKeys();
  }

  prepareWrite(): Promise<void> {
    return this.inner.prepareWrite();
  }

  cleanup(): Promise<string[]> {
    return this.inner.cleanup();
  }
}
