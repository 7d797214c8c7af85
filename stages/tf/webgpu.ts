/**
 * The 'webgpu' backend's device: tfjs-backend-webgpu over Dawn's Node binding (the npm package `webgpu`), which runs
 * on Vulkan (NVIDIA, AMD, Intel GPUs; llvmpipe, a CPU Vulkan driver, in tests).
 *
 * Both packages are optional dependencies: where either is missing, or no Vulkan loader or driver exists, only this
 * backend is unavailable, with one line that names the cause and the fix. `probeWebGpu()` looks for an adapter in a
 * child process (a driver that crashes cannot take the caller down, and Dawn's own messages can be quoted); 'auto'
 * uses it to pick webgpu on a hardware adapter only. `startWebGpu()` opens the device in this process with the
 * adapter's largest buffer limits and registers tfjs's WebGPU backend on it; a device lost later makes every read
 * (`readTensor`, stages/tf/read.ts) fail with the reason.
 */
import { tf } from './tfjs.ts';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_WITH_PARENT_OPTIONS } from '../../cache/orphan-guard.ts';

/** The adapter limits that decide how work is split (buffer sizes) and that provenance records. */
export interface AdapterLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
}

/** What a WebGPU adapter says of itself (GPUAdapterInfo), whether it is a software one, and its limits. */
export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (llvmpipe, SwiftShader): correct but slower than the native backend. */
  readonly software: boolean;
  readonly limits: AdapterLimits;
}

/** The result of `probeWebGpu`. */
export type WebGpuProbe = { readonly ok: true; readonly adapter: AdapterInfo } | { readonly ok: false; readonly reason: string };

const PROBE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'webgpu-probe.mjs');

/** Where NVIDIA's Vulkan driver manifest is found on machines whose loader does not list it (containers). */
export const NVIDIA_ICD_CANDIDATES: readonly string[] = [
  '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json',
  '/usr/share/vulkan/icd.d/nvidia_icd.json',
  '/etc/vulkan/icd.d/nvidia_icd.json',
  '/usr/local/share/vulkan/icd.d/nvidia_icd.json',
];

const LOADER_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

/** The path of the Vulkan loader `libvulkan.so.1` in the usual places and $LD_LIBRARY_PATH, or null. */
export function findVulkanLoader(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LOADER_DIRS];
  for (const dir of dirs) {
    const file = path.join(dir, 'libvulkan.so.1');
    if (existsSync(file)) return file;
  }
  return null;
}

/** Whether the npm package `webgpu` resolves and ships a Dawn build for this platform. */
export function webgpuPackageStatus(): { ok: true } | { ok: false; reason: string } {
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve('webgpu'));
  } catch {
    return { ok: false, reason: "the optional package `webgpu` (Dawn's Node binding) is not installed; `npm install` installs it from the npm registry" };
  }
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-webgpu');
  } catch {
    return {
      ok: false,
      reason: `the optional package @tensorflow/tfjs-backend-webgpu is not installed; \`npm install\` installs it (version ${tf.version.tfjs})`,
    };
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const binary = path.join(dir, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!existsSync(binary)) return { ok: false, reason: `the package \`webgpu\` has no Dawn build for ${process.platform}-${arch} (no ${binary})` };
  return { ok: true };
}

/** Why no adapter was found, as one line naming the cause and the fix (`dawnSays`: Dawn's stderr, if captured). */
export function noAdapterReason(dawnSays = '', env: NodeJS.ProcessEnv = process.env): string {
  const cannotLoad = /Couldn't load Vulkan[^\n]*/.exec(dawnSays);
  if (findVulkanLoader(env) === null || cannotLoad) {
    const why = cannotLoad ? ` (${cannotLoad[0].trim().slice(0, 160)})` : '';
    return `no usable Vulkan loader (libvulkan.so.1)${why}: install it (Debian: \`apt-get install libvulkan1\`), or use backend=native`;
  }
  const noDriver = /Found no drivers/i.test(dawnSays) ? ' The Vulkan loader found no driver at all.' : '';
  const refused = /required|not supported|unsupported/i.test(dawnSays) ? ` Dawn refused the driver: ${firstLine(dawnSays)}.` : '';
  const nvidia = NVIDIA_ICD_CANDIDATES.find((f) => existsSync(f));
  const hint =
    nvidia && !env.VK_DRIVER_FILES && !env.VK_ICD_FILENAMES
      ? ` NVIDIA's driver manifest exists at ${nvidia}: set VK_DRIVER_FILES=${nvidia}.`
      : " Install the GPU's Vulkan driver (NVIDIA: its driver's Vulkan ICD, found through VK_DRIVER_FILES; for tests on a CPU: mesa-vulkan-drivers ≥ 25, from bookworm-backports on Debian 12).";
  return `the Vulkan loader found no GPU adapter that Dawn accepts.${noDriver}${refused}${hint}`;
}

function firstLine(s: string): string {
  const line =
    s
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /required|not supported|unsupported/i.test(l)) ??
    s.trim().split('\n')[0] ??
    '';
  return line.replace(/\s+/g, ' ').slice(0, 200);
}

let probed: WebGpuProbe | null = null;

/**
 * Looks for a WebGPU adapter in a child process (once per process; about half a second) and says what it found, or
 * why there is none: `probeWebGpu().ok && !probeWebGpu().adapter.software` is what 'auto' asks.
 */
export function probeWebGpu(): WebGpuProbe {
  if (probed) return probed;
  const pkg = webgpuPackageStatus();
  if (!pkg.ok) return (probed = pkg);
  const r = spawnSync(process.execPath, [...EXIT_WITH_PARENT_OPTIONS, PROBE_SCRIPT], { encoding: 'utf8', timeout: 60_000, env: process.env });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
  let parsed: { ok: boolean; stage?: string; reason?: string; adapter?: AdapterInfo } | null = null;
  try {
    parsed = line ? JSON.parse(line) : null;
  } catch {
    parsed = null;
  }
  if (parsed?.ok && parsed.adapter) probed = { ok: true, adapter: parsed.adapter };
  else if (parsed?.stage === 'package') probed = { ok: false, reason: `the package \`webgpu\` failed to load (${parsed.reason})` };
  else if (parsed) probed = { ok: false, reason: noAdapterReason(r.stderr ?? '') };
  else {
    const how = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    probed = { ok: false, reason: `the WebGPU adapter probe crashed (${how}); ${noAdapterReason(r.stderr ?? '')}` };
  }
  return probed;
}

/** One line describing an adapter for logs, the dry-run and the report: `NVIDIA H100 (nvidia, hopper)`. */
export function describeAdapter(a: AdapterInfo): string {
  const name = a.description || a.device || 'unnamed adapter';
  const parts = [a.vendor, a.architecture].filter(Boolean);
  if (a.software && !parts.includes('software')) parts.push('software');
  return parts.length > 0 ? `${name} (${parts.join(', ')})` : name;
}

/** The open device and what it was opened on. */
interface OpenDevice {
  readonly device: GPUDeviceLike;
  readonly adapter: AdapterInfo;
}

/** The parts of a GPUDevice used here (the full type lives in the optional package's @webgpu/types). */
interface GPUDeviceLike {
  readonly lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

let open: OpenDevice | null = null;
let lost: string | null = null;
let rejectLost: ((err: Error) => void) | null = null;
/** Rejects with the device-lost error once the device is lost; never settles otherwise (reads race against it). */
const lostPromise: Promise<never> = new Promise<never>((_, reject) => {
  rejectLost = reject;
});
lostPromise.catch(() => undefined);

/** A promise that rejects with the one-line device-lost error when the WebGPU device is lost, else never settles. */
export function whenDeviceLost(): Promise<never> {
  return lostPromise;
}

/** The adapter of the open WebGPU device, or null when the webgpu backend was not started in this process. */
export function webgpuAdapter(): AdapterInfo | null {
  return open?.adapter ?? null;
}

/** Throws the one-line device-lost error if the WebGPU device was lost; called by every read. */
export function throwIfDeviceLost(): void {
  if (lost !== null) throw new Error(lost);
}

/** Destroys the device as a driver reset would, for the device-lost tests. */
export function loseDeviceForTest(): void {
  open?.device.destroy();
}

/**
 * Opens the WebGPU device (once per process) with the adapter's largest buffer and workgroup limits and registers
 * tfjs's WebGPU backend on it as 'webgpu'. Throws one line naming the cause and the fix when it cannot.
 */
export async function startWebGpu(): Promise<AdapterInfo> {
  if (open) {
    throwIfDeviceLost();
    return open.adapter;
  }
  const pkg = webgpuPackageStatus();
  if (!pkg.ok) throw new Error(`backend 'webgpu': ${pkg.reason}`);
  const dawn = (await import('webgpu')) as { create(flags: string[]): unknown; globals: object };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]) as { requestAdapter(o: object): Promise<GPUAdapterLike | null> };
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator === undefined) g.navigator = {};
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    const probe = probeWebGpu(); // in a child, to quote Dawn's reason
    throw new Error(`backend 'webgpu': ${probe.ok ? 'no GPU adapter in this process' : probe.reason}`);
  }
  const info = adapterInfoOf(adapter);
  const limits = info.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    },
  });
  void device.lost.then((l) => {
    lost =
      `backend 'webgpu': the GPU device was lost (${l.reason === 'destroyed' ? 'destroyed' : 'driver reset or GPU fault'}` +
      `${l.message ? `: ${l.message.replace(/\s+/g, ' ').slice(0, 160)}` : ''}); the stage stopped and nothing it computed was kept. ` +
      "Rerun it; if it recurs, check the GPU with `nvidia-smi` or the driver's log, or use backend=native";
    rejectLost?.(new Error(lost));
  });
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // Everything on the device: tfjs would otherwise run small ops on the CPU when their inputs happen to be there.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const backend = new WebGPUBackend(device as never, adapter.info as never);
  tf.registerBackend('webgpu', () => backend, 0);
  open = { device, adapter: info };
  return info;
}

/** The parts of a GPUAdapter used here. */
interface GPUAdapterLike {
  readonly info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
  readonly limits: Record<string, number>;
  readonly features: { has(name: string): boolean };
  requestDevice(descriptor: object): Promise<GPUDeviceLike>;
}

function adapterInfoOf(adapter: GPUAdapterLike): AdapterInfo {
  const i = adapter.info ?? {};
  const l = adapter.limits;
  return {
    vendor: String(i.vendor ?? ''),
    architecture: String(i.architecture ?? ''),
    device: String(i.device ?? ''),
    description: String(i.description ?? ''),
    software: i.isFallbackAdapter === true || adapter.isFallbackAdapter === true || i.architecture === 'software',
    limits: {
      maxBufferSize: Number(l.maxBufferSize),
      maxStorageBufferBindingSize: Number(l.maxStorageBufferBindingSize),
      maxComputeWorkgroupStorageSize: Number(l.maxComputeWorkgroupStorageSize),
      maxComputeInvocationsPerWorkgroup: Number(l.maxComputeInvocationsPerWorkgroup),
      maxComputeWorkgroupSizeX: Number(l.maxComputeWorkgroupSizeX),
      maxComputeWorkgroupsPerDimension: Number(l.maxComputeWorkgroupsPerDimension),
      maxStorageBuffersPerShaderStage: Number(l.maxStorageBuffersPerShaderStage),
    },
  };
}
