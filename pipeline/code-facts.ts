/**
 * Which code a run ran: the git commit of the project root, whether its working tree had changes, and the SHA-256 of
 * its `package-lock.json`. Facts about the run, outside every cache key (run records, the report's provenance). A
 * project root outside git, or a machine without git, gives `commit: null` with the reason; nothing fails.
 *
 * ```ts
 * await codeFacts('/work/sgd-noise'); // { commit: '3f9a…', dirty: false, lockfileSha256: 'ab12…' }
 * ```
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dieWithParent } from '../cache/orphan-guard.ts';

/** The code a run ran (see the module comment). */
export interface CodeFacts {
  /** The full commit sha of HEAD, or null outside a git checkout. */
  readonly commit: string | null;
  /** Whether `git status --porcelain` listed anything (changed, staged or untracked files); null outside git. */
  readonly dirty: boolean | null;
  /** Why `commit` is null: `not a git checkout`, `git is not installed`, …; absent when it is known. */
  readonly reason?: string;
  /** SHA-256 (hex) of `package-lock.json` in the project root; null when there is none. */
  readonly lockfileSha256: string | null;
}

/** How long one git command may take before the facts say so instead of waiting. */
const GIT_TIMEOUT_MS = 5000;

/** The facts of the project at `root` (see the module comment); never throws. */
export async function codeFacts(root: string): Promise<CodeFacts> {
  const lockfileSha256 = lockfileHash(root);
  const head = await git(root, ['rev-parse', '--verify', 'HEAD']);
  if ('reason' in head) return { commit: null, dirty: null, reason: head.reason, lockfileSha256 };
  const commit = head.stdout.trim();
  const status = await git(root, ['status', '--porcelain']);
  if ('reason' in status) return { commit, dirty: null, reason: `git status failed: ${status.reason}`, lockfileSha256 };
  return { commit, dirty: status.stdout.trim() !== '', lockfileSha256 };
}

/** The commit as a short line: `3f9a2c1`, `3f9a2c1+dirty`, or the reason there is none. */
export function shortCommit(facts: Pick<CodeFacts, 'commit' | 'dirty' | 'reason'>): string {
  if (facts.commit === null) return facts.reason === 'not a git checkout' ? 'no git checkout' : `no commit (${facts.reason ?? 'unknown'})`;
  return `${facts.commit.slice(0, 7)}${facts.dirty ? '+dirty' : ''}`;
}

function lockfileHash(root: string): string | null {
  try {
    return createHash('sha256')
      .update(readFileSync(path.join(root, 'package-lock.json')))
      .digest('hex');
  } catch {
    return null;
  }
}

/** Runs git in `root` (no shell, a short timeout, it dies with this process); its stdout, or why it gave none. */
async function git(root: string, args: readonly string[]): Promise<{ stdout: string } | { reason: string }> {
  // node:child_process, not execa: every run asks git, and execa is about a hundred modules to load (pipeline/child-cost.ts).
  const [file, fileArgs] = dieWithParent('git', args);
  const r = await new Promise<{ error: (Error & { code?: unknown; killed?: boolean }) | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      file,
      fileArgs,
      {
        cwd: root,
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: 256 * 1024 * 1024,
        // No optional locks: `git status` must not take the index lock of a checkout someone is working in.
        env: { ...process.env, LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' },
      },
      (error, stdout, stderr) => resolve({ error, stdout, stderr }),
    );
    child.stdin?.end();
  });
  if (r.error === null) return { stdout: r.stdout };
  if (r.error.code === 'ENOENT') return { reason: 'git is not installed' };
  if (r.error.killed) return { reason: `git ${args[0]} took longer than ${GIT_TIMEOUT_MS / 1000} s` };
  if (/not a git repository/i.test(r.stderr)) return { reason: 'not a git checkout' };
  if (/Needed a single revision|unknown revision/i.test(r.stderr)) return { reason: 'no commit yet' };
  // Say what git said: a repository owned by another user (safe.directory), a damaged one.
  const last =
    r.stderr
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^fatal:\s*/, '') ?? '';
  return { reason: last || `git ${args[0]} failed (exit code ${typeof r.error.code === 'number' ? r.error.code : 'none'})` };
}
