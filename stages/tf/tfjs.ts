/**
 * tfjs, loaded on first use. Every project module takes tfjs's values from here (`import { tf } from '…/tf/tfjs.ts'`)
 * and its types by name (`import type { Tensor } from '@tensorflow/tfjs'`), so importing a stage module loads none of
 * tfjs's four bundles (about 0.7 s on a 2-core machine): a run whose instances are all cached, `dag`, `status` and
 * the dry-run never pay for it. The first property read (`tf.tidy`, `tf.Tensor`) loads the very module instance that
 * `import * as tf from '@tensorflow/tfjs'` gives (tfjs is CommonJS: both go through `require.cache`), so tests that
 * import tfjs directly see the same engine, registry and backends. test/lazy-imports.test.ts keeps the registry free
 * of tfjs.
 */
import { createRequire } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs';
import { lazyRequire } from '../../pipeline/lazy-require.ts';

type TfjsModule = typeof Tfjs;

/** The tfjs module, required on the first call. */
export const loadTfjs = lazyRequire<TfjsModule>('@tensorflow/tfjs');

/** Whether tfjs has been loaded in this process (by this module or by a direct import of '@tensorflow/tfjs'). */
export function tfjsLoaded(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((file) => /[\\/]@tensorflow[\\/]tfjs[\\/]/.test(file));
}

/**
 * `@tensorflow/tfjs`'s namespace, loaded on the first property read. Until then its prototype is a proxy that loads
 * tfjs and copies every export onto it as an own property, then steps out of the chain: later reads are plain
 * property reads (a proxy on every read cost ~55 ns against ~5 ns, measured on this machine). `Object.keys(tf)` is
 * empty until something has been read from it.
 */
export const tf: TfjsModule = Object.create(
  new Proxy(Object.create(null) as object, {
    get: (_target, key) => Reflect.get(materialize(), key),
    has: (_target, key) => Reflect.has(materialize(), key),
  }),
) as TfjsModule;

/** Loads tfjs and copies its exports onto `tf` (once); returns the module. */
function materialize(): TfjsModule {
  const module = loadTfjs();
  if (Object.getPrototypeOf(tf) !== null) {
    Object.defineProperties(tf, Object.getOwnPropertyDescriptors(module));
    Object.setPrototypeOf(tf, null);
  }
  return module;
}
