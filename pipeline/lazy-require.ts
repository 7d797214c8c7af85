/**
 * A package loaded on first use: `const load = lazyRequire<typeof import('ml-matrix')>('ml-matrix')`, then `load()`
 * where it is needed. Importing the module that declares it loads nothing, so a command that runs no stage does not
 * pay for the libraries stage bodies use (docs/layout.md, "Heavy libraries load on first use"). CommonJS packages and,
 * on Node ≥ 20.19, ES modules without top-level await; the module is the one `import` gives (`require.cache`).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function that requires `specifier` on its first call and returns that module on every call. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
