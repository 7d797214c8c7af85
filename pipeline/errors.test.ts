import test from 'ava';
import { describeError, FileError, UsageError } from './errors.ts';
import { errorCodeName, unwrapCommitFailure } from '../cache/lmdb-errors.ts';

const opts = { debug: false, isUsage: () => false, file: '/c/cache.mdb' };
const lmdbError = (message: string, code: number) => Object.assign(new Error(message), { code });

test('any thrown value gets a message and an exit code', (t) => {
  const cases: [unknown, RegExp, number][] = [
    [lmdbError('Read-only file system', 30), /^\/c\/cache\.mdb: read-only file system \(EROFS\); put the cache on a writable/, 1],
    [lmdbError('Permission denied', 13), /^\/c\/cache\.mdb: permission denied \(EACCES\)/, 1],
    [lmdbError('No space left on device', 28), /^\/c\/cache\.mdb: no space left on device \(ENOSPC\); free space/, 1],
    [lmdbError('MDB_MAP_FULL: Environment mapsize limit reached', -30792), /^\/c\/cache\.mdb: the cache file reached its maximum map size \(MDB_MAP_FULL\); run `sgd-noise gc`/, 1],
    [lmdbError('MDB_CORRUPTED: Located page was wrong type', -30796), /^\/c\/cache\.mdb: the cache file is damaged .*\(MDB_CORRUPTED\); move the file aside/, 1],
    [Object.assign(new Error("ENOTDIR: not a directory, mkdir '/f/x'"), { code: 'ENOTDIR', path: '/f/x' }), /^\/f\/x: a component of the path is not a directory \(ENOTDIR\)/, 2],
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

test('code names: errno numbers, strings and MDB_ codes', (t) => {
  t.is(errorCodeName({ code: 28 }), 'ENOSPC');
  t.is(errorCodeName({ code: 'EROFS' }), 'EROFS');
  t.is(errorCodeName({ code: -30792 }), 'MDB_MAP_FULL');
  t.is(errorCodeName(new Error('MDB_PANIC: Update of meta page failed')), 'MDB_PANIC');
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
