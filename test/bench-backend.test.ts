/**
 * Issue 25: `npm run bench -- numerics` wrote `"backend": "wasm"` when the native kernels ran (tfjs's name for the
 * backend under them). The record now names the backend that ran, as stage manifests do.
 */
import test from 'ava';
import { backendFields } from '../bench/backend-fields.ts';
import { initBackend } from '../stages/tf/backend.ts';
import { nativeAvailability } from '../stages/tf/native.ts';

test('a record names the backend whose kernels ran, with tfjs’s name and the request beside it', (t) => {
  const info = { backend: 'wasm', requested: 'native' as const, label: 'native (avx2)', versions: {} };
  t.deepEqual(backendFields(info), { backend: 'native (avx2)', tfjsBackend: 'wasm', requested: 'native' });
});

const native = nativeAvailability();
if (!native.ok) console.log(`the native test skips: ${native.reason}`);

(native.ok ? test : test.skip)('on the native backend the record says native, not wasm', async (t) => {
  const fields = backendFields(await initBackend('native'));
  t.regex(fields.backend, /^native \(\w+\)$/);
  t.is(fields.tfjsBackend, 'wasm');
  t.is(fields.requested, 'native');
});
