/**
 * The backend a benchmark record names: the one whose kernels ran, as stage manifests record it (`native (avx2)`,
 * `wasm`, `webgpu (NVIDIA …)`), not tfjs's name for it (`native` runs as tfjs's `wasm` backend with the C++ kernels
 * registered over it), which is kept beside it.
 */
import type { BackendInfo, BackendName } from '../stages/tf/backend.ts';

/** What a record says about the backend. */
export interface BackendFields {
  /** The backend that ran, e.g. `native (avx2)` (`BackendInfo.label`). */
  backend: string;
  /** tfjs's name of the active backend, e.g. `wasm` under native. */
  tfjsBackend: string;
  /** What was asked for (`--backend`, `auto` resolved). */
  requested: BackendName | null;
}

/** The record's backend fields from `initBackend`'s answer. Example: `backendFields(await initBackend('native')).backend`. */
export function backendFields(info: BackendInfo): BackendFields {
  return { backend: info.label, tfjsBackend: info.backend, requested: info.requested };
}
