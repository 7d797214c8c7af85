import test from 'ava';
import * as direct from '@tensorflow/tfjs';
import { execaNode } from 'execa';
import { fileURLToPath } from 'node:url';
import { tf } from './tfjs.ts';

const TSX = import.meta.resolve('tsx');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the lazy namespace is the module a direct import gives: same functions, classes, engine and exports', (t) => {
  t.is(tf.add, direct.add);
  t.is(tf.Tensor, direct.Tensor);
  t.is(tf.engine(), direct.engine());
  t.true('tidy' in tf);
  t.false('noSuchExport' in tf);
  t.is((tf as unknown as Record<string, unknown>).noSuchExport, undefined);
  const x = direct.tensor1d([1, 2, 3]);
  t.true(x instanceof tf.Tensor);
  t.deepEqual(tf.sum(x).arraySync(), 6);
  x.dispose();
  const own = new Set(Object.keys(tf));
  t.deepEqual(
    Object.keys(direct).filter((k) => !own.has(k)),
    ['default'],
    'every export but the CommonJS default is an own property once loaded',
  );
});

test('importing the module loads no tfjs; the first property read does', async (t) => {
  const script = [
    "const lazy = await import('./stages/tf/tfjs.ts');",
    'const before = lazy.tfjsLoaded();',
    'const version = lazy.tf.version_core;',
    'process.stdout.write(JSON.stringify({ before, after: lazy.tfjsLoaded(), version }));',
  ].join(' ');
  const r = await execaNode('--input-type=module', ['-e', script], { nodeOptions: ['--import', TSX], cwd: ROOT });
  t.deepEqual(JSON.parse(r.stdout), { before: false, after: true, version: direct.version_core });
});
