/**
 * The command line's side of remote signing (cache/remote-trust.ts): the `--signing-key`, `--allowed-signers` and
 * `--keep` options, opening a remote under the resolved policy, the options Slurm jobs need to use the same policy,
 * and `sgd-noise cache keygen`.
 */
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { openRemote, type CacheRemote } from '../cache/remote.ts';
import { withTrust, type RemoteTrust } from '../cache/remote-trust.ts';
import { SigningConfigError, generateKeyFiles, loadAllowedSigners, loadSigningKey } from '../cache/signing-keys.ts';
import { UsageError } from './errors.ts';

/** The options of `parseArgs` this module reads. */
export const TRUST_OPTIONS = {
  'signing-key': { type: 'string' },
  'allowed-signers': { type: 'string' },
  keep: { type: 'string' },
} as const;

/** Where the signing key and the allowed signers come from: option, else environment, else the project. */
export interface TrustSettings {
  /** Absolute path of the private key, if one is named. */
  signingKey?: string;
  /** Absolute path of the allowed-signers file, if one is named. */
  allowedSigners?: string;
}

/**
 * The key and signers files named by `--signing-key` / `$SGD_NOISE_SIGNING_KEY` and `--allowed-signers` /
 * `$SGD_NOISE_ALLOWED_SIGNERS` / the project's `allowedSigners` (relative to the project root), as absolute paths.
 * Neither named: signing is off.
 */
export function trustSettings(values: { 'signing-key'?: string; 'allowed-signers'?: string }, projectRoot: string, projectSigners?: string): TrustSettings {
  const key = values['signing-key'] ?? (process.env.SGD_NOISE_SIGNING_KEY || undefined);
  const envSigners = values['allowed-signers'] ?? (process.env.SGD_NOISE_ALLOWED_SIGNERS || undefined);
  const signers = envSigners !== undefined ? path.resolve(envSigners) : projectSigners !== undefined ? path.resolve(projectRoot, projectSigners) : undefined;
  return { ...(key !== undefined ? { signingKey: path.resolve(key) } : {}), ...(signers !== undefined ? { allowedSigners: signers } : {}) };
}

/**
 * Opens the remote at `location` under `settings`, loading and checking the key files (one-line errors, exit 2).
 * When the command writes to the remote (`writes`) and signatures are required, it must have a signing key, and that
 * key must be one of the allowed signers (else everything it pushed would be refused by the team).
 */
export async function openTrustedRemote(location: string, settings: TrustSettings, writes: boolean): Promise<CacheRemote> {
  const remote = await openRemote(location);
  if (settings.signingKey === undefined && settings.allowedSigners === undefined) return remote;
  const trust: RemoteTrust = {
    ...(settings.signingKey !== undefined ? { signingKey: loadSigningKey(settings.signingKey) } : {}),
    ...(settings.allowedSigners !== undefined ? { allowedSigners: loadAllowedSigners(settings.allowedSigners, remote.location) } : {}),
  };
  const { signingKey, allowedSigners } = trust;
  if (writes && allowedSigners && !signingKey) {
    throw new SigningConfigError(
      `the remote's entries must be signed (allowed signers ${allowedSigners.file}), and this command writes to it without a signing key: set --signing-key FILE or $SGD_NOISE_SIGNING_KEY (\`sgd-noise cache keygen\` makes one)`,
    );
  }
  if (writes && allowedSigners && signingKey && !allowedSigners.members.has(signingKey.publicKey)) {
    throw new SigningConfigError(
      `signing key ${signingKey.file} (${signingKey.fingerprint}) is not in the allowed signers file ${allowedSigners.file}, so the team would refuse what it signs; add the line 'NAME ${signingKey.publicKey}' there`,
    );
  }
  return withTrust(remote, trust);
}

/** The options a cluster job's `exec` needs to sign and check as the coordinator does (absolute paths). */
export function trustArgs(settings: TrustSettings): string[] {
  return [
    ...(settings.signingKey !== undefined ? ['--signing-key', settings.signingKey] : []),
    ...(settings.allowedSigners !== undefined ? ['--allowed-signers', settings.allowedSigners] : []),
  ];
}

/** `--keep local|remote` for `cache push` (local) and `cache pull` (remote), checked; undefined when not given. */
export function keepOption(text: string | undefined, sub: string | undefined): 'local' | 'remote' | undefined {
  if (text === undefined) return undefined;
  const expected = sub === 'push' ? 'local' : sub === 'pull' ? 'remote' : undefined;
  if (expected === undefined) throw new UsageError('--keep is an option of cache push (--keep local) and cache pull (--keep remote)');
  if (text !== expected) {
    throw new UsageError(
      `cache ${sub} --keep: expected '${expected}' (${sub === 'push' ? "push writes the remote: --keep local replaces the remote's divergent entries by the local ones; to keep the remote's, run cache pull --keep remote" : "pull writes the local cache: --keep remote replaces local divergent entries by the remote's; to keep the local ones, run cache push --keep local"}), received '${text}'`,
    );
  }
  return expected;
}

/** The private key file `cache keygen` writes when no `--out` is given. */
export function defaultKeyFile(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'sgd-noise', 'signing-key');
}

/** `sgd-noise cache keygen [--out FILE]`: makes a key pair and says how to use it; returns the exit code. */
export function runKeygen(out: string | undefined, write: (text: string) => void): number {
  const file = path.resolve(out ?? defaultKeyFile());
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = 'me';
  }
  const made = generateKeyFiles(file, name);
  write(`wrote the private key ${made.privateFile} (mode 0600: keep it secret) and the public key ${made.publicFile}`);
  write(`fingerprint ${made.fingerprint}`);
  write(`to sign what you push: --signing-key ${made.privateFile}, or export SGD_NOISE_SIGNING_KEY=${made.privateFile}`);
  write(`add this line to the team's allowed signers file (kept in the project's git repository, never in the remote):`);
  write(`${name} ${made.publicKey}`);
  return 0;
}
