/**
 * Rows 2 and 8 of issue 11: filesystem errors (numeric LMDB codes included) reach the user as one line naming the
 * file, the cause and what to do; a full disk names ENOSPC and the cache, and a rerun after freeing space completes.
 */
import test from 'ava';
import path from 'node:path';
import { appendFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { workspace } from './fixtures/cli-workspace.ts';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from './fixtures/tmpfs.ts';

const tmpfs = await canMountTmpfs();
const withTmpfs = tmpfs === true ? test : test.skip;
const skipped = tmpfs === true ? '' : ` (skipped: ${tmpfs})`;

async function mounted(t: import('ava').ExecutionContext, size: string): Promise<Tmpfs> {
  const fs = await mountTmpfs(size);
  if (typeof fs === 'string') throw new Error(fs);
  t.teardown(() => fs.unmount());
  return fs;
}

withTmpfs(`a cache on a read-only filesystem: one line naming the file and EROFS, exit 1, no stack${skipped}`, async (t) => {
  const fs = await mounted(t, '4m');
  const w = workspace({ cache: path.join(fs.dir, 'cache') });
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  await fs.remount('ro');
  for (const args of [['ls'], ['run', 'slow.ms=1', 'left.scale=7']]) {
    const r = await w.cli([...args]);
    t.is(r.exitCode, 1, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /cache\.(mdb|lock)[^\n]*: read-only file system \(EROFS\); put the cache on a writable filesystem/, args.join(' '));
    t.notRegex(r.stderr, /TypeError|\n\s+at /, `${args.join(' ')}: no TypeError, no stack trace`);
  }
  const debug = await w.cli(['ls', '--debug']);
  t.regex(debug.stderr, /\n\s+at /, '--debug shows the stack trace');
});

withTmpfs(`disk full while a worker commits: the failure names ENOSPC and the cache file; after freeing space the rerun completes${skipped}`, async (t) => {
  const fs = await mounted(t, '2m');
  const w = workspace({ cache: path.join(fs.dir, 'cache') });
  const big = ['slow.ms=1', 'slow.pad=400000']; // 3.2 MB of float64 from the isolated stage
  const full = await w.cli(['run', ...big]);
  t.is(full.exitCode, 1, full.stderr);
  const cacheFile = path.join(fs.dir, 'cache', 'cache.mdb').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  t.regex(full.stderr, new RegExp(`FAILED\\s+slow: cannot store outputs: ${cacheFile}: no space left on device \\(ENOSPC`));
  t.notRegex(full.stderr, /Commit failed|\n\s+at |SIGABRT/);
  const again = await w.cli(['run', ...big]);
  t.regex(again.stderr, /no space left on device \(ENOSPC/, 'retrying while still full names the cause too');
  await fs.remount('size=16m');
  const before = w.executed().length;
  const rerun = await w.cli(['run', ...big]);
  t.is(rerun.exitCode, 0, rerun.stderr);
  t.deepEqual(w.executed().slice(before).sort(), ['slow', 'summary']);
});

withTmpfs(`a worker that crashes without a word while the disk is full: the failure names ENOSPC and the cache file${skipped}`, async (t) => {
  const fs = await mounted(t, '4m');
  const w = workspace({ cache: path.join(fs.dir, 'cache') });
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  const ballast = path.join(fs.dir, 'ballast');
  try {
    for (let _i = 0; ; _i++) appendFileSync(ballast, Buffer.alloc(64 << 10));
  } catch (err) {
    t.is((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  const r = await w.cli(['run', 'slow.ms=1', 'slow.crash=true']);
  t.is(r.exitCode, 1);
  t.regex(
    r.stderr,
    /FAILED\s+slow: worker process killed by SIGKILL while the cache's disk is full: \S+cache\.mdb: no space left on device \(ENOSPC: \d+ bytes free\)/,
  );
});

test('a cache path below a file is a bad path: exit 2, naming the path and ENOTDIR', async (t) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-notdir-')), 'plain-file');
  writeFileSync(file, 'x');
  const w = workspace({ cache: path.join(file, 'cache') });
  const r = await w.cli(['run', 'slow.ms=1']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /plain-file[^\n]*: a component of the path is not a directory \(ENOTDIR\)/);
  t.notRegex(r.stderr, /\n\s+at /);
});

withTmpfs(`issue 23: publishing into a read-only directory names --publish-dir, not --cache; --publish-dir moves it${skipped}`, async (t) => {
  const fs = await mounted(t, '1m');
  const w = workspace();
  mkdirSync(path.join(w.dir, 'out'));
  await execa('mount', ['--bind', fs.dir, path.join(w.dir, 'out')]);
  t.teardown(() => execa('umount', ['-l', path.join(w.dir, 'out')], { reject: false }).then(() => undefined));
  await fs.remount('ro');
  const r = await w.cli(['run', 'slow.ms=1']);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(
    r.stderr,
    /FAILED\s+summary: \S+out\/summary\.json: read-only file system \(EROFS\); put the published files \(reports\) on a writable filesystem with --publish-dir DIR/,
  );
  t.notRegex(r.stderr, /--cache|\.tmp:/);
  const elsewhere = path.join(w.dir, 'elsewhere');
  const moved = await w.cli(['run', 'slow.ms=1', '--publish-dir', elsewhere]);
  t.is(moved.exitCode, 0, moved.stderr);
  t.regex(moved.stderr, new RegExp(`wrote\\s+${elsewhere.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/out/summary\\.json`));
});

withTmpfs(`issue 23: a Slurm log directory on a read-only filesystem names EROFS and --slurm-log-dir${skipped}`, async (t) => {
  const fs = await mounted(t, '1m');
  await fs.remount('ro');
  const w = workspace();
  mkdirSync(path.join(w.dir, 'remote'));
  const r = await w.cli([
    'run',
    'slow.ms=1',
    '--executor',
    'slurm',
    '--remote',
    path.join(w.dir, 'remote'),
    '--slurm-log-dir',
    path.join(fs.dir, 'logs'),
    '--slurm-max-cpus',
    '1',
  ]);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(r.stderr, /logs: read-only file system \(EROFS\); put the Slurm job scripts and logs on a writable filesystem with --slurm-log-dir DIR/);
  t.notRegex(r.stderr, /--cache|ENOENT|\n\s+at /);
});

withTmpfs(`issue 23: after ENOSPC (no stack trace), a gc on the still-full disk reclaims the failed write's pages in place${skipped}`, async (t) => {
  const fs = await mounted(t, '2m');
  const w = workspace({ cache: path.join(fs.dir, 'cache') });
  const file = path.join(fs.dir, 'cache', 'cache.mdb');
  const full = await w.cli(['run', 'slow.ms=1', 'slow.pad=400000']); // 3.2 MB of float64: more than the disk holds
  t.is(full.exitCode, 1, full.stderr);
  t.regex(full.stderr, /no space left on device \(ENOSPC/);
  t.notRegex(full.stderr, /Commit failed|\n\s+at |Unhandled/);
  const grown = statSync(file).size;
  t.true(grown > 1 << 20, `the failed write left the file at ${grown} bytes`);
  const gc = await w.cli(['gc', 'slow.ms=1', 'slow.pad=400000']);
  t.is(gc.exitCode, 0, gc.stderr);
  t.notRegex(gc.stderr, /\n\s+at /);
  const after = statSync(file).size;
  t.true(after < grown / 4, `gc left the file at ${after} bytes (was ${grown})`);
  const rerun = await w.cli(['run', 'slow.ms=1']);
  t.is(rerun.exitCode, 0, rerun.stderr);
});

withTmpfs(
  `issue 23: disk full while the runner itself commits (an inline stage): one line, no lmdb "Commit failed" trace; gc on the full disk exits 0${skipped}`,
  async (t) => {
    const fs = await mounted(t, '1m');
    const w = workspace({ cache: path.join(fs.dir, 'cache') });
    const big = ['--only', 'source', 'source.n=400000']; // 3.2 MB of float64 from the inline stage `source`
    const full = await w.cli(['run', ...big]);
    t.is(full.exitCode, 1, full.stderr);
    t.regex(full.stderr, /FAILED\s+source: cannot store outputs: \S+cache\.mdb: no space left on device \(ENOSPC/);
    t.notRegex(full.stderr, /Commit failed|\n\s+at |Node\.js v/);
    const gc = await w.cli(['gc', ...big]);
    t.is(gc.exitCode, 0, gc.stderr);
    t.notRegex(gc.stderr, /No space left on device|\n\s+at /, 'a compacted copy that does not fit is not an error');
  },
);
