/**
 * The cache remote from the command line, on the toy project: `run` with a remote pulls instead of computing,
 * `cache push|pull|status` (text and --json), targets, corrupt remote files named by status, and bad remotes.
 */
import test from 'ava';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execaNode } from 'execa';
import { BIN, TOY, workspace } from './fixtures/cli-workspace.ts';
import { mountTmpfs } from './fixtures/tmpfs.ts';

const ALL = ['source', 'left', 'right', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'slow', 'summary'];
const remoteDir = () => mkdtempSync(path.join(tmpdir(), 'sgdn-remote-cli-'));
// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, read field by field by the assertions
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

test('run with a remote pushes what it computes; a second run on a fresh local cache pulls everything and computes nothing', async (t) => {
  const remote = remoteDir();
  const a = workspace();
  const first = await a.cli(['run', '--json', '--remote', remote]);
  t.is(first.exitCode, 0, first.stderr);
  const s1 = json(first.stdout);
  t.deepEqual([...s1.ran].sort(), [...ALL].sort());
  t.deepEqual([...s1.pushed].sort(), [...ALL].sort());
  t.deepEqual(s1.remoteFailed, []);

  const b = workspace();
  const second = await execaNode(BIN, ['run', '--json', '--project', TOY, '--cache', b.cache], {
    env: { ...b.env, SGD_NOISE_REMOTE: pathToFileURL(remote).href },
    reject: false,
  });
  t.is(second.exitCode, 0, second.stderr);
  const s2 = json(second.stdout);
  t.deepEqual(s2.ran, []);
  t.deepEqual([...s2.hits].sort(), [...ALL].sort());
  t.deepEqual([...s2.pulled].sort(), [...ALL].sort());
  t.deepEqual(b.executed(), [], 'nothing was computed');
  t.regex(second.stderr, /pulled\s+join \([0-9a-f]{12}\) from the remote, 1 blob\(s\)/);
  t.deepEqual(JSON.parse(readFileSync(path.join(b.dir, 'out/summary.json'), 'utf8')), JSON.parse(readFileSync(path.join(a.dir, 'out/summary.json'), 'utf8')));
  // and the pulled entries are ordinary local entries now
  const third = await b.cli(['run', '--json']);
  t.deepEqual([...json(third.stdout).hits].sort(), [...ALL].sort());
  t.deepEqual(json(third.stdout).pulled, []);
});

test('cache push / pull / status: --json has counts and bytes; targets take their ancestors; a second push sends nothing', async (t) => {
  const remote = remoteDir();
  const a = workspace();
  t.is((await a.cli(['run'])).exitCode, 0);

  const before = await a.cli(['cache', 'status', '--remote', remote, '--json']);
  t.is(before.exitCode, 0, before.stderr);
  const st = json(before.stdout);
  t.deepEqual(st.counts, { both: 0, remoteLacks: 9, localLacks: 0, neither: 0, corrupt: 0 });
  t.true(st.bytes.remoteLacks > 0);
  t.is(st.bytes.localLacks, 0);
  t.deepEqual([...st.remoteLacks].sort(), [...ALL].sort());

  const some = await a.cli(['cache', 'push', '--remote', remote, '--json', 'join']);
  t.is(some.exitCode, 0, some.stderr);
  const p1 = json(some.stdout);
  t.deepEqual(p1.transferred.map((x: { instance: string }) => x.instance).sort(), ['join', 'left', 'right', 'source']);
  t.is(p1.entries.transferred, 4);
  t.true(p1.bytes.transferred > 0 && p1.blobs.transferred >= 4);

  const rest = await a.cli(['cache', 'push', '--remote', remote, '--json']);
  const p2 = json(rest.stdout);
  t.deepEqual([p2.entries.transferred, p2.entries.present], [5, 4]);
  const again = json((await a.cli(['cache', 'push', '--remote', remote, '--json'])).stdout);
  t.deepEqual(again.entries, { transferred: 0, present: 9, missing: 0, corrupt: 0 });
  t.deepEqual(again.bytes.transferred, 0);

  const text = await a.cli(['cache', 'push', '--remote', remote]);
  t.regex(text.stdout, new RegExp(`push to ${remote}: 0 entries uploaded \\(0 blobs, 0 B\\), 9 already in the remote, 0 not in the local cache, 0 corrupt`));

  const b = workspace();
  const pulled = await execaNode(BIN, ['cache', 'pull', '--json', 'fan', '--project', TOY, '--cache', b.cache], {
    env: { ...b.env, SGD_NOISE_REMOTE: remote },
    reject: false,
  });
  t.is(pulled.exitCode, 0, pulled.stderr);
  const l = json(pulled.stdout);
  t.is(l.entries.transferred, 7, 'fan[kind=a|b|c] and source, left, right, join');
  t.true(l.bytes.transferred > 0);
  const st2 = json((await b.cli(['cache', 'status', '--remote', remote, '--json'])).stdout);
  t.deepEqual(st2.counts, { both: 7, remoteLacks: 0, localLacks: 2, neither: 0, corrupt: 0 });
  t.deepEqual([...st2.localLacks].sort(), ['slow', 'summary']);
  const textStatus = await b.cli(['cache', 'status', '--remote', remote]);
  t.regex(textStatus.stdout, /^pull\s+slow\s+.*the local cache lacks it$/m);
  t.regex(textStatus.stdout, /7 on both sides; the remote lacks 0 \(0 B, `sgd-noise cache push`\), the local cache lacks 2/);
  t.deepEqual(b.executed(), []);
});

test('cache status --remote names truncated and bit-flipped blobs and a manifest naming a missing blob; pull skips them', async (t) => {
  const remote = remoteDir();
  const a = workspace();
  t.is((await a.cli(['run', '--remote', remote])).exitCode, 0);
  const st = json((await a.cli(['cache', 'status', '--remote', remote, '--json'])).stdout);
  const keyOf = (id: string) => st.instances.find((r: { instance: string }) => r.instance === id).key as string;
  const manifestOf = (id: string) => JSON.parse(readFileSync(path.join(remote, 'manifests', `${keyOf(id)}.json`), 'utf8')).manifest;
  const blobFile = (id: string) => {
    const hash = Object.values(manifestOf(id).outputs as Record<string, { blob: string }>)[0]!.blob;
    return path.join(remote, 'blobs', hash.slice(0, 2), hash);
  };
  const edit = (file: string, f: (b: Buffer) => Buffer) => {
    chmodSync(file, 0o644);
    writeFileSync(file, f(readFileSync(file)));
  };
  const truncated = blobFile('left');
  const flipped = blobFile('right');
  const missing = blobFile('fan[kind=a]');
  edit(truncated, (b) => b.subarray(0, 3));
  edit(flipped, (b) => {
    b[0] ^= 1;
    return b;
  });
  rmSync(missing);

  const status = await a.cli(['cache', 'status', '--remote', remote]);
  t.is(status.exitCode, 1);
  t.regex(status.stdout, new RegExp(`CORRUPT  remote left .*${truncated} has 3 bytes`));
  t.regex(status.stdout, new RegExp(`CORRUPT  remote right .*${flipped} does not match its hash`));
  t.regex(status.stdout, new RegExp(`CORRUPT  remote fan\\[kind=a\\] .*${missing.replace(/[[\]]/g, '\\$&')} is missing`));
  const sj = json((await a.cli(['cache', 'status', '--remote', remote, '--json'])).stdout);
  t.deepEqual(sj.corrupt.map((c: { instance: string }) => c.instance).sort(), ['fan[kind=a]', 'left', 'right']);
  t.is(sj.counts.corrupt, 3);

  const b = workspace();
  const pull = await b.cli(['cache', 'pull', '--remote', remote, '--json']);
  t.is(pull.exitCode, 1, 'corrupt remote entries make the exit code 1');
  const pj = json(pull.stdout);
  t.is(pj.entries.transferred, 6);
  t.is(pj.entries.corrupt, 3);
  const st2 = json((await b.cli(['cache', 'status', '--remote', remote, '--json'])).stdout);
  t.deepEqual(st2.instances.filter((r: { local: string }) => r.local === 'present').length, 6);

  // push from the intact cache replaces them
  const repair = json((await a.cli(['cache', 'push', '--remote', remote, '--json'])).stdout);
  t.deepEqual(
    repair.corrupt.map((c: { repaired: boolean }) => c.repaired),
    [true, true, true],
  );
  t.is((await a.cli(['cache', 'status', '--remote', remote])).exitCode, 0);
});

test('a bad --remote is one line and exit code 2; nothing is created', async (t) => {
  const w = workspace();
  const missing = path.join(w.dir, 'no-such-remote');
  for (const args of [
    ['cache', 'pull', '--remote', missing],
    ['run', '--remote', missing],
  ]) {
    const r = await w.cli(args);
    t.is(r.exitCode, 2, args.join(' '));
    t.is(
      r.stderr.trim(),
      `sgd-noise: remote directory ${missing} does not exist; create it on a filesystem every node mounts, or fix --remote / $SGD_NOISE_REMOTE`,
    );
    t.false(existsSync(w.cache), 'no local cache was created');
  }
  const s3 = await w.cli(['cache', 'status', '--remote', 's3://bucket/prefix']);
  t.is(s3.exitCode, 2);
  t.is(
    s3.stderr.trim(),
    "sgd-noise: remote 's3://bucket/prefix': unsupported scheme 's3:'; supported: a directory path, or a file:// URL (file:///shared/sgd-noise-remote)",
  );
  const none = await w.cli(['cache', 'push']);
  t.is(none.exitCode, 2);
  t.regex(none.stderr.trim(), /^sgd-noise: cache push needs a remote: --remote DIR .* or \$SGD_NOISE_REMOTE$/);
  const debug = await w.cli(['cache', 'pull', '--remote', missing, '--debug']);
  t.is(debug.exitCode, 2);
  t.true(debug.stderr.includes('\n    at '), '--debug shows the stack');
});

test('an unwritable remote: run and cache push fail with one line, exit code 1, and compute nothing', async (t) => {
  const fs = await mountTmpfs('1m');
  if (typeof fs === 'string') {
    t.log(fs);
    t.pass();
    return;
  }
  try {
    await fs.remount('ro');
    const w = workspace();
    const run = await w.cli(['run', '--remote', fs.dir]);
    t.is(run.exitCode, 1);
    t.is(run.stderr.trim().split('\n').length, 1, run.stderr);
    t.regex(run.stderr, new RegExp(`^sgd-noise: remote ${fs.dir}: cannot create ${fs.dir}/blobs \\(read-only file system, EROFS\\)`));
    t.deepEqual(w.executed(), []);
    t.is((await w.cli(['run'])).exitCode, 0);
    const push = await w.cli(['cache', 'push', '--remote', fs.dir]);
    t.is(push.exitCode, 1);
    t.regex(
      push.stderr.trim(),
      /^sgd-noise: remote .*read-only file system, EROFS\); mount the shared filesystem read-write, or choose another remote with --remote \/ \$SGD_NOISE_REMOTE$/,
    );
  } finally {
    await fs.unmount();
  }
});
