/**
 * A remote shared by two real users (created here with useradd, removed after): a world-writable sticky directory
 * (1777) and a setgid group directory (2770) whose group holds both. Each user pushes, the second after the first,
 * and then pulls everything; the first writes with umask 077, the second with 022. Before, the first push created
 * blobs/ and manifests/ with mode 0755 (and read-only files 0400 under umask 077), so the second user got "permission
 * denied". Needs root and useradd: elsewhere the test logs why it is skipped and passes (on CI it fails instead). Each
 * side starts as root and becomes its user before touching any file (test/fixtures/remote-share.ts).
 */
import test, { type ExecutionContext } from 'ava';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { TransferReport } from '../cache/remote.ts';

const SIDE = fileURLToPath(new URL('./fixtures/remote-share.ts', import.meta.url));

/** Why two users cannot be made here, or undefined when they can. */
async function cannotMakeUsers(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root: creating two users needs root';
  for (const tool of ['useradd', 'userdel', 'groupadd', 'groupdel']) {
    if ((await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode !== 0) return `${tool} is missing (package passwd)`;
  }
  return undefined;
}

/** Two fresh users in one fresh group; removed on teardown. */
async function twoUsers(t: ExecutionContext): Promise<{ group: string; gid: number; users: { name: string; uid: number }[] }> {
  const tag = `${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
  const group = `sgdng${tag}`;
  const names = [`sgdna${tag}`, `sgdnb${tag}`];
  await execa('groupadd', [group]);
  t.teardown(() => execa('groupdel', [group], { reject: false }));
  for (const name of names) {
    await execa('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--groups', group, name]);
    t.teardown(() => execa('userdel', [name], { reject: false }));
  }
  const id = async (args: string[]) => Number((await execa('id', args)).stdout.trim());
  return {
    group,
    gid: Number((await execa('getent', ['group', group])).stdout.split(':')[2]),
    users: await Promise.all(names.map(async (name) => ({ name, uid: await id(['-u', name]) }))),
  };
}

/** Runs one user's side (push its tags, pull everything) as `user` with `umask`; its reports. */
async function side(
  user: { name: string; uid: number },
  umask: string,
  base: string,
  remote: string,
  tags: string[],
): Promise<{ push: TransferReport; pull: TransferReport }> {
  const home = path.join(base, user.name);
  mkdirSync(home, { recursive: true });
  chownSync(home, user.uid, -1);
  const r = await execa(process.execPath, ['--import', 'tsx', SIDE, user.name, umask, path.join(home, `cache-${tags.join('-')}`), remote, ...tags], {
    reject: false,
    env: { TMPDIR: home, HOME: home },
    cwd: path.dirname(SIDE),
  });
  if (r.exitCode !== 0) throw new Error(`${user.name} (umask ${umask}): exit ${r.exitCode}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as { push: TransferReport; pull: TransferReport };
}

/** Every directory and file under `dir` with its mode in octal, e.g. `blobs 1777`, `blobs/ab/ab12… 444`. */
function modes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) out.set(rel, (lstatSync(path.join(dir, rel)).mode & 0o7777).toString(8));
  return out;
}

for (const kind of ['sticky 1777 directory', 'setgid group directory (2770)'] as const) {
  test.serial(`two users push to and pull from one remote in a ${kind}`, async (t) => {
    const why = await cannotMakeUsers();
    if (why) {
      if (process.env.CI) return void t.fail(`the shared-remote test must run on CI (as root, with useradd): ${why}`);
      t.log(`skipped: ${why}`);
      return void t.pass();
    }
    const { gid, users } = await twoUsers(t);
    const base = mkdtempSync(path.join(tmpdir(), 'sgdn-shared-'));
    chmodSync(base, 0o755);
    t.teardown(() => rmSync(base, { recursive: true, force: true }));
    const remote = path.join(base, 'remote');
    mkdirSync(remote);
    if (kind === 'sticky 1777 directory') chmodSync(remote, 0o1777);
    else {
      chownSync(remote, 0, gid);
      chmodSync(remote, 0o2770);
    }
    const [a, b] = users as [{ name: string; uid: number }, { name: string; uid: number }];
    const first = await side(a, '077', base, remote, ['a', 'both']);
    t.is(first.push.entries.transferred, 2);
    const second = await side(b, '022', base, remote, ['b', 'both']);
    t.deepEqual([second.push.entries.transferred, second.push.entries.present], [1, 1], 'the entry both made was already there');
    t.deepEqual([second.pull.entries.transferred, second.pull.entries.corrupt], [3, 0], "the second user reads the first one's entries");
    const third = await side(a, '077', base, remote, ['c']);
    t.deepEqual([third.pull.entries.transferred, third.pull.entries.corrupt], [4, 0], "and the first the second one's");

    // Directories: writable by whoever may write the remote (its group and other bits, setgid and sticky copied);
    // files: read-only, readable by them. Bits the writer's umask allowed may be there too (o+rx from umask 022).
    const sticky = kind === 'sticky 1777 directory';
    const dirBits = sticky ? 0o1777 : 0o2770;
    const fileBits = sticky ? 0o444 : 0o440;
    for (const [rel, mode] of modes(remote)) {
      const bits = parseInt(mode, 8);
      if (rel === 'blobs' || rel === 'manifests' || /^blobs\/[0-9a-f]{2}$/.test(rel)) t.is(bits & dirBits, dirBits, `directory ${rel} has mode ${mode}`);
      else {
        t.is(bits & fileBits, fileBits, `file ${rel} has mode ${mode}`);
        t.is(bits & 0o222, 0, `file ${rel} is read-only`);
      }
    }
    if (kind !== 'sticky 1777 directory')
      for (const rel of ['blobs', 'manifests']) t.is(lstatSync(path.join(remote, rel)).gid, gid, `${rel} belongs to the group`);
  });
}
