import test from 'ava';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { readTar } from './tar.ts';

test('reads the regular files of a gzipped tar archive written by tar(1)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-tar-'));
  mkdirSync(path.join(dir, 'cifar-10-batches-bin'));
  const a = Uint8Array.from({ length: 3073 * 2 }, (_, i) => i % 251);
  writeFileSync(path.join(dir, 'cifar-10-batches-bin', 'test_batch.bin'), a);
  writeFileSync(path.join(dir, 'cifar-10-batches-bin', 'readme.html'), 'hello');
  await execa('tar', ['-czf', 'archive.tar.gz', 'cifar-10-batches-bin'], { cwd: dir });
  const files = readTar(readFileSync(path.join(dir, 'archive.tar.gz')), 'archive.tar.gz');
  t.deepEqual([...files.keys()].sort(), ['cifar-10-batches-bin/readme.html', 'cifar-10-batches-bin/test_batch.bin']);
  t.deepEqual(Array.from(files.get('cifar-10-batches-bin/test_batch.bin')!), Array.from(a));
  const whole = readFileSync(path.join(dir, 'archive.tar.gz'));
  t.throws(() => readTar(whole.subarray(0, 200), 'archive.tar.gz'), { message: /archive\.tar\.gz: (corrupt gzip|truncated)/ });
});
