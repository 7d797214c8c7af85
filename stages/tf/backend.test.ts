/**
 * Backend selection: wasm and cpu start and are verified, the optional tfjs-node backends fail with an install
 * hint, a wrong wasm path fails loudly instead of falling back, and stdout stays clean.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { backendInfo, initBackend } from './backend.ts';

const run = promisify(execFile);
const backendModule = fileURLToPath(new URL('./backend.ts', import.meta.url));

/** Runs an ES module snippet in a fresh node process (tsx loader); returns its stdout and stderr. */
async function node(script: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
}

test.serial('wasm starts with SIMD, is verified active, and reports versions', async (t) => {
  const info = await initBackend('wasm');
  t.is(info.backend, 'wasm');
  t.is(tf.getBackend(), 'wasm');
  t.is(info.requested, 'wasm');
  t.true(info.simd);
  t.is(info.threads, 1);
  t.is(info.versions['tfjs-backend-wasm'], '4.22.0');
  t.is(info.versions['tfjs-core'], '4.22.0');
  t.is(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0], 6);
});

test.serial('cpu starts and is reported; switching back to wasm works', async (t) => {
  t.is((await initBackend('cpu')).backend, 'cpu');
  t.is(backendInfo().requested, 'cpu');
  t.is((await initBackend('wasm')).backend, 'wasm');
});

test.serial('tfjs-node backends, when not installed, fail with a clear install hint', async (t) => {
  await initBackend('wasm');
  for (const [name, pkg] of [
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ] as const) {
    const err = await t.throwsAsync(initBackend(name));
    t.regex(err?.message ?? '', new RegExp(`${pkg.replace('/', '\\/')} is not installed`));
    t.regex(err?.message ?? '', new RegExp(`npm install --no-save ${pkg.replace('/', '\\/')}@4\\.22\\.0`));
  }
  t.is(tf.getBackend(), 'wasm', 'the active backend is untouched');
});

test('a wrong wasm path fails loudly instead of silently falling back to cpu', async (t) => {
  const { stdout } = await node(`
    import { initBackend } from ${JSON.stringify(backendModule)};
    try { await initBackend('wasm', { wasmDirectory: '/nonexistent-wasm-dir' }); console.log('STARTED'); }
    catch (e) { console.log('ERROR ' + e.message); }
  `);
  t.regex(stdout, /ERROR initBackend: backend 'wasm' did not start .*\/nonexistent-wasm-dir\//);
});

test('stdout stays clean through wasm and cpu initialisation and a gradient', async (t) => {
  const { stdout, stderr } = await node(`
    import * as tf from '@tensorflow/tfjs';
    import { initBackend } from ${JSON.stringify(backendModule)};
    for (const b of ['wasm', 'cpu']) {
      await initBackend(b);
      const g = tf.grad((w) => tf.sum(tf.square(tf.conv2d(tf.ones([1, 6, 6, 1]), w, 1, 'valid'))))(tf.ones([3, 3, 1, 2]));
      process.stderr.write(b + ':' + g.dataSync()[0] + '\\n');
    }
  `);
  t.is(stdout, '');
  t.regex(stderr, /wasm:288/);
  t.regex(stderr, /cpu:288/);
});

test.serial('concurrent initBackend calls (two inline stages starting together) all succeed', async (t) => {
  const infos = await Promise.all([initBackend('wasm'), initBackend('cpu'), initBackend('wasm'), initBackend('wasm')]);
  t.deepEqual(
    infos.map((i) => i.backend),
    ['wasm', 'cpu', 'wasm', 'wasm'],
  );
  t.is(tf.getBackend(), 'wasm');
});
