import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { codeFacts, shortCommit } from './code-facts.ts';

/** A temporary git repository with one commit of `package-lock.json`, or undefined where git is missing. */
async function gitRepo(): Promise<string | undefined> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-git-'));
  const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  try {
    await git('init', '-q');
  } catch {
    return undefined;
  }
  writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'one');
  return dir;
}

test('a clean checkout: the full commit sha, not dirty, the lockfile hash', async (t) => {
  const dir = await gitRepo();
  if (!dir) return t.pass('git is not installed: skipped');
  const facts = await codeFacts(dir);
  const head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
  t.is(facts.commit, head);
  t.regex(facts.commit!, /^[0-9a-f]{40}$/);
  t.false(facts.dirty);
  t.is(facts.reason, undefined);
  t.is(facts.lockfileSha256, createHash('sha256').update('{"lockfileVersion":3}\n').digest('hex'));
  t.is(shortCommit(facts), head.slice(0, 7));
});

test('a changed file and an untracked file each make the checkout dirty', async (t) => {
  const dir = await gitRepo();
  if (!dir) return t.pass('git is not installed: skipped');
  writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3,"x":1}\n');
  const changed = await codeFacts(dir);
  t.true(changed.dirty);
  t.regex(shortCommit(changed), /^[0-9a-f]{7}\+dirty$/);
  const other = await gitRepo();
  writeFileSync(path.join(other!, 'new.txt'), 'x');
  t.true((await codeFacts(other!)).dirty);
});

test('a directory outside git gives no commit, says why, and still hashes the lockfile', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-nogit-'));
  const facts = await codeFacts(dir);
  t.deepEqual({ ...facts }, { commit: null, dirty: null, reason: 'not a git checkout', lockfileSha256: null });
  t.is(shortCommit(facts), 'no git checkout');
  writeFileSync(path.join(dir, 'package-lock.json'), 'x');
  t.is((await codeFacts(dir)).lockfileSha256, createHash('sha256').update('x').digest('hex'));
});

test('a repository without a commit yet says so', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-git0-'));
  try {
    await execa('git', ['init', '-q'], { cwd: dir });
  } catch {
    return t.pass('git is not installed: skipped');
  }
  const facts = await codeFacts(dir);
  t.is(facts.commit, null);
  t.is(facts.reason, 'no commit yet');
});

test.serial('a machine without git gives no commit and says git is not installed', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-nogitbin-'));
  const saved = process.env.PATH;
  process.env.PATH = path.join(dir, 'empty-bin');
  try {
    const facts = await codeFacts(dir);
    t.is(facts.commit, null);
    t.is(facts.reason, 'git is not installed');
  } finally {
    process.env.PATH = saved;
  }
});
