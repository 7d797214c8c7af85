import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_FILES, locateFashionMnist, readFashionSplit } from './fashion-mnist.ts';
import { IDX_LABELS_MAGIC, encodeIdx } from './idx.ts';
import { sha256Of, writeTinyFashion } from './testing.ts';
import type { CommandRunner } from './command.ts';

/** A command runner on a machine without apt-get (so no test reaches the real Debian archive). */
const noApt: CommandRunner = async () => ({ exitCode: null, stdout: '', stderr: '', startError: 'apt-get is not on PATH' });

test('reads a split from the real file format, with a limit', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-fm-'));
  const raw = writeTinyFashion(dir);
  const train = readFashionSplit(dir, 'train', 10);
  t.is(train.count, 10);
  t.is(train.images.length, 10 * 784);
  t.deepEqual(Array.from(train.labels), Array.from(raw.trainLabels.subarray(8, 18)));
  t.is(readFashionSplit(dir, 'test').count, 5);
});

test('label/image count mismatch names the labels file', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-fm-'));
  writeTinyFashion(dir);
  writeFileSync(path.join(dir, FASHION_FILES.trainLabels), gzipSync(encodeIdx(IDX_LABELS_MAGIC, [3], new Uint8Array(3))));
  t.throws(() => readFashionSplit(dir, 'train'), { message: /train-labels-idx1-ubyte\.gz: 3 labels for 12 images/ });
});

test('location order: configured, Debian, download cache; otherwise a message saying how to get it', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-fm-'));
  const debian = path.join(root, 'debian');
  const cache = path.join(root, 'cache');
  const sha256 = sha256Of(writeTinyFashion(path.join(root, 'reference')));
  const none = { debianDir: path.join(root, 'absent'), downloadDir: path.join(root, 'absent2'), download: false, sha256 };
  const err = await t.throwsAsync(locateFashionMnist(none));
  t.regex(err!.message, /apt-get install dataset-fashion-mnist/);
  t.regex(err!.message, /fashion\.data\.path=DIR/);
  writeTinyFashion(cache);
  t.deepEqual(await locateFashionMnist({ ...none, downloadDir: cache }), { dir: cache, source: 'download-cache' });
  writeTinyFashion(debian);
  t.deepEqual(await locateFashionMnist({ ...none, debianDir: debian, downloadDir: cache }), { dir: debian, source: 'debian' });
  t.deepEqual(await locateFashionMnist({ ...none, configured: cache, debianDir: debian }), { dir: cache, source: 'configured' });
  await t.throwsAsync(locateFashionMnist({ ...none, configured: path.join(root, 'empty') }), { message: /configured Fashion-MNIST directory lacks/ });
});

test('a download is verified by checksum before it is kept (served from loopback)', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-fm-'));
  const served = path.join(root, 'served');
  const raw = writeTinyFashion(served);
  const sha = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex')])) as Record<
    keyof typeof FASHION_FILES,
    string
  >;
  const { readFileSync } = await import('node:fs');
  const server = createServer((req, res) => {
    const file = path.join(served, path.basename(req.url ?? ''));
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const base = `http://127.0.0.1:${port}/`;
  try {
    const absent = { debianDir: path.join(root, 'none'), run: noApt };
    const bad = { ...sha, testLabels: '0'.repeat(64) };
    const err = await t.throwsAsync(locateFashionMnist({ ...absent, downloadDir: path.join(root, 'dl-bad'), baseUrl: base, sha256: bad }));
    t.regex(err!.message, /t10k-labels-idx1-ubyte\.gz: checksum mismatch/);
    t.false(existsSync(path.join(root, 'dl-bad', FASHION_FILES.testLabels)), 'a file failing its checksum is not kept');
    const ok = await locateFashionMnist({ ...absent, downloadDir: path.join(root, 'dl'), baseUrl: base, sha256: sha });
    t.deepEqual(ok, { dir: path.join(root, 'dl'), source: 'downloaded' });
    t.is(readFashionSplit(ok.dir, 'train').count, 12);
  } finally {
    server.close();
  }
});
