/**
 * Who can forge what in a remote: entries signed on push and required on pull, a forged entry (new blob, output
 * repointed, digest recomputed, edited in the remote's files as an attacker would) refused when signatures are
 * required and reported as divergent against a cache holding the genuine entry even without them, unknown and
 * missing signers refused, and key files with wrong permissions or formats refused in one line.
 */
import test from 'ava';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commitEntry } from '../test/fixtures/remote-entries.ts';
import { hashJson, sha256Hex } from './hash.ts';
import { DirRemote } from './remote-dir.ts';
import { withTrust, type RemoteTrust } from './remote-trust.ts';
import { compareEntries, pullEntries, pushEntries, remoteLookup } from './remote.ts';
import { SigningConfigError, generateKeyFiles, loadAllowedSigners, loadSigningKey, type SigningKey } from './signing-keys.ts';
import { CacheStore } from './store.ts';

const made: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `sgdn-trust-${prefix}-`));
  made.push(dir);
  return dir;
};
test.after.always(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A member's key pair made by keygen's code, loaded. */
function member(name: string): SigningKey {
  const made = generateKeyFiles(path.join(tmp('keys'), name), name);
  return loadSigningKey(made.privateFile);
}

/** An allowed-signers file (mode 0644) naming `members`. */
function signersFile(members: Record<string, SigningKey>): string {
  const file = path.join(tmp('signers'), 'allowed_signers');
  writeFileSync(
    file,
    `# the team\n${Object.entries(members)
      .map(([name, k]) => `${name} ${k.publicKey} ${name}@example`)
      .join('\n')}\n`,
    { mode: 0o644 },
  );
  return file;
}

async function filled(tags: string[]): Promise<{ cache: CacheStore; keys: string[] }> {
  const cache = CacheStore.open(tmp('cache'));
  const keys: string[] = [];
  for (const tag of tags) keys.push(await commitEntry(cache, tag, 8));
  return { cache, keys };
}

/** Forges entry `key` in the remote's files: a new blob, output `w` repointed at it, the digest recomputed. */
function forge(remote: DirRemote, key: string, opts: { stripSignature?: boolean } = {}): string {
  const file = remote.manifestPath(key);
  const wrapper = JSON.parse(readFileSync(file, 'utf8'));
  const bytes = Buffer.from(new Float64Array([42, 42, 42, 42, 42, 42, 42, 42]).buffer);
  const hash = sha256Hex(bytes);
  mkdirSync(path.dirname(remote.blobPath(hash)), { recursive: true });
  writeFileSync(remote.blobPath(hash), bytes);
  wrapper.manifest.outputs.w = { ...wrapper.manifest.outputs.w, blob: hash, bytes: bytes.byteLength };
  wrapper.digest = hashJson(wrapper.manifest);
  if (opts.stripSignature) delete wrapper.signature;
  chmodSync(file, 0o644);
  writeFileSync(file, `${JSON.stringify(wrapper)}\n`);
  return hash;
}

test("signed round trip: push signs every manifest; a pull requiring the members' signatures imports them all and status names the signer", async (t) => {
  const alice = member('alice');
  const trust: RemoteTrust = { signingKey: alice, allowedSigners: loadAllowedSigners(signersFile({ alice })) };
  const { cache, keys } = await filled(['a', 'b']);
  const dir = DirRemote.open(tmp('remote'));
  const remote = withTrust(dir, trust);
  const pushed = await pushEntries(cache, remote, keys);
  t.is(pushed.entries.transferred, 2);
  for (const key of keys) {
    const wrapper = JSON.parse(readFileSync(dir.manifestPath(key), 'utf8'));
    t.is(wrapper.signature.key, alice.publicKey);
    t.regex(wrapper.signature.sig, /^[A-Za-z0-9+/]{86}==$/);
  }
  const fresh = CacheStore.open(tmp('cache'));
  const pulled = await pullEntries(withTrust(dir, { allowedSigners: trust.allowedSigners! }), fresh, keys);
  t.deepEqual(pulled.entries, { transferred: 2, present: 0, missing: 0, corrupt: 0 });
  for (const key of keys) t.deepEqual(fresh.getManifest(key), cache.getManifest(key));
  const rows = await compareEntries(cache, remote, keys);
  t.deepEqual(
    rows.map((r) => [r.remote, r.signer, r.difference]),
    [
      ['present', 'alice', undefined],
      ['present', 'alice', undefined],
    ],
  );
});

test('signing changes neither keys nor manifests: a signed and an unsigned push write the same manifest, digest and key', async (t) => {
  const { cache, keys } = await filled(['a']);
  const plain = DirRemote.open(tmp('remote'));
  const signed = DirRemote.open(tmp('remote'));
  await pushEntries(cache, plain, keys);
  await pushEntries(cache, withTrust(signed, { signingKey: member('alice') }), keys);
  const a = JSON.parse(readFileSync(plain.manifestPath(keys[0]!), 'utf8'));
  const b = JSON.parse(readFileSync(signed.manifestPath(keys[0]!), 'utf8'));
  t.is(a.signature, undefined);
  t.truthy(b.signature);
  delete b.signature;
  t.deepEqual(a, b);
  t.is(a.manifest.key, keys[0]);
});

test('a forged entry is refused where signatures are required: as a bad signature when the old one is kept, as unsigned when it is removed', async (t) => {
  const alice = member('alice');
  const allowedSigners = loadAllowedSigners(signersFile({ alice }));
  const { cache, keys } = await filled(['a']);
  const key = keys[0]!;
  const dir = DirRemote.open(tmp('remote'));
  await pushEntries(cache, withTrust(dir, { signingKey: alice }), keys);
  const reader = withTrust(dir, { allowedSigners });

  forge(dir, key);
  const kept = await pullEntries(reader, CacheStore.open(tmp('cache')), keys);
  t.deepEqual(kept.transferred, []);
  t.is(kept.corrupt.length, 1);
  t.regex(kept.corrupt[0]!.reason, new RegExp(`${key}\\.json: bad signature by key SHA256:\\S+: the manifest was changed after it was signed`));
  t.falsy(kept.corrupt[0]!.refused);

  forge(dir, key, { stripSignature: true });
  const stripped = CacheStore.open(tmp('cache'));
  const refused = await pullEntries(reader, stripped, keys);
  t.deepEqual(refused.transferred, []);
  t.true(refused.corrupt[0]!.refused);
  t.regex(refused.corrupt[0]!.reason, new RegExp(`refused: unsigned, and this remote's entries must be signed by a member listed in ${allowedSigners.file}`));
  t.is(stripped.lookup(key).status, 'miss', 'nothing imported');
  t.deepEqual(await remoteLookup(reader, key), { corrupt: refused.corrupt[0]!.reason });

  // The member's push replaces the refused entry by the verified, signed local one.
  const repaired = await pushEntries(cache, withTrust(dir, { signingKey: alice, allowedSigners }), keys);
  t.deepEqual(repaired.transferred, [key]);
  t.true(repaired.corrupt[0]!.repaired);
  t.is(await remoteLookup(reader, key), 'present');
});

test('without signatures a forged entry is imported by a fresh cache, but status and push against the genuine entry report it divergent; push leaves it unless told to keep local', async (t) => {
  const { cache, keys } = await filled(['a', 'b']);
  const key = keys[0]!;
  const dir = DirRemote.open(tmp('remote'));
  await pushEntries(cache, dir, keys);
  const genuine = cache.getManifest(key)!.outputs.w!.blob;
  const forged = forge(dir, key);
  const forgedFile = readFileSync(dir.manifestPath(key), 'utf8');
  // What nothing can tell without signatures: a cache that never saw the genuine entry imports the forged one.
  const fresh = CacheStore.open(tmp('cache'));
  t.deepEqual((await pullEntries(dir, fresh, [key])).transferred, [key]);
  t.is(fresh.getManifest(key)!.outputs.w!.blob, forged);

  const rows = await compareEntries(cache, dir, keys);
  t.deepEqual(
    rows.map((r) => r.remote),
    ['present', 'present'],
  );
  t.deepEqual(rows[0]!.difference?.outputs, [{ name: 'w', local: genuine.slice(0, 12), remote: forged.slice(0, 12) }]);
  t.is(rows[1]!.difference, undefined);

  const pushed = await pushEntries(cache, dir, keys);
  t.deepEqual(pushed.transferred, []);
  t.deepEqual(
    pushed.divergent.map((d) => [d.key, d.replaced]),
    [[key, false]],
  );
  t.regex(pushed.divergent[0]!.reason, /^differ in output w \(local [0-9a-f]{12}, remote [0-9a-f]{12}\); local computed \S+ on .*; remote computed \S+ on /);
  t.is(readFileSync(dir.manifestPath(key), 'utf8'), forgedFile, 'the remote entry is not overwritten');

  const kept = await pushEntries(cache, dir, keys, { keep: 'local' });
  t.deepEqual(kept.transferred, [key]);
  t.deepEqual(
    kept.divergent.map((d) => d.replaced),
    [true],
  );
  t.is((await compareEntries(cache, dir, keys))[0]!.difference, undefined);
});

test("pull --keep remote replaces a local entry whose results differ from the remote's; without it the local entry stays", async (t) => {
  const { cache, keys } = await filled(['a']);
  const key = keys[0]!;
  const dir = DirRemote.open(tmp('remote'));
  await pushEntries(cache, dir, keys);
  const forged = forge(dir, key);
  const plain = await pullEntries(dir, cache, keys);
  t.deepEqual([plain.entries.present, plain.divergent.length], [1, 0]);
  t.not(cache.getManifest(key)!.outputs.w!.blob, forged);
  const taken = await pullEntries(dir, cache, keys, { keep: 'remote' });
  t.deepEqual(taken.transferred, [key]);
  t.deepEqual(
    taken.divergent.map((d) => d.replaced),
    [true],
  );
  t.is(cache.getManifest(key)!.outputs.w!.blob, forged);
});

test('two runs of the same deterministic entry (other time, host) do not diverge', async (t) => {
  const a = await filled(['a']);
  const b = await filled(['a']);
  t.is(a.keys[0], b.keys[0]);
  const dir = DirRemote.open(tmp('remote'));
  await pushEntries(a.cache, dir, a.keys);
  const pushed = await pushEntries(b.cache, dir, b.keys);
  t.deepEqual([pushed.entries.present, pushed.divergent.length], [1, 0]);
});

test('entries signed by a key not in the allowed signers are refused, naming the key; a push without a key where signatures are required is refused', async (t) => {
  const alice = member('alice');
  const mallory = member('mallory');
  const allowedSigners = loadAllowedSigners(signersFile({ alice }));
  const { cache, keys } = await filled(['a']);
  const dir = DirRemote.open(tmp('remote'));
  await pushEntries(cache, withTrust(dir, { signingKey: mallory }), keys);
  const pulled = await pullEntries(withTrust(dir, { allowedSigners }), CacheStore.open(tmp('cache')), keys);
  t.deepEqual(pulled.transferred, []);
  t.true(pulled.corrupt[0]!.refused);
  t.regex(
    pulled.corrupt[0]!.reason,
    new RegExp(`refused: signed by key ${mallory.fingerprint.replace(/[+/]/g, '\\$&')}, which is not in the allowed signers file ${allowedSigners.file}`),
  );
  t.deepEqual(
    (await compareEntries(cache, withTrust(dir, { allowedSigners }), keys)).map((r) => r.remote),
    ['refused'],
  );
  await t.throwsAsync(pushEntries(cache, withTrust(dir, { allowedSigners }), keys), {
    instanceOf: SigningConfigError,
    message: /requires signed entries .* no signing key is set: --signing-key FILE or \$SGD_NOISE_SIGNING_KEY/,
  });
});

test('key files: a private key others can read, or not an ed25519 PEM key, and a bad allowed-signers file, give one-line errors naming the file and the fix', (t) => {
  const dir = tmp('files');
  const alice = member('alice');
  const write = (name: string, text: string, mode = 0o600) => {
    const file = path.join(dir, name);
    writeFileSync(file, text, { mode });
    chmodSync(file, mode);
    return file;
  };
  const pem = readFileSync(alice.file, 'utf8');
  const cases: [() => unknown, RegExp][] = [
    [
      () => loadSigningKey(write('open', pem, 0o644)),
      /^signing key \S+open is accessible by others \(mode 0644\); a private key must be readable by its owner only: chmod 600 \S+open$/,
    ],
    [() => loadSigningKey(write('group', pem, 0o640)), /is accessible by others \(mode 0640\)/],
    [() => loadSigningKey(path.join(dir, 'absent')), /^signing key \S+absent does not exist; fix --signing-key FILE \/ \$SGD_NOISE_SIGNING_KEY$/],
    [() => loadSigningKey(write('text', 'hello\n')), /^signing key \S+text is not a private key in PEM format; make one with `sgd-noise cache keygen`$/],
    [() => loadSigningKey(write('pub', `${alice.publicKey} alice\n`)), /is not a private key in PEM format/],
    [
      () => loadSigningKey(write('openssh', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n')),
      /is in OpenSSH's private key format, which node:crypto cannot read; make a key with `sgd-noise cache keygen`/,
    ],
    [
      () => loadSigningKey(write('ec', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)),
      /^signing key \S+ec is a ec key; sgd-noise signs with ed25519 keys only/,
    ],
    [() => loadSigningKey(dir), /^signing key \S+ is not a regular file/],
    [
      () => loadAllowedSigners(write('rsa', 'bob ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n', 0o644)),
      /^allowed signers file \S+rsa line 1: key type ssh-rsa is not supported \(sgd-noise signs with ed25519 only\)$/,
    ],
    [
      () => loadAllowedSigners(write('garbled', `# team\n\nbob ssh-ed25519 AAAAnotakey\n`, 0o644)),
      /^allowed signers file \S+garbled line 3: 'AAAAnotakey…' is not an ed25519 public key/,
    ],
    [
      () => loadAllowedSigners(write('options', `bob namespaces="git" ${alice.publicKey}\n`, 0o644)),
      /line 1: expected NAME ssh-ed25519 BASE64-KEY \[comment\]/,
    ],
    [() => loadAllowedSigners(write('empty', '# nobody\n', 0o644)), /names no signer/],
    [
      () => loadAllowedSigners(write('writable', `alice ${alice.publicKey}\n`, 0o664)),
      /^allowed signers file \S+ is writable by its group \(mode 0664\); whoever can edit it can add a signer: chmod go-w /,
    ],
  ];
  for (const [load, message] of cases) {
    const err = t.throws(load, { instanceOf: SigningConfigError }, String(message));
    t.regex(err!.message, message);
    t.false(err!.message.includes('\n'), 'one line');
  }
  const remoteRoot = tmp('remote');
  const inside = path.join(remoteRoot, 'allowed_signers');
  writeFileSync(inside, `alice ${alice.publicKey}\n`, { mode: 0o644 });
  t.throws(() => loadAllowedSigners(inside, remoteRoot), {
    instanceOf: SigningConfigError,
    message: /lies inside the remote .*where anyone who can write the remote could add a signer/,
  });
  t.notThrows(() => loadAllowedSigners(inside));
});

test('keygen writes the private key with mode 0600 and never overwrites either file', (t) => {
  const file = path.join(tmp('keygen'), 'sub', 'key');
  const made = generateKeyFiles(file, 'ada');
  t.is(readFileSync(file, 'utf8').split('\n')[0], '-----BEGIN PRIVATE KEY-----');
  t.is((statSync(file).mode & 0o777).toString(8), '600');
  t.regex(readFileSync(made.publicFile, 'utf8'), /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} ada\n$/);
  const before = readFileSync(file, 'utf8');
  t.throws(() => generateKeyFiles(file, 'ada'), {
    instanceOf: SigningConfigError,
    message: /exists; keygen never overwrites a key: choose another --out FILE, or move it aside$/,
  });
  t.is(readFileSync(file, 'utf8'), before);
  t.is(loadSigningKey(file).publicKey, made.publicKey);
});
