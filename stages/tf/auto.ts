/**
 * What the config's `backend: 'auto'` means on this machine: 'webgpu' on a hardware GPU adapter, else 'native' where
 * its addon loads, else 'wasm'. A software adapter (llvmpipe, SwiftShader) is never chosen: it is slower than native.
 * Resolved when the config is read, so cache keys and provenance hold the backend that really ran.
 */
import { existsSync, readdirSync } from 'node:fs';
import { nativeAvailability } from './native.ts';
import { probeWebGpu, webgpuPackageStatus } from './webgpu.ts';

/** Whether a GPU device node is visible (an NVIDIA device or a DRM render node); without one no probe is made. */
export function hardwareGpuVisible(): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  if (existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

let resolved: 'webgpu' | 'native' | 'wasm' | null = null;

/** The backend 'auto' stands for here (computed once per process). */
export function resolveAutoBackend(): 'webgpu' | 'native' | 'wasm' {
  if (resolved) return resolved;
  if (webgpuPackageStatus().ok && hardwareGpuVisible()) {
    const p = probeWebGpu();
    if (p.ok && !p.adapter.software) return (resolved = 'webgpu');
  }
  return (resolved = nativeAvailability().ok ? 'native' : 'wasm');
}
