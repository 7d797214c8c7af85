/**
 * Ed25519 keys for signing remote entries (node:crypto only), in the formats git's SSH signing uses where it can:
 *
 * - a private key: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), mode 0600, made by `sgd-noise cache keygen`
 *   (node:crypto cannot read OpenSSH's own private key format);
 * - a public key: one OpenSSH line, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… comment`;
 * - an allowed-signers file (as git's `gpg.ssh.allowedSignersFile`): one member a line, `NAME ssh-ed25519 AAAA…
 *   [comment]`; blank lines and `#` comments are skipped.
 *
 * Every problem with a key file is a one-line {@link SigningConfigError} naming the file, what is wrong and the fix.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RemoteConfigError } from './errors.ts';

/** A key file that cannot be used as given (missing, unprotected, wrong format): the CLI exits with code 2. */
export class SigningConfigError extends RemoteConfigError {}

/** The key type sgd-noise signs with, as OpenSSH names it. */
export const KEY_TYPE = 'ssh-ed25519';

/** A member's private key, loaded and checked. */
export interface SigningKey {
  /** The file it was read from. */
  readonly file: string;
  readonly privateKey: KeyObject;
  /** The public half as an OpenSSH key without comment: `ssh-ed25519 AAAA…`. */
  readonly publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
}

/** The members whose signatures are accepted: public key (`ssh-ed25519 AAAA…`) → their names. */
export interface AllowedSigners {
  /** The file it was read from. */
  readonly file: string;
  readonly members: ReadonlyMap<string, readonly string[]>;
}

/** The OpenSSH wire blob of a raw 32-byte ed25519 public key. */
function sshBlob(raw: Uint8Array): Buffer {
  const field = (bytes: Uint8Array) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return Buffer.concat([len, bytes]);
  };
  return Buffer.concat([field(Buffer.from(KEY_TYPE)), field(raw)]);
}

/** `ssh-ed25519 AAAA…` for a public key object. */
export function sshPublicKey(key: KeyObject): string {
  const raw = Buffer.from((key.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
  return `${KEY_TYPE} ${sshBlob(raw).toString('base64')}`;
}

/** The ed25519 public key object of `ssh-ed25519 BASE64`, or undefined when it is not one. */
export function parseSshPublicKey(text: string): KeyObject | undefined {
  const m = /^ssh-ed25519 ([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (!m) return undefined;
  const blob = Buffer.from(m[1]!, 'base64');
  const expected = sshBlob(Buffer.alloc(32));
  if (blob.length !== expected.length || !blob.subarray(0, 19).equals(expected.subarray(0, 19))) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: blob.subarray(19).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** `SHA256:…` of an OpenSSH public key (`ssh-ed25519 AAAA…`), the fingerprint `ssh-keygen -l` prints. */
export function keyFingerprint(publicKey: string): string {
  const base64 = publicKey.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Makes a new key pair: the private key in `file` (PKCS#8 PEM, mode 0600) and the public key in `file.pub` (one
 * OpenSSH line ending in `comment`). Never overwrites: an existing file of either name is an error.
 * Example: `generateKeyFiles('/home/ada/.config/sgd-noise/signing-key', 'ada')`.
 */
export function generateKeyFiles(file: string, comment: string): { privateFile: string; publicFile: string; publicKey: string; fingerprint: string } {
  const publicFile = `${file}.pub`;
  for (const f of [file, publicFile]) {
    if (exists(f)) throw new SigningConfigError(`${f} exists; keygen never overwrites a key: choose another --out FILE, or move it aside`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = sshPublicKey(publicKey);
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SigningConfigError(`cannot create the directory of ${file} (${(err as Error).message}); choose another --out FILE`);
  }
  writeNew(file, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 0o600);
  writeNew(publicFile, `${pub} ${comment}\n`, 0o644);
  return { privateFile: file, publicFile, publicKey: pub, fingerprint: keyFingerprint(pub) };
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Creates `file` (failing if it exists) with `mode` and writes `text`. */
function writeNew(file: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new SigningConfigError(`${file} exists; keygen never overwrites a key: choose another --out FILE, or move it aside`);
    throw new SigningConfigError(`cannot create ${file} (${code ?? (err as Error).message}); choose another --out FILE`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Reads a key file as text; a missing or unreadable one is a one-line error naming `what` and the way to set it. */
function readKeyFile(file: string, what: string, setting: string): { text: string; mode: number } {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new SigningConfigError(`${what} ${file} is not a regular file; fix ${setting}`);
    mode = st.mode & 0o777;
    return { text: readFileSync(file, 'utf8'), mode };
  } catch (err) {
    if (err instanceof SigningConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (err as Error).message})`;
    throw new SigningConfigError(`${what} ${file} ${why}; fix ${setting}`);
  }
}

const KEY_SETTING = '--signing-key FILE / $SGD_NOISE_SIGNING_KEY';
const SIGNERS_SETTING = "--allowed-signers FILE / $SGD_NOISE_ALLOWED_SIGNERS / the project's allowedSigners";

/**
 * Loads a private signing key, refusing (one line each) a file that others may read (as ssh refuses an unprotected
 * private key), an OpenSSH-format key, a key of another type, and anything that is not a PEM key.
 */
export function loadSigningKey(file: string): SigningKey {
  const { text, mode } = readKeyFile(file, 'signing key', KEY_SETTING);
  if ((mode & 0o077) !== 0) {
    throw new SigningConfigError(
      `signing key ${file} is accessible by others (mode 0${mode.toString(8)}); a private key must be readable by its owner only: chmod 600 ${file}`,
    );
  }
  if (text.includes('-----BEGIN OPENSSH PRIVATE KEY-----')) {
    throw new SigningConfigError(
      `signing key ${file} is in OpenSSH's private key format, which node:crypto cannot read; make a key with \`sgd-noise cache keygen\` (PKCS#8 PEM)`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch {
    throw new SigningConfigError(`signing key ${file} is not a private key in PEM format; make one with \`sgd-noise cache keygen\``);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningConfigError(
      `signing key ${file} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; sgd-noise signs with ed25519 keys only: make one with \`sgd-noise cache keygen\``,
    );
  }
  const publicKey = sshPublicKey(createPublicKey(privateKey));
  return { file, privateKey, publicKey, fingerprint: keyFingerprint(publicKey) };
}

/**
 * Loads an allowed-signers file. It must not be writable by group or others, and must not lie inside `remoteRoot`
 * (whoever can write the remote could add their own key). Each line is `NAME ssh-ed25519 BASE64 [comment]`
 * (NAME may list several names separated by commas); any other line is a one-line error naming the line.
 */
export function loadAllowedSigners(file: string, remoteRoot?: string): AllowedSigners {
  const { text, mode } = readKeyFile(file, 'allowed signers file', SIGNERS_SETTING);
  if ((mode & 0o022) !== 0) {
    throw new SigningConfigError(
      `allowed signers file ${file} is writable by ${mode & 0o002 ? 'everyone' : 'its group'} (mode 0${mode.toString(8)}); whoever can edit it can add a signer: chmod go-w ${file}`,
    );
  }
  if (remoteRoot !== undefined && isInside(file, remoteRoot)) {
    throw new SigningConfigError(
      `allowed signers file ${file} lies inside the remote ${remoteRoot}, where anyone who can write the remote could add a signer; keep it in the project's git repository or your home directory`,
    );
  }
  const members = new Map<string, string[]>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `allowed signers file ${file} line ${i + 1}`;
    const [names, type, base64] = line.split(/\s+/);
    if (type !== KEY_TYPE) {
      const hint =
        type?.startsWith('ssh-') || type?.startsWith('ecdsa-') || type?.startsWith('sk-')
          ? `key type ${type} is not supported (sgd-noise signs with ed25519 only)`
          : 'expected NAME ssh-ed25519 BASE64-KEY [comment] (options such as valid-after= are not supported)';
      throw new SigningConfigError(`${where}: ${hint}`);
    }
    const key = `${KEY_TYPE} ${base64 ?? ''}`;
    if (!parseSshPublicKey(key))
      throw new SigningConfigError(`${where}: '${(base64 ?? '').slice(0, 24)}…' is not an ed25519 public key; copy the line keygen printed (or the .pub file)`);
    members.set(key, [...(members.get(key) ?? []), ...names!.split(',').filter(Boolean)]);
  });
  if (members.size === 0)
    throw new SigningConfigError(
      `allowed signers file ${file} names no signer; add a line NAME ssh-ed25519 BASE64-KEY per member (see \`sgd-noise cache keygen\`)`,
    );
  return { file, members };
}

/** Whether `file` (resolved through symbolic links) lies inside directory `dir`. */
function isInside(file: string, dir: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const rel = path.relative(real(dir), real(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
