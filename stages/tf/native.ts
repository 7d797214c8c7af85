/**
 * The native kernels addon (native/, built by `npm install` where a C++ compiler and Node's headers exist): loading
 * it, and why it is unavailable when it is. The 'native' backend is tfjs-backend-wasm with its convolution and
 * max-pool-gradient kernels replaced by these (stages/tf/kernels/native_kernels.ts); 'auto' resolves to it when it
 * loads.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's functions. Views may be of the wasm heap; dims are checked against every length before any work. */
export interface NativeAddon {
  /** y = conv(x, w); dims = [n, h, w, ci, kh, kw, co, ho, wo, top, left] (stride 1, dilation 1, NHWC). */
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, dims: Int32Array): void;
  /** dx of that conv given dy (same dims). */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** dw of that conv given x and dy (same dims). */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, dims: Int32Array): void;
  /** dx (zeroed) gets dy at each tiling window's first maximum of x; dims = [n, H, W, c, kh, kw]. */
  maxPoolScatter(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: Int32Array): void;
  /** out[window] = d at the window's first maximum of x (the adjoint of maxPoolScatter). */
  maxPoolPick(x: Float32Array, d: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out = A·B; dims = [batch, batchA, batchB, m, k, n, transposeA, transposeB] (batchA, batchB: 1 or batch). */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out[window] = the maximum of x over each tiling window; dims = [n, H, W, c, kh, kw]. */
  maxPoolForward(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out[j] = Σ_r x[r, j] (float32 blocks of 256 rows, float64 totals); dims = [rows, inner]. */
  sumRows(x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** out[r, j] = x[r, j] + bias[j]; dims = [rows, inner]. */
  addRows(x: Float32Array, bias: Float32Array, out: Float32Array, dims: Int32Array): void;
  /**
   * Mean softmax cross-entropy over the examples `rows` of x (labels[r] per row r) of the network `program`
   * (stages/models/fused.ts), returned; grad gets its gradient. Bit-identical for every thread count.
   */
  sequentialValueAndGrad(program: Int32Array, w: Float32Array, x: Float32Array, labels: Int32Array, rows: Int32Array, grad: Float32Array): number;
  /** Threads for the large conv and pool kernels (default 1); results are bit-identical for every count. */
  setThreads(n: number): void;
  /** The thread count set by setThreads. */
  threads(): number;
  /** The instruction set in use ('avx512', 'avx2' or 'baseline'); all give bit-identical results. */
  isa(): string;
  /** Selects an instruction set this CPU has (tests compare them). */
  useIsa(name: string): void;
  /** The instruction sets this CPU runs, best first. */
  supportedIsas(): string[];
}

/** Where native/build.mjs writes the addon. */
export const NATIVE_ADDON_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'sgd_noise_native.node');

let loaded: { addon: NativeAddon } | { reason: string } | null = null;

/** Loads the addon once; `{ok: false, reason}` says why it is unavailable (not built, or failed to load). */
export function nativeAvailability(): { ok: true; addon: NativeAddon } | { ok: false; reason: string } {
  if (!loaded) {
    if (!existsSync(NATIVE_ADDON_PATH)) {
      loaded = {
        reason: `the native kernels are not built (no ${path.relative(process.cwd(), NATIVE_ADDON_PATH)}; \`node native/build.mjs\` builds them and says why not)`,
      };
    } else {
      try {
        loaded = { addon: createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon };
      } catch (err) {
        loaded = { reason: `the native kernels failed to load (${(err as Error).message}); rebuild with \`node native/build.mjs\`` };
      }
    }
  }
  return 'addon' in loaded ? { ok: true, addon: loaded.addon } : { ok: false, reason: loaded.reason };
}

/** The addon, or an error saying why it is unavailable. */
export function nativeAddon(): NativeAddon {
  const a = nativeAvailability();
  if (!a.ok) throw new Error(`backend 'native': ${a.reason}`);
  return a.addon;
}
