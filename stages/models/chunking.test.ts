/** chunkSizeFor as a pure function against the layer shapes of VGG11 and the paper's CNN. */
import test from 'ava';
import { createCnn } from './cnn.ts';
import { activationShapes, CHUNK_SAFETY, checkWholeSet, chunkSizeFor, largestActivation, resolveChunkSize } from './chunking.ts';
import { createVgg11 } from './vgg.ts';

const MiB = 2 ** 20;
const llvmpipe = { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 4 * 1024 * MiB - 1 };

test('layer shapes: VGG11 peaks at conv1 (32·32·64), the CNN at conv1 (24·24·10)', (t) => {
  const vgg = createVgg11();
  const shapes = activationShapes(vgg);
  t.deepEqual(shapes[0], [32, 32, 3]);
  t.deepEqual(shapes[1], [32, 32, 64]);
  t.deepEqual(shapes.at(-1), [10]);
  t.deepEqual(
    shapes.find((s) => s.length === 1),
    [512],
  ); // flatten after five pools: 1·1·512
  t.is(largestActivation(vgg), 65_536);
  const cnn = createCnn();
  t.deepEqual(activationShapes(cnn)[1], [24, 24, 10]);
  t.is(largestActivation(cnn), 5760);
  t.is(largestActivation(createVgg11({ width: 0.0625 })), 32 * 32 * 4);
});

test('VGG11 on 50,000 CIFAR images at a 128 MiB binding limit: balanced chunks whose largest activation is ≤ 128 MiB', (t) => {
  const vgg = createVgg11();
  const p = chunkSizeFor(vgg, llvmpipe, 50_000);
  t.is(p.chunkSize, 256);
  t.is(p.chunks, 196);
  t.true(p.chunkSize * (p.chunks - 1) < 50_000 && p.chunkSize * p.chunks >= 50_000);
  t.is(p.largestBufferBytes, 256 * 65_536 * 4);
  t.true(p.largestBufferBytes <= CHUNK_SAFETY * 128 * MiB);
  t.true(p.largestBufferBytes <= 128 * MiB);
  // 25,000 SVHN images: 98 chunks of 256 (the last 88); 300 images: two of 150, not 256 + 44
  const svhn = chunkSizeFor(vgg, llvmpipe, 25_000);
  t.deepEqual([svhn.chunkSize, svhn.chunks], [256, 98]);
  t.deepEqual([chunkSizeFor(vgg, llvmpipe, 300).chunkSize, chunkSizeFor(vgg, llvmpipe, 300).chunks], [150, 2]);
});

test('the smaller of the two limits decides; a batch that fits is one chunk', (t) => {
  const vgg = createVgg11();
  t.is(chunkSizeFor(vgg, { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 96 * MiB }, 10_000).chunkSize, 189); // 48 MiB / 256 KiB = 192 → 53 chunks of 189
  t.deepEqual(chunkSizeFor(vgg, llvmpipe, 100), { chunkSize: 100, chunks: 1, largestBufferBytes: 100 * 65_536 * 4, budgetBytes: 64 * MiB });
  // the paper's CNN: 5760 float32 per image, 64 MiB / 23,040 B = 2912 images per chunk
  const cnn = chunkSizeFor(createCnn(), llvmpipe, 10_000);
  t.deepEqual([cnn.chunkSize, cnn.chunks], [2500, 4]);
  t.is(chunkSizeFor(createCnn(), llvmpipe, 1200).chunks, 1);
});

test('errors name the sizes when nothing fits', (t) => {
  const vgg = createVgg11();
  t.throws(() => chunkSizeFor(vgg, { maxStorageBufferBindingSize: 32 * MiB, maxBufferSize: 64 * MiB }, 10), {
    message: /vgg11: its gradient \(D \+ 1 = 9750923 float32, 37\.2 MiB\) exceeds the adapter's buffer limit 32\.0 MiB; no chunking helps/,
  });
  t.throws(() => chunkSizeFor(createCnn(), { maxStorageBufferBindingSize: 32 * 1024, maxBufferSize: 2 ** 30 }, 10), { message: /gradient/ });
  const small = { ...createCnn(), size: 10 };
  t.throws(() => chunkSizeFor(small, { maxStorageBufferBindingSize: 32 * 1024, maxBufferSize: 2 ** 30 }, 10), {
    message: /one example's largest activation \(0\.0 MiB\) exceeds/,
  });
  t.throws(() => chunkSizeFor(vgg, llvmpipe, 0), { message: /n must be a positive integer/ });
});

test('resolveChunkSize: a CPU backend keeps a configured number; an adapter caps it; auto sizes by the limits', (t) => {
  const vgg = createVgg11();
  t.is(resolveChunkSize(500, null, vgg, 50_000), 500, 'native: unchanged (cache keys and results as before)');
  t.is(resolveChunkSize(100_000, null, vgg, 50_000), 100_000);
  t.is(resolveChunkSize('auto', null, vgg, 50_000), 511, '128 MiB per buffer → 512 images; 50,000 in 98 balanced chunks of 511');
  t.is(resolveChunkSize(500, llvmpipe, vgg, 50_000), 256, 'webgpu: larger than what fits → the fitted size');
  t.is(resolveChunkSize(100, llvmpipe, vgg, 50_000), 100, 'webgpu: fits → kept');
  t.is(resolveChunkSize('auto', llvmpipe, vgg, 50_000), 256);
  t.is(resolveChunkSize('auto', llvmpipe, createVgg11({ width: 0.0625 }), 20), 20);
});

test('checkWholeSet: the whole set must fit one binding, the error says how many would', (t) => {
  t.notThrows(() => checkWholeSet('svhn training set', [32, 32, 3], 10_000, llvmpipe));
  t.throws(() => checkWholeSet('cifar10 training set', [32, 32, 3], 50_000, llvmpipe), {
    message:
      /^the cifar10 training set \(50000 examples of \[32, 32, 3\] float32, 585\.9 MiB\) exceeds the adapter's buffer limit 128\.0 MiB: .* use at most 10922 examples here, or backend=native$/,
  });
});
