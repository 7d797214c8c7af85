import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { execa } from 'execa';
import { CIFAR_RECORD_BYTES, CIFAR_TEST_FILES, CIFAR_TRAIN_FILES } from './cifar10.ts';
import { loadImageSet, locateCifar10, locateSvhn } from './image-datasets.ts';
import { encodeMat5 } from './mat5.ts';

/** Serves files from `dir` on loopback while `f` runs. */
async function serving<T>(dir: string, f: (base: string) => Promise<T>): Promise<T> {
  const server = createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ''));
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await f(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  } finally {
    server.close();
  }
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

test('CIFAR-10: a served binary archive is verified, extracted, and read', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-cifar-dl-'));
  const src = path.join(root, 'src', 'cifar-10-batches-bin');
  mkdirSync(src, { recursive: true });
  for (const [i, f] of [...CIFAR_TRAIN_FILES, ...CIFAR_TEST_FILES].entries()) {
    const bytes = new Uint8Array(3 * CIFAR_RECORD_BYTES).map((_, j) => (j % CIFAR_RECORD_BYTES === 0 ? (i + j) % 10 : j % 256));
    writeFileSync(path.join(src, f), bytes);
  }
  await execa('tar', ['-czf', path.join(root, 'cifar-10-binary.tar.gz'), 'cifar-10-batches-bin'], { cwd: path.join(root, 'src') });
  const archive = readFileSync(path.join(root, 'cifar-10-binary.tar.gz'));
  await serving(root, async (base) => {
    const url = `${base}cifar-10-binary.tar.gz`;
    await t.throwsAsync(locateCifar10({ downloadDir: path.join(root, 'bad'), official: { url, md5: '0'.repeat(32) } }), { message: /checksum mismatch/ });
    const dir = await locateCifar10({ downloadDir: path.join(root, 'dl'), official: { url, md5: md5(archive) } });
    const set = await loadImageSet('cifar10', 'train', 12, { configured: dir });
    t.is(set.count, 12);
    t.is(set.images.length, 12 * 3072);
  });
  await t.throwsAsync(locateCifar10({ downloadDir: path.join(root, 'none'), download: false }), { message: /CIFAR-10 not found.*cifar10\.data\.path=DIR/s });
});

test('SVHN: a served .mat file is verified and read; a missing one says how to get it', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-svhn-dl-'));
  const n = 3;
  const mat = encodeMat5(
    [
      { name: 'X', dims: [32, 32, 3, n], data: new Uint8Array(3072 * n).fill(7) },
      { name: 'y', dims: [n, 1], data: new Float64Array([1, 10, 4]) },
    ],
    true,
    deflateSync,
  );
  writeFileSync(path.join(root, 'test_32x32.mat'), mat);
  await serving(root, async (base) => {
    const file = await locateSvhn('test', { downloadDir: path.join(root, 'dl'), official: { url: `${base}test_32x32.mat`, md5: md5(mat) } });
    const set = await loadImageSet('svhn', 'test', 3, { configured: path.dirname(file) });
    t.deepEqual(Array.from(set.labels), [1, 0, 4]);
  });
  await t.throwsAsync(locateSvhn('train', { downloadDir: path.join(root, 'none'), download: false }), { message: /SVHN not found/ });
  await t.throwsAsync(loadImageSet('svhn', 'test', 5, { configured: path.join(root, 'dl') }), { message: /5 images requested, the split has 3/ });
});
