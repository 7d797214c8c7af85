/**
 * Who can forge what, from the command line on the toy project: an entry forged in the remote's files (new blob,
 * output repointed, digest recomputed) is reported by `cache status` and `cache push` against the genuine entry and
 * never overwritten silently; with signing, runs and `exec` sign what they push and refuse what no member signed;
 * keygen and bad key files.
 */
import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaNode } from 'execa';
import { hashJson, sha256Hex } from '../cache/hash.ts';
import { parseJobLine } from '../pipeline/job-protocol.ts';
import { BIN, TOY, workspace } from './fixtures/cli-workspace.ts';

const made: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `sgdn-trust-cli-${prefix}-`));
  made.push(dir);
  return dir;
};
test.after.always(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
/** A toy-project workspace, removed after the tests. */
const ws = () => {
  const w = workspace();
  made.push(w.dir);
  return w;
};
// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, read field by field by the assertions
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

async function keyOf(w: ReturnType<typeof workspace>, instance: string): Promise<string> {
  const dag = await w.cli(['dag', '--json']);
  return (json(dag.stdout).nodes as { instance: string; key: string }[]).find((n) => n.instance === instance)!.key;
}

/** The key of the entry of `instance` in the remote's manifest files. */
function remoteKeyOf(remote: string, instance: string): string {
  const name = readdirSync(path.join(remote, 'manifests')).find(
    (f) => JSON.parse(readFileSync(path.join(remote, 'manifests', f), 'utf8')).manifest.instance === instance,
  );
  return name!.slice(0, -'.json'.length);
}

/** Forges the entry `key` as the audit did: a new blob, output `z` repointed at it, the digest recomputed. */
function forge(remote: string, key: string, opts: { stripSignature?: boolean } = {}): string {
  const file = path.join(remote, 'manifests', `${key}.json`);
  const wrapper = JSON.parse(readFileSync(file, 'utf8'));
  const bytes = Buffer.from(new Float64Array([42, 42, 42, 42]).buffer);
  const hash = sha256Hex(bytes);
  mkdirSync(path.join(remote, 'blobs', hash.slice(0, 2)), { recursive: true });
  writeFileSync(path.join(remote, 'blobs', hash.slice(0, 2), hash), bytes);
  wrapper.manifest.outputs.z = { ...wrapper.manifest.outputs.z, blob: hash, bytes: bytes.byteLength, shape: [4] };
  wrapper.digest = hashJson(wrapper.manifest);
  if (opts.stripSignature) delete wrapper.signature;
  chmodSync(file, 0o644);
  writeFileSync(file, `${JSON.stringify(wrapper)}\n`);
  return hash;
}

/** `cache keygen --out DIR/name`, and an allowed-signers file naming the key. */
async function keygen(w: ReturnType<typeof workspace>, name: string): Promise<{ key: string; signers: string; line: string }> {
  const dir = tmp('keys');
  const key = path.join(dir, name);
  const r = await w.cli(['cache', 'keygen', '--out', key]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const line = r.stdout.trim().split('\n').pop()!;
  const signers = path.join(dir, 'allowed_signers');
  writeFileSync(signers, `${name} ${line.split(' ').slice(1).join(' ')}\n`, { mode: 0o644 });
  return { key, signers, line };
}

test('a forged remote entry: status and push against the genuine entry report what differs and exit 1, push leaves it; push --keep local restores it', async (t) => {
  const remote = tmp('remote');
  const a = ws();
  t.is((await a.cli(['run', '--remote', remote])).exitCode, 0);
  const key = remoteKeyOf(remote, 'join');
  const forged = forge(remote, key);
  const forgedFile = readFileSync(path.join(remote, 'manifests', `${key}.json`), 'utf8');

  const status = await a.cli(['cache', 'status', '--remote', remote, 'join']);
  t.is(status.exitCode, 1, status.stdout);
  t.regex(status.stdout, /^DIFFERS\s+join\s+.*both sides hold it, with different results$/m);
  t.regex(
    status.stdout,
    new RegExp(
      `^DIFFERS  join \\(${key.slice(0, 12)}\\): differ in output z \\(local [0-9a-f]{12}, remote ${forged.slice(0, 12)}\\); local computed \\S+ on .*; remote computed \\S+ on `,
      'm',
    ),
  );
  t.regex(status.stdout, /1 divergent \(check which result is genuine, then `sgd-noise cache push --keep local` or `sgd-noise cache pull --keep remote`\)$/m);
  const sj = json((await a.cli(['cache', 'status', '--remote', remote, '--json', 'join'])).stdout);
  t.deepEqual(
    sj.divergent.map((d: { instance: string; difference: { outputs: { name: string }[] } }) => [d.instance, d.difference.outputs.map((o) => o.name)]),
    [['join', ['z']]],
  );

  const push = await a.cli(['cache', 'push', '--remote', remote, 'join']);
  t.is(push.exitCode, 1);
  t.regex(push.stdout, /^DIFFERS {2}join .*\(left as they are: /m);
  t.regex(push.stdout, /0 entries uploaded .*, 1 divergent/);
  t.is(readFileSync(path.join(remote, 'manifests', `${key}.json`), 'utf8'), forgedFile, 'not overwritten');

  const keep = await a.cli(['cache', 'push', '--remote', remote, '--keep', 'local', 'join']);
  t.is(keep.exitCode, 0, keep.stdout + keep.stderr);
  t.regex(keep.stdout, /^pushed {3}join /m);
  const after = await a.cli(['cache', 'status', '--remote', remote, 'join']);
  t.is(after.exitCode, 0, after.stdout);
});

test('signed runs: keys and manifests equal those of an unsigned run; a fresh run requiring signatures pulls every signed entry, refuses the forged one naming it, recomputes and re-signs it', async (t) => {
  const a = ws();
  const { key, signers } = await keygen(a, 'alice');
  const signedRemote = tmp('remote');
  const plainRemote = tmp('remote');
  t.is((await a.cli(['run', '--remote', signedRemote, '--signing-key', key, '--allowed-signers', signers])).exitCode, 0);
  t.is((await a.cli(['cache', 'push', '--remote', plainRemote])).exitCode, 0);
  const listing = (r: string) => readdirSync(path.join(r, 'manifests')).sort();
  t.deepEqual(listing(signedRemote), listing(plainRemote), 'the same cache keys');
  for (const name of listing(plainRemote)) {
    const signed = JSON.parse(readFileSync(path.join(signedRemote, 'manifests', name), 'utf8'));
    const plain = JSON.parse(readFileSync(path.join(plainRemote, 'manifests', name), 'utf8'));
    t.truthy(signed.signature);
    t.is(plain.signature, undefined);
    t.is(signed.digest, plain.digest);
  }

  const joinKey = remoteKeyOf(plainRemote, 'join');
  forge(signedRemote, joinKey, { stripSignature: true });
  const b = ws();
  const run = await execaNode(BIN, ['run', '--json', '--project', TOY, '--cache', b.cache, '--remote', signedRemote], {
    env: { ...b.env, SGD_NOISE_SIGNING_KEY: key, SGD_NOISE_ALLOWED_SIGNERS: signers },
    reject: false,
  });
  t.is(run.exitCode, 0, run.stderr);
  const summary = json(run.stdout);
  t.deepEqual(summary.ran, ['join'], 'only the refused entry is recomputed');
  t.true(summary.pulled.includes('left') && summary.pulled.includes('summary'));
  t.regex(run.stderr, new RegExp(`join.*${joinKey}\\.json: refused: unsigned, and this remote's entries must be signed by a member listed in ${signers}`));
  const repaired = JSON.parse(readFileSync(path.join(signedRemote, 'manifests', `${joinKey}.json`), 'utf8'));
  t.truthy(repaired.signature, 'the push replaced the refused entry by a signed one');
  const status = await b.cli(['cache', 'status', '--remote', signedRemote, '--allowed-signers', signers, 'join']);
  t.is(status.exitCode, 0, status.stdout);
  t.regex(status.stdout, /^both\s+join\s+.*signed by alice$/m);
});

test('exec (what a Slurm job runs) refuses inputs no member signed, and signs the entry it pushes', async (t) => {
  const w = ws();
  const { key, signers } = await keygen(w, 'alice');
  const remote = tmp('remote');
  const nodeCache = tmp('node');
  t.is((await w.cli(['run', 'source', '--remote', remote])).exitCode, 0, 'an unsigned input');
  const slowKey = await keyOf(w, 'slow');
  const exec = () =>
    execaNode(
      BIN,
      ['exec', 'slow', '--key', slowKey, '--remote', remote, '--node-cache', nodeCache, '--project', TOY, '--signing-key', key, '--allowed-signers', signers],
      { env: w.env, reject: false },
    );
  const refused = await exec();
  t.is(refused.exitCode, 1);
  const last = parseJobLine(refused.stdout.trim().split('\n').pop() ?? '') as { type: string; message: string };
  t.is(last.type, 'error');
  t.regex(
    last.message,
    /^slow: cannot get its inputs from the remote .*\.json: refused: unsigned, and this remote's entries must be signed by a member listed in /,
  );

  t.is((await w.cli(['cache', 'push', 'source', '--remote', remote, '--signing-key', key, '--allowed-signers', signers])).exitCode, 0, 'the member signs it');
  const ok = await exec();
  t.is(ok.exitCode, 0, ok.stdout + ok.stderr);
  t.truthy(JSON.parse(readFileSync(path.join(remote, 'manifests', `${slowKey}.json`), 'utf8')).signature);
});

test('cache keygen writes a 0600 key and never overwrites it; a key others can read or a file that is no key is one line and exit 2', async (t) => {
  const w = ws();
  const file = path.join(tmp('keys'), 'k');
  const first = await w.cli(['cache', 'keygen', '--out', file]);
  t.is(first.exitCode, 0, first.stderr);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.regex(first.stdout, /^\S+ ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\S+$/m);
  const again = await w.cli(['cache', 'keygen', '--out', file]);
  t.is(again.exitCode, 2);
  t.is(again.stderr, `sgd-noise: ${file} exists; keygen never overwrites a key: choose another --out FILE, or move it aside`);

  const remote = tmp('remote');
  t.is((await w.cli(['run', 'source'])).exitCode, 0);
  chmodSync(file, 0o644);
  const open = await w.cli(['cache', 'push', '--remote', remote, '--signing-key', file]);
  t.is(open.exitCode, 2);
  t.is(open.stderr, `sgd-noise: signing key ${file} is accessible by others (mode 0644); a private key must be readable by its owner only: chmod 600 ${file}`);
  const pub = await w.cli(['cache', 'push', '--remote', remote, '--signing-key', `${file}.pub`, '--allowed-signers', `${file}.pub`]);
  t.is(pub.exitCode, 2);
  t.regex(pub.stderr, /^sgd-noise: signing key \S+\.pub is accessible by others/);
  chmodSync(`${file}.pub`, 0o600);
  const notKey = await w.cli(['cache', 'push', '--remote', remote, '--signing-key', `${file}.pub`]);
  t.is(notKey.stderr, `sgd-noise: signing key ${file}.pub is not a private key in PEM format; make one with \`sgd-noise cache keygen\``);
  t.deepEqual(readdirSync(remote), [], 'nothing written');
  const wrongSide = await w.cli(['cache', 'push', '--remote', remote, '--keep', 'remote']);
  t.is(wrongSide.exitCode, 2);
  t.regex(wrongSide.stderr, /^sgd-noise: cache push --keep: expected 'local' .* received 'remote'$/);
});
