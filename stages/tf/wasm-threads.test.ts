import test from 'ava';
import { execa } from 'execa';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { nativeAvailability } from './native.ts';
import { withCoreCount } from './wasm-threads.ts';

const SCRIPT = fileURLToPath(new URL('../../test/fixtures/cnn-grad-hash.ts', import.meta.url));

async function gradientHash(threads: number, backend = 'wasm'): Promise<{ threads: number; nativeThreads?: number; hash: string }> {
  const { stdout } = await execa('node', ['--import', 'tsx', SCRIPT, String(threads), backend], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { threads: number; nativeThreads?: number; hash: string };
}

const native = nativeAvailability();
(native.ok ? test : test.skip)('the native kernels run with the threads asked for and give the CNN loss, gradient and HVP bit for bit', async (t) => {
  const one = await gradientHash(1, 'native');
  const [two, three] = await Promise.all([gradientHash(2, 'native'), gradientHash(3, 'native')]);
  t.deepEqual([one.nativeThreads, two.nativeThreads, three.nativeThreads], [1, 2, 3]);
  t.is(two.hash, one.hash);
  t.is(three.hash, one.hash);
  t.not(one.hash, (await gradientHash(1)).hash, 'native differs from wasm in the last bits (its sums run in another order), so the two are told apart');
});

test('the threaded wasm binary runs with the threads asked for and gives the CNN loss, gradient and HVP bit for bit', async (t) => {
  const [one, two, three] = await Promise.all([gradientHash(1), gradientHash(2), gradientHash(3)]);
  t.is(one.threads, 1);
  t.is(two.threads, 2, 'XNNPACK pool of 2 even where the C++ side would halve the core count');
  t.is(three.threads, 3);
  t.is(two.hash, one.hash);
  t.is(three.hash, one.hash);
});

test('withCoreCount raises os.cpus() only while it runs, also when it throws or its promise settles', async (t) => {
  const real = os.cpus().length;
  t.is(
    withCoreCount(real + 4, () => os.cpus().length),
    2 * (real + 4),
  );
  t.is(os.cpus().length, real);
  t.throws(
    () =>
      withCoreCount(8, () => {
        throw new Error('boom');
      }),
    { message: 'boom' },
  );
  t.is(os.cpus().length, real);
  const inside = await withCoreCount(8, async () => {
    await new Promise((r) => setTimeout(r, 5));
    return os.cpus().length;
  });
  t.true(inside >= 16);
  t.is(os.cpus().length, real);
});
