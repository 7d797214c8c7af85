/**
 * Selecting and verifying the tfjs backend.
 *
 * `initBackend` is the one entry point every tfjs-using stage calls first: it activates the backend (wasm by default,
 * with the .wasm binaries located on disk), refuses to continue on a silent fallback, silences tfjs's console chatter
 * (the "Hi, looks like you are running TensorFlow.js in Node.js" banner and kernel-registration warnings, all of which
 * go through tfjs's logger and are muted by the PROD flag), and then registers this project's gradient and kernel
 * fixes (stages/tf/gradients, stages/tf/kernels). Nothing registers itself on import.
 */
import { tf } from './tfjs.ts';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerAllGradients } from './gradients/register_all_gradients.ts';
import { nativeKernelsActive, registerAllKernels } from './kernels/register_all_kernels.ts';
import { nativeAddon } from './native.ts';
import { loadThreadedWasm, withCoreCount } from './wasm-threads.ts';
import { describeAdapter, startWebGpu, webgpuAdapter, type AdapterInfo } from './webgpu.ts';

/**
 * Backends `initBackend` knows: native (wasm with the C++ conv and max-pool kernels of native/, where they were
 * built), wasm (SIMD), cpu (pure JS), webgpu (tfjs-backend-webgpu over Dawn and Vulkan, stages/tf/webgpu.ts), and
 * the optional tfjs-node ones.
 */
export type BackendName = 'native' | 'wasm' | 'cpu' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu';

export { resolveAutoBackend } from './auto.ts';

/** What `backendInfo()` reports about the active backend. */
export interface BackendInfo {
  /** The backend name as tfjs reports it (`tf.getBackend()`); tfjs-node and tfjs-node-gpu both report 'tensorflow'. */
  readonly backend: string;
  /** The name that was requested from `initBackend`, if any. */
  readonly requested: BackendName | null;
  /** What artifacts record as their backend: 'native (avx512)', 'wasm', 'cpu', 'tensorflow'. */
  readonly label: string;
  /** Versions of the tfjs packages in use (tfjs, tfjs-core, …, and tfjs-backend-wasm / tfjs-node when loaded). */
  readonly versions: Readonly<Record<string, string>>;
  /** wasm only: whether the SIMD binary is in use. */
  readonly simd?: boolean;
  /** wasm only: XNNPACK thread count (1 unless `initBackend` was asked for more, see stages/tf/wasm-threads.ts). */
  readonly threads?: number;
  /** native only: the instruction set of the C++ kernels (all give bit-identical results). */
  readonly nativeIsa?: string;
  /** webgpu only: the adapter the device was opened on (vendor, architecture, description, limits). */
  readonly adapter?: AdapterInfo;
}

const OPTIONAL_PACKAGES: Record<'tensorflow' | 'tensorflow-gpu', string> = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

let requested: BackendName | null = null;
let extraVersions: Record<string, string> = {};
let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | null = null;
let wasmDirectory = '';

/** Directory (with trailing separator) holding tfjs-backend-wasm's .wasm binaries, resolved from node_modules. */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** wasm only: directory holding the .wasm binaries (default: `wasmBinaryDirectory()`); used on first init only. */
  readonly wasmDirectory?: string;
  /**
   * wasm and native: XNNPACK threads (default 1, the single-threaded SIMD binary). More loads the threaded SIMD binary
   * with that many threads (used on first init only: a process has one wasm backend), and on native also gives the
   * C++ kernels that many; results are bit-identical for every count.
   */
  readonly threads?: number;
}

/**
 * Activates backend `name`, checks it really is active, registers the project's gradients and kernels, and returns
 * `backendInfo()`. Example: `await initBackend('wasm')`. Throws (never falls back) if the backend cannot start.
 */
export function initBackend(name: BackendName = 'wasm', options: InitBackendOptions = {}): Promise<BackendInfo> {
  // Calls are serialised: two stages running inline in one process may start together, and tfjs's setBackend
  // returns false to the earlier of two overlapping initialisations of the same backend.
  const next = initQueue.then(() => initBackendNow(name, options));
  initQueue = next.catch(() => undefined);
  return next;
}

let initQueue: Promise<unknown> = Promise.resolve();

async function initBackendNow(name: BackendName, options: InitBackendOptions): Promise<BackendInfo> {
  tf.env().set('PROD', true); // mutes tfjs's log.warn/log.info (banner, "kernel already registered", …)
  let target: string;
  switch (name) {
    case 'native':
    case 'wasm':
      if (name === 'native') nativeAddon(); // throws, saying why, when the addon is not built
      // the native backend is wasm with the native kernel layer on top (registered below)
      await prepareWasm(options.wasmDirectory ?? wasmBinaryDirectory(), options.threads ?? 1);
      target = 'wasm';
      break;
    case 'cpu':
      target = 'cpu';
      break;
    case 'webgpu':
      await startWebGpu(); // throws one line naming the cause and the fix
      target = 'webgpu';
      break;
    case 'tensorflow':
    case 'tensorflow-gpu':
      await importOptionalBackend(name);
      target = 'tensorflow';
      break;
    default:
      throw new Error(`initBackend: unknown backend '${String(name)}'; expected native, wasm, cpu, webgpu, tensorflow or tensorflow-gpu`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(target);
  } catch (err) {
    throw new Error(`initBackend: tf.setBackend('${target}') threw: ${(err as Error).message}`, { cause: err });
  }
  const active = tf.getBackend();
  if (!ok || active !== target) {
    const hint = name === 'wasm' ? ` The .wasm binaries were expected in ${wasmDirectory} (tfjs-backend-wasm ${wasmModule?.version_wasm ?? '?'}).` : '';
    throw new Error(`initBackend: backend '${target}' did not start (setBackend returned ${ok}, active backend is '${active}').${hint}`);
  }
  await tf.ready();
  registerAllGradients();
  registerAllKernels(target, { native: name === 'native' });
  if (name === 'native') nativeAddon().setThreads(options.threads ?? 1);
  requested = name;
  return backendInfo();
}

/** Reports the active backend and the versions of the tfjs packages in use. Example: `backendInfo().backend`. */
export function backendInfo(): BackendInfo {
  const backend = tf.getBackend();
  const versions: Record<string, string> = { ...(tf.version as Record<string, string>), ...extraVersions };
  if (wasmModule) versions['tfjs-backend-wasm'] = wasmModule.version_wasm;
  if (backend === 'webgpu') versions['tfjs-backend-webgpu'] = tf.version.tfjs;
  const info: BackendInfo = { backend, requested, versions, label: backend };
  const adapter = backend === 'webgpu' ? webgpuAdapter() : null;
  if (adapter) return { ...info, adapter, label: `webgpu (${describeAdapter(adapter)})` };
  if (backend === 'wasm' && wasmModule) {
    const wasm = { ...info, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: wasmModule.getThreadsCount() };
    if (!nativeKernelsActive()) return wasm;
    const nativeIsa = nativeAddon().isa();
    return { ...wasm, nativeIsa, label: `native (${nativeIsa})` };
  }
  return info;
}

/**
 * Loads tfjs-backend-wasm and points it at its .wasm files on disk (only possible before its first initialisation);
 * with `threads` > 1 the 'wasm' backend is re-registered on the threaded SIMD binary instead.
 */
async function prepareWasm(directory: string, threads: number): Promise<void> {
  if (wasmModule) return;
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`initBackend: threads must be an integer ≥ 1, got ${threads}`);
  const mod = await import('@tensorflow/tfjs-backend-wasm');
  const dir = directory.endsWith(path.sep) || directory.endsWith('/') ? directory : directory + path.sep;
  mod.setWasmPaths(dir);
  if (threads > 1) {
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
      throw new Error(`initBackend: ${threads} wasm threads need WebAssembly SIMD, which this Node lacks; use threads: 1`);
    }
    const threaded = await loadThreadedWasm(dir, threads);
    mod.setThreadsCount(threads);
    const backend = withCoreCount(threads, () => new mod.BackendWasm(threaded as never));
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => backend, 2);
  }
  wasmModule = mod;
  wasmDirectory = dir;
}

/** Imports @tensorflow/tfjs-node(-gpu), which registers the 'tensorflow' backend; a clear error if it is absent. */
async function importOptionalBackend(name: 'tensorflow' | 'tensorflow-gpu'): Promise<void> {
  const pkg = OPTIONAL_PACKAGES[name];
  let mod: { version?: Record<string, string> };
  try {
    mod = (await import(/* optional dependency */ pkg)) as { version?: Record<string, string> };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    const why = missing ? 'is not installed' : `failed to load (${code ?? 'error'}: ${(err as Error).message})`;
    throw new Error(
      `initBackend('${name}'): the optional package ${pkg} ${why}. ` +
        `Install it with \`npm install --no-save ${pkg}@${tf.version.tfjs}\` (its install script downloads ` +
        `libtensorflow, so it needs internet access${name === 'tensorflow-gpu' ? ' and CUDA' : ''}), ` +
        `or use initBackend('wasm').`,
      { cause: err },
    );
  }
  extraVersions = { ...(mod.version ?? {}) };
}

/** Records the backend that ran in a stage's manifest: its label, and on webgpu the adapter (shown in provenance). */
export function recordBackend(ctx: { setMeta(key: string, value: import('../../cache/values.ts').Json): void }, info: BackendInfo): void {
  ctx.setMeta('backend', info.label);
  if (info.adapter) ctx.setMeta('adapter', { ...info.adapter, limits: { ...info.adapter.limits } });
}

/**
 * A tfjs stage's `gpus` declaration: one GPU on the webgpu backend (so that, by default, one such stage runs at a
 * time on a one-GPU machine and a Slurm job asks for one), none on the CPU backends. Example: `gpus: gpusForBackend`.
 */
export function gpusForBackend(_params: unknown, config: <T = unknown>(path: string) => T): number {
  const b = config<string>('backend');
  return b === 'webgpu' || b === 'tensorflow-gpu' ? 1 : 0;
}
