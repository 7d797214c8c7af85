import test from 'ava';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describeError, FileError, UsageError } from './errors.ts';
import { errorCodeName, unwrapCommitFailure } from '../cache/lmdb-errors.ts';

const opts = { debug: false, isUsage: () => false, file: '/c/cache.mdb' };
const lmdbError = (message: string, code: number) => Object.assign(new Error(message), { code });

test('any thrown value gets a message and an exit code', (t) => {
  const cases: [unknown, RegExp, number][] = [
    [lmdbError('Read-only file system', 30), /^\/c\/cache\.mdb: read-only file system \(EROFS\); put the cache on a writable/, 1],
    [lmdbError('Permission denied', 13), /^\/c\/cache\.mdb: permission denied \(EACCES\)/, 1],
    [lmdbError('No space left on device', 28), /^\/c\/cache\.mdb: no space left on device \(ENOSPC\); free space/, 1],
    [
      lmdbError('MDB_MAP_FULL: Environment mapsize limit reached', -30792),
      /^\/c\/cache\.mdb: the cache file reached its maximum map size \(MDB_MAP_FULL\); run `sgd-noise gc`/,
      1,
    ],
    [
      lmdbError('MDB_CORRUPTED: Located page was wrong type', -30796),
      /^\/c\/cache\.mdb: the cache file is damaged .*\(MDB_CORRUPTED\); move the file aside/,
      1,
    ],
    [
      Object.assign(new Error("ENOTDIR: not a directory, mkdir '/f/x'"), { code: 'ENOTDIR', path: '/f/x' }),
      /^\/f\/x: a component of the path is not a directory \(ENOTDIR\)/,
      2,
    ],
    [new FileError('/d/cache.mdb', lmdbError('Read-only file system', 30)), /^\/d\/cache\.mdb: read-only file system \(EROFS\)/, 1],
    [new UsageError('--jobs: expected a positive integer, received 0'), /^--jobs: expected a positive integer, received 0$/, 2],
    [Object.assign(new TypeError("Unknown option '--x'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }), /^Unknown option '--x'$/, 2],
    ['a thrown string', /^a thrown string \(--debug shows the stack trace\)$/, 1],
    [42, /^42 /, 1],
    [undefined, /^undefined /, 1],
    [null, /^null /, 1],
    [{ message: undefined, code: 7.5 }, /^\{"code":7\.5\} /, 1],
    [new Error(), /^Error \(--debug shows the stack trace\)$/, 1],
  ];
  for (const [err, message, exitCode] of cases) {
    const r = describeError(err, opts);
    t.regex(r.message, message, String(err));
    t.is(r.exitCode, exitCode, r.message);
    t.notRegex(r.message, /\n\s+at /, 'no stack without --debug');
  }
  t.regex(describeError(new Error('boom'), { ...opts, debug: true }).message, /^boom\nError: boom\n\s+at /);
});

test('code names: errno numbers, strings, MDB_ codes and code-less strerror texts', (t) => {
  t.is(errorCodeName({ code: 28 }), 'ENOSPC');
  t.is(errorCodeName({ code: 'EROFS' }), 'EROFS');
  t.is(errorCodeName({ code: -30792 }), 'MDB_MAP_FULL');
  t.is(errorCodeName(new Error('MDB_PANIC: Update of meta page failed')), 'MDB_PANIC');
  t.is(errorCodeName(new Error('No space left on device')), 'ENOSPC'); // lmdb-js's backup() on a full disk
  t.is(errorCodeName(new Error('no space, but not strerror')), undefined);
  t.is(errorCodeName('x'), undefined);
});

test("lmdb-js's 'Commit failed' is unwrapped to the error behind commitError", async (t) => {
  const real = lmdbError('No space left on device', 28);
  const commitError = Promise.reject(real);
  commitError.catch(() => undefined);
  const failed = Object.assign(new Error('Commit failed (see commitError for details)'), { commitError });
  t.is(await unwrapCommitFailure(failed), real);
  const plain = new Error('x');
  t.is(await unwrapCommitFailure(plain), plain);
});

test('issue 23: a file error advises the option that moves that file, by its role', (t) => {
  const erofs = () => Object.assign(new Error('EROFS'), { code: 'EROFS' });
  const enospc = () => Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
  const cases: [string, RegExp][] = [
    ['cache', /with --cache DIR or \$SGD_NOISE_CACHE$/],
    ['publish', /put the published files \(reports\) on a writable filesystem with --publish-dir DIR$/],
    ['slurmLogs', /with --slurm-log-dir DIR$/],
    ['nodeCache', /with --slurm-node-cache DIR \(exec: --node-cache DIR\)$/],
    ['downloads', /download cache .*\$XDG_CACHE_HOME/],
  ];
  for (const [role, advice] of cases) {
    const e = new FileError('/x/f', erofs(), role as never);
    t.regex(e.message, advice, role);
    if (role !== 'cache') t.notRegex(e.message, /--cache/, role);
  }
  t.regex(
    new FileError('/r/index.html', enospc(), 'publish' as never).message,
    /^\/r\/index\.html: no space left on device \(ENOSPC\); free space on that filesystem or move the published files \(reports\) with --publish-dir DIR$/,
  );
});

test('issue 23: EMFILE names the open-files limit from /proc/self/limits and `ulimit -n 4096`, from a real EMFILE in a child shell', async (t) => {
  if (!existsSync('/proc/self/limits')) {
    if (process.env.CI === 'true') t.fail('no /proc/self/limits on CI');
    t.log('skipped: no /proc/self/limits here (not Linux)');
    t.pass();
    return;
  }
  const errors = fileURLToPath(new URL('./errors.ts', import.meta.url));
  const script = `const { describeError } = await import(${JSON.stringify(errors)}); const fs = await import('node:fs'); const fds = []; try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch (err) { process.stdout.write(describeError(err, { debug: false, isUsage: () => false }).message); }`;
  const r = await execa('sh', ['-c', `ulimit -n 300 && exec "$0" --import tsx --input-type=module -e "$1"`, process.execPath, script], { reject: false });
  t.regex(
    r.stdout,
    /too many open files \(EMFILE\); the open-files limit is 300 \(soft; hard 300; \/proc\/self\/limits\); raise it with `ulimit -n 4096`/,
    r.stderr,
  );
});
