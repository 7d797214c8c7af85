/**
 * How many examples one chunk of a full-batch gradient, HVP or evaluation may hold so that every buffer it needs
 * fits a device's buffer limits (WebGPU's `maxStorageBufferBindingSize` and `maxBufferSize`, stages/tf/webgpu.ts).
 *
 * The buffers that grow with the chunk are the per-example ones: the input slice, every layer's output, and in the
 * backward passes (first and second order) the gradient with respect to each of them, which has the same shape. So
 * the largest buffer of a chunk of m examples is m · E · 4 bytes, E the largest per-example entry count among the
 * input and the layer outputs (`largestActivation`). The buffers that do not grow with m (the weights, the gradient
 * and the [value, gradient] vector of D + 1 entries, the Hessian-vector products) must fit the limit on their own
 * (their size is exact, so without the margin below): if they do not, no chunking helps and `chunkSizeFor` says so.
 *
 * Safety factor (`CHUNK_SAFETY`, ½): the largest modelled buffer is kept at or below half the smaller limit. The
 * margin covers what the model does not see: tfjs-backend-webgpu rounds buffer sizes up, on small convolutions it
 * materialises an im2col matrix (k²·C_in entries per output pixel, used only where a convolution needs ≤ 16
 * workgroups, so far below the limit for any chunk this function returns), and kernels a later tfjs version may add.
 * It bounds each buffer, not their sum: WebGPU reports no memory size, and a chunk's forward and backward pass of
 * VGG11 hold about 10× the largest activation at once (0.5 GiB at 256 CIFAR images), far below a GPU's memory.
 *
 * Chunks are balanced: n examples that need k chunks are split into chunks of ⌈n / k⌉ (the last one smaller), so
 * no chunk is a sliver. Pure: no tensors, no backend.
 */
import { layerShapes, type Layer } from './sequential.ts';

/** The two adapter limits a chunk must respect, in bytes (a subset of stages/tf/webgpu.ts AdapterLimits). */
export interface BufferLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

/** A model described by its layers (what `sequentialModel` exposes): createVgg11(), createCnn(). */
export interface LayeredModel {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly layers: readonly Layer[];
  /** Number of parameters D (the gradient's length). */
  readonly size: number;
}

/** The fraction of the smaller limit the largest modelled buffer may use (see the module comment). */
export const CHUNK_SAFETY = 0.5;

const F32 = 4;

/** Per-example shape after each layer (the input's first), for a sequential layer list; errors name the layer. */
export function activationShapes(model: Pick<LayeredModel, 'name' | 'inputShape' | 'layers'>): number[][] {
  return layerShapes(model.name, model.inputShape, model.layers);
}

/** The largest per-example entry count among the input and every layer's output (VGG11: 32·32·64 = 65,536). */
export function largestActivation(model: Pick<LayeredModel, 'name' | 'inputShape' | 'layers'>): number {
  return Math.max(...activationShapes(model).map((s) => s.reduce((a, b) => a * b, 1)));
}

/** The chunk size and what decided it. */
export interface ChunkPlan {
  /** Examples per chunk (≤ n); the last chunk holds the rest. */
  readonly chunkSize: number;
  /** Number of chunks of n examples. */
  readonly chunks: number;
  /** Bytes of the largest per-example-sized buffer of one chunk (chunkSize · largest activation · 4). */
  readonly largestBufferBytes: number;
  /** The byte budget per buffer: CHUNK_SAFETY · min(maxStorageBufferBindingSize, maxBufferSize). */
  readonly budgetBytes: number;
}

/**
 * Examples per chunk so that a chunk's largest activation or activation-gradient buffer stays within CHUNK_SAFETY of
 * `limits` (at most n, at least 1, balanced). Throws, naming the sizes, when the gradient vector alone or one
 * example's largest activation does not fit. Example: `chunkSizeFor(createVgg11(), webgpuAdapter()!.limits, 50_000)`
 * gives 50,000 images in 196 chunks of 256 at a 128 MiB binding limit.
 */
export function chunkSizeFor(model: LayeredModel, limits: BufferLimits, n: number): ChunkPlan {
  if (!Number.isInteger(n) || n < 1) throw new Error(`chunkSizeFor: n must be a positive integer, got ${n}`);
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (!(limit > 0)) throw new Error(`chunkSizeFor: buffer limits must be positive, got ${JSON.stringify(limits)}`);
  const budget = Math.floor(CHUNK_SAFETY * limit);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const gradientBytes = (model.size + 1) * F32;
  if (gradientBytes > limit) {
    throw new Error(
      `${model.name}: its gradient (D + 1 = ${model.size + 1} float32, ${mib(gradientBytes)}) exceeds the adapter's buffer limit ${mib(limit)}; ` +
        'no chunking helps: use a GPU with larger buffer limits or backend=native',
    );
  }
  const perExample = largestActivation(model) * F32;
  const fit = Math.floor(budget / perExample);
  if (fit < 1) {
    throw new Error(
      `${model.name}: one example's largest activation (${mib(perExample)}) exceeds the buffer budget ${mib(budget)} (${CHUNK_SAFETY} × the adapter's limit ${mib(limit)})`,
    );
  }
  const chunks = Math.ceil(n / Math.min(n, fit));
  const chunkSize = Math.ceil(n / chunks);
  return { chunkSize, chunks, largestBufferBytes: chunkSize * perExample, budgetBytes: budget };
}

/**
 * The per-buffer limits assumed on the CPU backends when a chunk size is 'auto': 256 MiB (wasm's heap holds at most
 * 4 GiB, shared by the data set, the weights and every buffer of a chunk). VGG11 then gets 512 images per chunk,
 * close to the profiles' 500.
 */
export const CPU_BUFFER_LIMITS: BufferLimits = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 256 * 2 ** 20 };

/**
 * The chunk size to run with. `limits` null (a CPU backend): a configured number is kept as it is (so native and wasm
 * results and cache keys stay what they were) and 'auto' sizes by CPU_BUFFER_LIMITS. With an adapter's limits
 * (webgpu): 'auto' or a configured number larger than what fits gives `chunkSizeFor`'s size; a number that fits is
 * kept. Example: `resolveChunkSize(500, webgpuAdapter()?.limits ?? null, createVgg11(), 50_000)`.
 */
export function resolveChunkSize(configured: number | 'auto', limits: BufferLimits | null, model: LayeredModel, n: number): number {
  if (limits === null) return configured === 'auto' ? chunkSizeFor(model, CPU_BUFFER_LIMITS, n).chunkSize : configured;
  const fit = chunkSizeFor(model, limits, n).chunkSize;
  return configured === 'auto' || configured > fit ? fit : configured;
}

/**
 * Throws, naming the sizes, when a whole data set's tensor of n examples does not fit one buffer binding: on webgpu
 * a chunk or minibatch is sliced or gathered from it, which binds all of it. Example: `checkWholeSet('svhn training
 * set', [32, 32, 3], 25_000, limits)`.
 */
export function checkWholeSet(what: string, exampleShape: readonly number[], n: number, limits: BufferLimits): void {
  const bytes = n * exampleShape.reduce((a, b) => a * b, 1) * F32;
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (bytes > limit) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    throw new Error(
      `the ${what} (${n} examples of [${exampleShape.join(', ')}] float32, ${mib(bytes)}) exceeds the adapter's buffer limit ${mib(limit)}: ` +
        `chunks and minibatches are cut from it on the GPU, so it must fit one buffer; use at most ${Math.floor(limit / (bytes / n))} examples here, or backend=native`,
    );
  }
}
