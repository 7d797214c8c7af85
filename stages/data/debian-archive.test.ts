import test from 'ava';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { runCommand, type CommandRunner } from './command.ts';
import { FASHION_FILES, locateFashionMnist, readFashionSplit } from './fashion-mnist.ts';
import { buildFashionDeb, sha256Of, writeTinyFashion } from './testing.ts';

const PKG = 'dataset-fashion-mnist';
const hasDpkgDeb = (() => {
  try {
    execaSync('dpkg-deb', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const needsDpkg = hasDpkgDeb ? test : test.skip;
if (!hasDpkgDeb) console.warn('skipping the Debian-archive fetch tests: dpkg-deb is not installed (Debian package dpkg)');

/** One recorded command. */
interface Call {
  file: string;
  args: readonly string[];
  cwd: string;
}

/**
 * A stand-in for apt-get / apt-cache that "downloads" `deb` into the working directory (with apt's status lines),
 * and runs the real dpkg-deb. `failDownload` makes `apt-get download` fail the way apt does.
 */
function fakeApt(deb: string, o: { failDownload?: boolean; delayMs?: number; calls?: Call[] } = {}): CommandRunner {
  return async (file, args, opts) => {
    o.calls?.push({ file, args, cwd: opts.cwd });
    if (file === 'dpkg-deb') return runCommand(file, args, opts);
    if (file === 'apt-cache')
      return { exitCode: 0, stdout: `Package: ${PKG}\nVersion: 1.0-1\nSize: ${existsSync(deb) ? statSync(deb).size : 1000}\n\n`, stderr: '' };
    if (file === 'apt-get' && args.includes('update')) return { exitCode: 0, stdout: '', stderr: '' };
    if (file === 'apt-get' && args.includes('download')) {
      if (o.failDownload) return { exitCode: 100, stdout: '', stderr: `W: something\nE: Failed to fetch ${PKG}  404  Not Found` };
      opts.onStdoutLine?.('dlstatus:1:0.0000:Retrieving file 1 of 1');
      await new Promise((r) => setTimeout(r, o.delayMs ?? 0));
      copyFileSync(deb, path.join(opts.cwd, path.basename(deb)));
      opts.onStdoutLine?.('dlstatus:1:100.0000:Retrieving file 1 of 1');
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    return { exitCode: 1, stdout: '', stderr: `unexpected command ${file} ${args.join(' ')}` };
  };
}

/** A base URL on loopback where nothing listens (a closed port), so the official-URL source fails fast. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/`;
}

function setup() {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-deb-'));
  return { root, downloadDir: path.join(root, 'dl'), debianDir: path.join(root, 'not-installed') };
}

const leftovers = (dir: string) => readdirSync(dir).filter((f) => !Object.values(FASHION_FILES).includes(f as never));

needsDpkg('the Debian archive: the package is downloaded with private apt state, unpacked, verified and cached', async (t) => {
  const { root, downloadDir, debianDir } = setup();
  const { deb, raw } = await buildFashionDeb(root, PKG, '1.0-1');
  const calls: Call[] = [];
  const lines: string[] = [];
  const progress: number[] = [];
  const where = await locateFashionMnist({
    debianDir,
    downloadDir,
    sha256: sha256Of(raw),
    run: fakeApt(deb, { calls }),
    baseUrl: await closedUrl(),
    log: (l) => lines.push(l),
    progress: (done) => progress.push(done),
  });
  t.deepEqual(where, { dir: downloadDir, source: 'debian-archive' });
  t.deepEqual(Array.from(readFashionSplit(where.dir, 'train').labels), Array.from(raw.trainLabels.subarray(8)));
  t.deepEqual(leftovers(downloadDir), [], 'no scratch files are left beside the dataset');
  const update = calls.find((c) => c.file === 'apt-get' && c.args.includes('update'))!;
  t.true(
    update.args.some((a) => a.startsWith('Dir::State::Lists=') && a.includes(update.cwd)),
    'apt uses a private state directory',
  );
  t.true(update.args.includes('Debug::NoLocking=1'));
  t.regex(lines[0]!, /^fetching dataset-fashion-mnist 1\.0-1 \(0\.0 MB\) from the Debian archive$/);
  t.is(progress.at(-1), statSync(deb).size);
  // A second call finds the verified copy without fetching.
  const again = await locateFashionMnist({ debianDir, downloadDir, sha256: sha256Of(raw), run: async () => t.fail('no fetch expected') as never });
  t.is(again.source, 'download-cache');
});

needsDpkg('a package whose file does not match its checksum is rejected, not cached, and the next source is tried', async (t) => {
  const { root, downloadDir, debianDir } = setup();
  const { deb } = await buildFashionDeb(root, PKG, '1.0-1', 3);
  const expected = sha256Of(writeTinyFashion(path.join(root, 'other'), 12, 5, 99));
  const lines: string[] = [];
  const err = await t.throwsAsync(
    locateFashionMnist({ debianDir, downloadDir, sha256: expected, run: fakeApt(deb), baseUrl: await closedUrl(), log: (l) => lines.push(l) }),
  );
  t.regex(err!.message, /Debian archive \(apt-get download dataset-fashion-mnist\): \S+\.gz: checksum mismatch/);
  t.regex(err!.message, /official URLs \(http:\/\/127\.0\.0\.1:\d+\/\): http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz: fetch failed \(ECONNREFUSED\)/);
  t.false(
    Object.values(FASHION_FILES).some((f) => existsSync(path.join(downloadDir, f))),
    'nothing unverified is kept',
  );
  t.deepEqual(leftovers(downloadDir), []);
  t.true(
    lines.some((l) => /^Debian archive .* failed: .*checksum mismatch/.test(l)),
    'the failure is said before the next source is tried',
  );
});

test('a failing apt-get falls through to the official URLs with its exit code and last stderr line', async (t) => {
  const { root, downloadDir, debianDir } = setup();
  const served = path.join(root, 'served');
  const raw = writeTinyFashion(served);
  const { readFileSync } = await import('node:fs');
  const server = createServer((req, res) => {
    const file = path.join(served, path.basename(req.url ?? ''));
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(file).size }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const lines: string[] = [];
  try {
    const where = await locateFashionMnist({
      debianDir,
      downloadDir,
      sha256: sha256Of(raw),
      run: fakeApt('/nonexistent.deb', { failDownload: true }),
      baseUrl: base,
      log: (l) => lines.push(l),
    });
    t.deepEqual(where, { dir: downloadDir, source: 'downloaded' });
  } finally {
    server.close();
  }
  t.true(lines.includes(`Debian archive (apt-get download ${PKG}) failed: apt-get download ${PKG} exited with 100: E: Failed to fetch ${PKG}  404  Not Found`));
  t.true(
    lines.some((l) => l.startsWith(`downloading ${base}train-images-idx3-ubyte.gz (`)),
    'each download says what it fetches and its size',
  );
});

test('without apt-get on PATH every source is listed with why it failed', async (t) => {
  const { downloadDir, debianDir } = setup();
  // The real runner, asked for a program that does not exist: what a machine without apt-get gives.
  const noApt: CommandRunner = (file, args, opts) => runCommand(file === 'apt-get' ? 'apt-get-not-installed-here' : file, args, opts);
  const base = await closedUrl();
  const err = await t.throwsAsync(locateFashionMnist({ debianDir, downloadDir, run: noApt, baseUrl: base }));
  const m = err!.message;
  t.regex(m, /Sources tried, in order:/);
  t.regex(m, /- fashion\.data\.path: not set/);
  t.regex(m, /- installed Debian package \(.*not-installed\): not installed/);
  t.regex(m, /- download cache \(.*dl\): empty/);
  t.regex(m, /- Debian archive \(apt-get download dataset-fashion-mnist\): apt-get-not-installed-here is not on PATH/);
  t.regex(m, /- official URLs .*ECONNREFUSED/);
  t.regex(m, /apt-get install dataset-fashion-mnist/);
});

test('fashion.data.download=false fetches nothing', async (t) => {
  const { downloadDir, debianDir } = setup();
  const err = await t.throwsAsync(locateFashionMnist({ debianDir, downloadDir, download: false, run: async () => t.fail('nothing may be fetched') as never }));
  t.regex(err!.message, /not tried \(fashion\.data\.download=false\)/);
});

needsDpkg('two concurrent fetches both end with one verified copy', async (t) => {
  const { root, downloadDir, debianDir } = setup();
  const { deb, raw } = await buildFashionDeb(root, PKG, '1.0-1');
  const opts = { debianDir, downloadDir, sha256: sha256Of(raw), baseUrl: await closedUrl() };
  const [a, b] = await Promise.all([
    locateFashionMnist({ ...opts, run: fakeApt(deb, { delayMs: 150 }) }),
    locateFashionMnist({ ...opts, run: fakeApt(deb, { delayMs: 50 }) }),
  ]);
  t.is(a.source, 'debian-archive');
  t.is(b.source, 'debian-archive');
  t.deepEqual(leftovers(downloadDir), []);
  t.is((await locateFashionMnist({ ...opts, download: false })).source, 'download-cache', 'the cached copy verifies');
});

test('what a killed fetch left is not trusted, and a cached file failing its checksum is removed and refetched', async (t) => {
  const { root, downloadDir, debianDir } = setup();
  const raw = writeTinyFashion(path.join(root, 'src'));
  // A scratch directory of a process that no longer exists, holding a complete but unverified set.
  const stale = path.join(downloadDir, '.partial-999999999-dead');
  mkdirSync(stale, { recursive: true });
  writeTinyFashion(stale);
  const err = await t.throwsAsync(locateFashionMnist({ debianDir, downloadDir, sha256: sha256Of(raw), download: false }));
  t.regex(err!.message, /download cache \(.*\): empty/);
  // A complete cache with one damaged file.
  writeTinyFashion(downloadDir);
  writeFileSync(path.join(downloadDir, FASHION_FILES.testLabels), 'not gzip');
  const err2 = await t.throwsAsync(locateFashionMnist({ debianDir, downloadDir, sha256: sha256Of(raw), download: false }));
  t.regex(err2!.message, /t10k-labels-idx1-ubyte\.gz failed its checksum \(removed\)/);
  t.false(existsSync(path.join(downloadDir, FASHION_FILES.testLabels)));
  if (!hasDpkgDeb) return;
  const { deb } = await buildFashionDeb(root, PKG, '1.0-1');
  const where = await locateFashionMnist({ debianDir, downloadDir, sha256: sha256Of(raw), run: fakeApt(deb), baseUrl: await closedUrl() });
  t.is(where.source, 'debian-archive');
  t.false(existsSync(stale), 'the dead process’s scratch directory was cleaned up');
});
