/**
 * tfjs-backend-wasm with several XNNPACK threads in Node.
 *
 * tfjs 4.22 never uses its threaded binary in Node: it forces `WASM_HAS_MULTITHREAD_SUPPORT` off there, and would hand
 * Emscripten's pthread workers a Blob URL, which `worker_threads` cannot load. This module loads the threaded SIMD
 * build itself: the worker script is written to a `.cjs` file (once per content, atomically) and handed over through
 * `locateFile`, the main script by its path. The C++ side caps the pool at half of `os.cpus().length`, so the count
 * is raised for the duration of the initialisation only. The backend object is tfjs-backend-wasm's own `BackendWasm`,
 * so every stock and project kernel runs unchanged. Results are bit-identical to the single-threaded binary
 * (stages/tf/wasm-threads.test.ts checks a CNN gradient and HVP).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The Emscripten module object of the threaded binary, with the `tfjs` bridge BackendWasm expects. */
export type ThreadedWasmModule = Record<string, unknown> & { tfjs: Record<string, (...args: number[]) => number | undefined> };

const THREADED_WASM = 'tfjs-backend-wasm-threaded-simd.wasm';

/**
 * Instantiates tfjs-backend-wasm's threaded SIMD build from `binaryDirectory` with a pool sized for `threads`, and
 * returns the module ready for `new BackendWasm(module)` (construct that inside `withCoreCount` too).
 */
export async function loadThreadedWasm(binaryDirectory: string, threads: number): Promise<ThreadedWasmModule> {
  const require = createRequire(import.meta.url);
  const outDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..', 'wasm-out');
  const factoryPath = path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(factoryPath) as (config: Record<string, unknown>) => Promise<ThreadedWasmModule>;
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const workerFile = writeWorkerScript(wasmWorkerContents);
  const module = await withCoreCount(threads, () =>
    factory({
      locateFile: (file: string, prefix: string) =>
        file.endsWith('.worker.js') ? workerFile : file.endsWith('.wasm') ? path.join(binaryDirectory, THREADED_WASM) : prefix + file,
      mainScriptUrlOrBlob: factoryPath,
    }),
  );
  const cwrap = module.cwrap as (name: string, ret: string | null, args: string[]) => (...a: number[]) => number | undefined;
  module.tfjs = {
    init: cwrap('init', null, []),
    initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: cwrap('get_threads_count', 'number', []),
    registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: cwrap('dispose_data', null, ['number']),
    dispose: cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Runs `fn` while `os.cpus()` reports at least 2·`threads` entries, the count the wasm C++ side halves to size
 * XNNPACK's pool; restores the real function afterwards (when `fn` returns, throws, or its promise settles).
 */
export function withCoreCount<T>(threads: number, fn: () => T): T {
  const real = os.cpus;
  const restore = () => {
    (os as { cpus: typeof os.cpus }).cpus = real;
  };
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const cpus = real();
    const out = [...cpus];
    while (out.length < 2 * threads) out.push(cpus[0]!);
    return out;
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    restore();
    throw err;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** Writes Emscripten's pthread worker script to the temp directory under a content-hashed name; returns its path. */
function writeWorkerScript(contents: string): string {
  // tfjs builds a Blob from this string after re-escaping its newlines; a file needs the same escape.
  const text = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `sgd-noise-wasm-${process.getuid?.() ?? 'user'}`);
  const file = path.join(dir, `pthread-worker-${hash}.cjs`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  return file;
}
