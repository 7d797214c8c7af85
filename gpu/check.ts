/**
 * The GPU check: what sgd-noise's `webgpu` backend computes and how fast, on whatever WebGPU adapter this machine has,
 * against the CPU reference (`native`, else `wasm`) and PyTorch (CUDA where it has it), on identical weights and
 * images. Bundled with Node and Dawn by `npm run gpu:pack` (gpu/pack.ts) for GPU machines without Node or a network;
 * from a checkout: `node --import tsx gpu/check.ts --out result.json`.
 *
 * Sections (each under its own share of a total time budget, default 450 s, so a slow adapter still finishes):
 *   probe      the adapter (stages/tf/webgpu.ts probeWebGpu); a software one (llvmpipe) gets the small sizes
 *   reference  the paper CNN's loss, gradient, HVP and Lanczos top-5 and VGG11's loss and gradient on the reference
 *              backend, plus its CNN times
 *   torch      bench/torch_cnn.py and bench/torch_vgg.py on the same exchange (cuda with TF32 off, else cpu, else
 *              skipped with the reason)
 *   webgpu     the same quantities on webgpu (autodiff, fused: false), their relative differences to the reference
 *              and to torch, and the times: CNN full-batch and minibatch-20 value + gradient, HVP, Lanczos; VGG11
 *              value + gradient per image at each batch size
 * Times are medians of several runs after one warm-up, each run awaiting its read (which waits for the GPU). One JSON
 * is written to --out (default ./result.json); the last lines on stdout summarise it.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readFloat32File, relativeDifference, writeExchange } from '../bench/exchange.ts';
import { readBack, readHvp } from '../bench/reads.ts';
import { median } from '../bench/timing.ts';
import { createCnn } from '../stages/models/cnn.ts';
import { hvp, minibatchValueAndGrad, valueAndGrad, valueAndGradRead, hessianOperator } from '../stages/models/curvature.ts';
import type { Batch, FlatModel } from '../stages/models/model.ts';
import { createVgg11 } from '../stages/models/vgg.ts';
import { lanczos } from '../stages/numerics/lanczos.ts';
import { Rng } from '../stages/numerics/random.ts';
import { initBackend, type BackendName } from '../stages/tf/backend.ts';
import { nativeAvailability } from '../stages/tf/native.ts';
import { describeAdapter, probeWebGpu, type AdapterInfo } from '../stages/tf/webgpu.ts';

/** The sizes one run uses: the full ones on a hardware adapter, small ones on a software adapter (llvmpipe). */
export interface CheckSizes {
  readonly cnnImages: number;
  readonly gdSteps: number;
  readonly reps: number;
  readonly lanczos: { readonly k: number; readonly tol: number; readonly maxIter: number; readonly seed: number };
  readonly vggCheckImages: number;
  readonly vggBatches: readonly number[];
}

export const HARDWARE_SIZES: CheckSizes = {
  cnnImages: 1200,
  gdSteps: 20,
  reps: 5,
  lanczos: { k: 5, tol: 1e-3, maxIter: 60, seed: 7 },
  vggCheckImages: 8,
  vggBatches: [128, 512],
};

export const SOFTWARE_SIZES: CheckSizes = {
  cnnImages: 64,
  gdSteps: 20,
  reps: 2,
  lanczos: { k: 5, tol: 1e-3, maxIter: 12, seed: 7 },
  vggCheckImages: 2,
  vggBatches: [2, 4],
};

/** Each section's share of the budget (fractions of the total); what a section leaves unused goes to the next. */
const SHARES = { reference: 0.15, torch: 0.25, webgpuCnn: 0.35, webgpuVgg: 0.25 } as const;

type Json = Record<string, unknown>;

const log = (line: string) => process.stderr.write(`gpu check: ${line}\n`);
const round = (x: number, digits = 4) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

/** A deadline in ms from performance.now(); `left()` is what remains. */
class Deadline {
  constructor(readonly at: number) {}
  left(): number {
    return this.at - performance.now();
  }
  /** Throws "time budget" when passed (Lanczos's matvec calls this, so a slow adapter stops the run, not the check). */
  check(what: string): void {
    if (this.left() <= 0) throw new Error(`${what}: stopped, over this section's time budget`);
  }
}

/**
 * The median of `reps` timed runs of `f` after a warm-up, fewer when the warm-up says they would not fit before
 * `deadline` (at least one timed run if one fits, else the warm-up's time, marked `warmupOnly`).
 */
async function timeAdaptive(
  f: () => Promise<unknown>,
  reps: number,
  deadline: Deadline,
): Promise<{ ms: number; reps: number; warmupMs: number; warmupOnly?: true }> {
  let t0 = performance.now();
  await f();
  const warmupMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const estimate = times.length ? median(times) : warmupMs;
    if (deadline.left() < estimate * 1.2) break;
    t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  if (times.length === 0) return { ms: round(warmupMs), reps: 0, warmupMs: round(warmupMs), warmupOnly: true };
  return { ms: round(median(times)), reps: times.length, warmupMs: round(warmupMs) };
}

/** Runs a section, recording its status and wall time; a failure is recorded, never thrown. */
async function section(out: Json, name: string, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const rec: Json = {};
  (out.sections as Json)[name] = rec;
  log(`${name}...`);
  try {
    await fn();
    rec.status = 'ok';
  } catch (err) {
    rec.status = 'error';
    rec.error = (err as Error).message.split('\n').slice(0, 3).join(' | ').slice(0, 600);
    log(`${name} failed: ${rec.error as string}`);
  }
  rec.seconds = round((performance.now() - t0) / 1000, 3);
}

function labelled(n: number, seed: number, shape: readonly number[]): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = rng.fillNormal(new Float32Array(n * shape.reduce((a, b) => a * b, 1)));
  const y = Int32Array.from({ length: n }, () => rng.int(10));
  return { x, y };
}

function batchOf(data: { x: Float32Array; y: Int32Array }, shape: readonly number[], n = data.y.length): Batch {
  const per = shape.reduce((a, b) => a * b, 1);
  return { x: tf.tensor(data.x.subarray(0, n * per), [n, ...shape]), y: tf.tensor1d(data.y.subarray(0, n), 'int32') };
}

/** What one backend (reference or webgpu) computes on the CNN and on VGG11. */
interface SideValues {
  cnn?: { loss: number; grad: Float32Array; hvp: Float32Array; eigenvalues?: Float64Array };
  vgg?: { loss: number; grad: Float32Array };
}

async function cnnValues(
  model: FlatModel,
  w: Float32Array,
  batch: Batch,
  v: Float32Array,
  fused: boolean,
  sizes: CheckSizes,
  deadline: Deadline,
  rec: Json,
): Promise<NonNullable<SideValues['cnn']>> {
  const { value, grad } = await valueAndGradRead(model, w, batch, { fused });
  const hv = await readHvp(model, w, batch, v);
  const out: NonNullable<SideValues['cnn']> = { loss: value, grad, hvp: hv };
  const op = hessianOperator(model, w, batch, { reuseTape: false });
  const matvec = op.matvec.bind(op);
  const t0 = performance.now();
  try {
    const lz = await lanczos(
      { size: op.size, matvec: (u) => (deadline.check('Lanczos'), matvec(u)) },
      { k: sizes.lanczos.k, tol: sizes.lanczos.tol, maxIter: sizes.lanczos.maxIter, seed: sizes.lanczos.seed, tolPairs: sizes.lanczos.k },
    );
    out.eigenvalues = lz.eigenvalues;
    rec.lanczos = {
      ms: round(performance.now() - t0),
      matvecs: lz.matvecs,
      converged: lz.converged,
      top5: Array.from(lz.eigenvalues, (x) => round(x, 7)),
      relativeResidualMax: round(Math.max(...lz.relativeResiduals)),
    };
  } catch (err) {
    rec.lanczos = { error: (err as Error).message.slice(0, 300) };
  } finally {
    op.dispose();
  }
  return out;
}

/** Entries of the agreement record: relative differences of a against b (float64, ‖a − b‖ / ‖b‖). */
function agreement(a: SideValues, b: { cnn?: Partial<NonNullable<SideValues['cnn']>>; vgg?: Partial<NonNullable<SideValues['vgg']>> }): Json {
  const out: Json = {};
  const put = (key: string, x: ArrayLike<number> | number | undefined, y: ArrayLike<number> | number | undefined) => {
    if (x === undefined || y === undefined) return;
    out[key] = round(relativeDifference(x, y), 3);
  };
  put('cnnLoss', a.cnn?.loss, b.cnn?.loss);
  put('cnnGradient', a.cnn?.grad, b.cnn?.grad);
  put('cnnHvp', a.cnn?.hvp, b.cnn?.hvp);
  if (a.cnn?.eigenvalues && b.cnn?.eigenvalues && a.cnn.eigenvalues.length === b.cnn.eigenvalues.length) {
    put('cnnLanczosTop5', a.cnn.eigenvalues, b.cnn.eigenvalues);
    out.cnnLanczosTop5EachEigenvalue = Array.from(a.cnn.eigenvalues, (x, i) =>
      round(Math.abs(x - b.cnn!.eigenvalues![i]!) / Math.abs(b.cnn!.eigenvalues![i]!), 3),
    );
  }
  put('vggLoss', a.vgg?.loss, b.vgg?.loss);
  put('vggGradient', a.vgg?.grad, b.vgg?.grad);
  return out;
}

/** `python -c 'import torch'` and whether CUDA is there; the device the torch scripts get, or why they are skipped. */
function torchProbe(python: string): { ok: true; version: string; device: 'cuda' | 'cpu'; note?: string } | { ok: false; reason: string } {
  const r = spawnSync(python, ['-c', 'import json, torch; print(json.dumps([torch.__version__, torch.cuda.is_available()]))'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) return { ok: false, reason: `${python} could not be run (${r.error.message})` };
  if (r.status !== 0)
    return { ok: false, reason: `\`${python} -c 'import torch'\` failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? `exit ${r.status}`}` };
  const [version, cuda] = JSON.parse(r.stdout.trim().split('\n').pop()!) as [string, boolean];
  return cuda ? { ok: true, version, device: 'cuda' } : { ok: true, version, device: 'cpu', note: 'torch.cuda.is_available() is False: torch ran on the CPU' };
}

function runPython(python: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Json {
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: Math.max(5_000, Math.floor(timeoutMs)), maxBuffer: 64 << 20, env });
  if (r.error) throw new Error(`${python} ${args.join(' ')}: ${r.error.message}${r.signal ? ` (${r.signal}: over its time budget)` : ''}`);
  if (r.status !== 0)
    throw new Error(`${python} ${path.basename(args[0]!)} ${args[2]} exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Json;
}

/** The check; returns the record it writes. */
export async function runCheck(opts: {
  out: string;
  python: string;
  torchDir: string;
  budgetSeconds: number;
  wasmDirectory?: string;
  sizes?: 'auto' | 'hardware' | 'software';
}): Promise<Json> {
  const start = performance.now();
  const total = opts.budgetSeconds * 1000;
  const until = (fractionSoFar: number) => new Deadline(start + total * fractionSoFar);
  const out: Json = {
    schema: 'sgd-noise gpu check 1',
    at: new Date().toISOString(),
    node: process.version,
    budgetSeconds: opts.budgetSeconds,
    environment: {
      runSh: process.env.SGD_NOISE_RUN_NOTES?.split('\n').filter(Boolean) ?? null,
      VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? null,
      LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? null,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? null,
    },
    sections: {},
  };
  const write = () => writeFileSync(opts.out, `${JSON.stringify(out, null, 2)}\n`);

  // 1. The adapter (in a child process, so a crashing driver is a recorded reason).
  const probe = probeWebGpu();
  let adapter: AdapterInfo | null = null;
  if (probe.ok) {
    adapter = probe.adapter;
    out.adapter = { ...probe.adapter, line: describeAdapter(probe.adapter) };
    process.stdout.write(
      `adapter: ${describeAdapter(probe.adapter)}${probe.adapter.software ? ' — a software adapter: small sizes, times are not GPU speeds' : ''}\n`,
    );
  } else {
    out.adapter = { error: probe.reason };
    process.stdout.write(`adapter: none (${probe.reason})\n`);
  }
  const software = opts.sizes === 'software' || (opts.sizes !== 'hardware' && (adapter === null || adapter.software));
  const sizes = software ? SOFTWARE_SIZES : HARDWARE_SIZES;
  out.sizes = { which: software ? 'software (small: a software or no adapter)' : 'hardware (full)', ...sizes };

  const cnn = createCnn();
  const vgg = createVgg11();
  const cnnData = labelled(sizes.cnnImages, 2019, cnn.inputShape);
  const vggImages = Math.max(sizes.vggCheckImages, ...sizes.vggBatches);
  const vggData = labelled(vggImages, 2020, vgg.inputShape);
  const rng = new Rng(2019);
  const cnnW = cnn.init(rng);
  const v = rng.fillNormal(new Float32Array(cnn.size));
  const vggW = vgg.init(new Rng(2021));
  const minibatches = new Rng(5).permutation(sizes.cnnImages);
  const mbCount = Math.floor(sizes.cnnImages / 20);

  // 2. Reference backend: the weights (GD steps off the initialisation, so the Hessian has structure), then values.
  const refName: BackendName = nativeAvailability().ok ? 'native' : 'wasm';
  const reference: SideValues = {};
  const refRec: Json = {};
  out.reference = refRec;
  await section(out, 'reference', async () => {
    const deadline = until(SHARES.reference);
    const info = await initBackend(refName, opts.wasmDirectory ? { wasmDirectory: opts.wasmDirectory } : {});
    refRec.backend = info.label;
    if (refName === 'wasm') refRec.why = `native unavailable: ${(nativeAvailability() as { reason: string }).reason}`;
    const batch = batchOf(cnnData, cnn.inputShape);
    try {
      for (let i = 0; i < sizes.gdSteps; i++) {
        const { grad } = await valueAndGradRead(cnn, cnnW, batch);
        for (let j = 0; j < cnnW.length; j++) cnnW[j] = cnnW[j]! - 0.1 * grad[j]!;
      }
      const ms: Json = {};
      refRec.cnnMs = ms;
      ms.fullBatchGradient = await timeAdaptive(() => valueAndGradRead(cnn, cnnW, batch), 3, deadline);
      ms.hvp = await timeAdaptive(() => readHvp(cnn, cnnW, batch, v), 3, deadline);
      reference.cnn = await cnnValues(cnn, cnnW, batch, v, true, sizes, deadline, refRec);
    } finally {
      tf.dispose([batch.x, batch.y!]);
    }
    const vb = batchOf(vggData, vgg.inputShape, sizes.vggCheckImages);
    try {
      const t0 = performance.now();
      const r = await valueAndGradRead(vgg, vggW, vb);
      reference.vgg = { loss: r.value, grad: r.grad };
      refRec.vggValueAndGradMs = { images: sizes.vggCheckImages, ms: round(performance.now() - t0) };
    } finally {
      tf.dispose([vb.x, vb.y!]);
    }
  });
  write();

  // 3. PyTorch on the same exchange.
  const torchRec: Json = {};
  out.torch = torchRec;
  const torchValues: { cnn?: Partial<NonNullable<SideValues['cnn']>>; vgg?: Partial<NonNullable<SideValues['vgg']>> } = {};
  const dirs: string[] = [];
  await section(out, 'torch', async () => {
    const deadline = until(SHARES.reference + SHARES.torch);
    const t = torchProbe(opts.python);
    if (!t.ok) {
      torchRec.skipped = t.reason;
      log(`torch skipped: ${t.reason}`);
      return;
    }
    Object.assign(torchRec, { version: t.version, device: t.device, python: opts.python, ...(t.note ? { note: t.note } : {}) });
    const threads = String(cpus().length);
    const env = { ...process.env, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
    const cnnDir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-gpu-cnn-'));
    dirs.push(cnnDir);
    const lanczosRandom = new Float64Array(8 * cnn.size);
    const lr = new Rng(sizes.lanczos.seed);
    for (let i = 0; i < 8; i++) lanczosRandom.set(lr.fillNormal(new Float64Array(cnn.size)), i * cnn.size);
    writeExchange(
      cnnDir,
      cnn,
      {
        w: { data: cnnW, shape: [cnn.size] },
        v: { data: v, shape: [cnn.size] },
        x_train: { data: cnnData.x, shape: [sizes.cnnImages, 28, 28, 1] },
        y_train: { data: cnnData.y, shape: [sizes.cnnImages] },
        minibatches: { data: Int32Array.from(minibatches.subarray(0, mbCount * 20)), shape: [mbCount, 20] },
        lanczos_random: { data: lanczosRandom, shape: [8, cnn.size] },
      },
      {
        reps: sizes.reps,
        operations: ['fullBatchGradient', 'minibatch20Gradient', 'hvp', 'lanczos'],
        lanczos: { k: sizes.lanczos.k, tol: sizes.lanczos.tol, tolPairs: sizes.lanczos.k, seed: sizes.lanczos.seed, runs: 1, maxIter: sizes.lanczos.maxIter },
      },
    );
    const cnnScript = path.join(opts.torchDir, 'torch_cnn.py');
    const check = runPython(opts.python, [cnnScript, cnnDir, 'check', threads, t.device], deadline.left(), env);
    torchValues.cnn = { loss: check.loss as number, grad: readFloat32File(cnnDir, 'torch-grad.f32'), hvp: readFloat32File(cnnDir, 'torch-hvp.f32') };
    Object.assign(torchRec, { versions: check.versions, cudaDevice: check.cudaDevice, tf32: check.tf32, threads: check.threadsInEffect });
    const bench = runPython(opts.python, [cnnScript, cnnDir, 'bench', threads, t.device], deadline.left(), env);
    torchRec.cnnMs = bench.ms;
    const lz = bench.lanczos as { eigenvalues: number[]; matvecs: number; converged: boolean } | undefined;
    if (lz) {
      torchValues.cnn.eigenvalues = Float64Array.from(lz.eigenvalues);
      torchRec.lanczos = { matvecs: lz.matvecs, converged: lz.converged, top5: lz.eigenvalues.map((x) => round(x, 7)) };
    }

    const vggScript = path.join(opts.torchDir, 'torch_vgg.py');
    const vggCheckDir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-gpu-vgg-'));
    dirs.push(vggCheckDir);
    const n = sizes.vggCheckImages;
    writeExchange(vggCheckDir, vgg, {
      w: { data: vggW, shape: [vgg.size] },
      x_train: { data: vggData.x.subarray(0, n * 3072), shape: [n, 32, 32, 3] },
      y_train: { data: vggData.y.subarray(0, n), shape: [n] },
    });
    const vcheck = runPython(opts.python, [vggScript, vggCheckDir, 'check', t.device], deadline.left(), env);
    torchValues.vgg = { loss: vcheck.loss as number, grad: readFloat32File(vggCheckDir, 'torch-grad.f32') };
    const vggBenchDir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-gpu-vggb-'));
    dirs.push(vggBenchDir);
    writeExchange(
      vggBenchDir,
      vgg,
      { w: { data: vggW, shape: [vgg.size] }, x_train: { data: vggData.x, shape: [vggImages, 32, 32, 3] }, y_train: { data: vggData.y, shape: [vggImages] } },
      { batchSizes: sizes.vggBatches, reps: sizes.reps },
    );
    const vbench = runPython(opts.python, [vggScript, vggBenchDir, 'bench', t.device], deadline.left(), env);
    torchRec.vgg = vbench.rows;
  });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  write();

  // 4. webgpu.
  const gpu: SideValues = {};
  const gpuRec: Json = {};
  out.webgpu = gpuRec;
  let gpuUp = false;
  await section(out, 'webgpuCnn', async () => {
    const deadline = until(SHARES.reference + SHARES.torch + SHARES.webgpuCnn);
    const info = await initBackend('webgpu');
    gpuUp = true;
    gpuRec.backend = info.label;
    process.stdout.write(`webgpu backend: ${info.label}\n`);
    const batch = batchOf(cnnData, cnn.inputShape);
    const wt = tf.tensor1d(cnnW);
    const vt = tf.tensor1d(v);
    try {
      gpu.cnn = await cnnValues(cnn, cnnW, batch, v, false, sizes, deadline, gpuRec);
      const ms: Json = {};
      gpuRec.cnnMs = ms;
      ms.fullBatchGradient = await timeAdaptive(() => readBack(() => Object.values(valueAndGrad(cnn, wt, batch, { fused: false }))), sizes.reps, deadline);
      let b = 0;
      const next = () => minibatches.subarray((b % mbCount) * 20, (b++ % mbCount) * 20 + 20);
      ms.minibatch20Gradient = await timeAdaptive(() => readBack(() => Object.values(minibatchValueAndGrad(cnn, wt, batch, next()))), sizes.reps * 4, deadline);
      ms.hvp = await timeAdaptive(() => readBack(() => [hvp(cnn, wt, batch, vt)]), sizes.reps, deadline);
    } finally {
      tf.dispose([batch.x, batch.y!, wt, vt]);
    }
  });
  write();
  if (gpuUp) {
    await section(out, 'webgpuVgg', async () => {
      const deadline = until(1);
      const vb = batchOf(vggData, vgg.inputShape, sizes.vggCheckImages);
      try {
        const r = await valueAndGradRead(vgg, vggW, vb, { fused: false });
        gpu.vgg = { loss: r.value, grad: r.grad };
      } finally {
        tf.dispose([vb.x, vb.y!]);
      }
      const wt = tf.tensor1d(vggW);
      const rows: Json[] = [];
      gpuRec.vgg = rows;
      let perImage = 0;
      try {
        for (const size of sizes.vggBatches) {
          if (perImage > 0 && perImage * size * 2 > deadline.left()) {
            rows.push({
              batch: size,
              skipped: `an estimated ${round((perImage * size * 2) / 1000, 3)} s for warm-up and one run; ${round(deadline.left() / 1000, 3)} s left`,
            });
            continue;
          }
          const bb = batchOf(vggData, vgg.inputShape, size);
          try {
            const t = await timeAdaptive(() => readBack(() => Object.values(valueAndGrad(vgg, wt, bb, { fused: false }))), sizes.reps, deadline);
            perImage = t.ms / size;
            rows.push({ batch: size, ...t, msPerImage: round(t.ms / size) });
          } catch (err) {
            rows.push({ batch: size, error: (err as Error).message.slice(0, 300) });
          } finally {
            tf.dispose([bb.x, bb.y!]);
          }
        }
      } finally {
        wt.dispose();
      }
    });
  }

  // 5. Agreement and ratios.
  out.agreement = {
    note: 'relative differences in float64, ‖a − b‖ / ‖b‖; every side computes in float32 on identical weights and images',
    webgpuVsReference: agreement(gpu, reference),
    webgpuVsTorch: agreement(gpu, torchValues),
    referenceVsTorch: agreement(reference, torchValues),
  };
  const ratios: Json = {};
  const g = gpuRec.cnnMs as Record<string, { ms: number }> | undefined;
  const tm = torchRec.cnnMs as Record<string, number> | undefined;
  const rm = refRec.cnnMs as Record<string, { ms: number }> | undefined;
  if (g) {
    for (const key of Object.keys(g)) {
      if (tm?.[key] !== undefined) ratios[`cnn.${key}.webgpuOverTorch`] = round(g[key]!.ms / tm[key]!, 3);
      if (rm?.[key] !== undefined) ratios[`cnn.${key}.webgpuOverReference`] = round(g[key]!.ms / rm[key]!.ms, 3);
    }
  }
  const gl = gpuRec.lanczos as { ms?: number } | undefined;
  if (gl?.ms !== undefined && tm?.lanczos !== undefined) ratios['cnn.lanczos.webgpuOverTorch'] = round(gl.ms / tm.lanczos, 3);
  const tv = torchRec.vgg as { batch: number; msPerImage?: number }[] | undefined;
  for (const row of (gpuRec.vgg as { batch: number; msPerImage?: number }[] | undefined) ?? []) {
    const other = tv?.find((r) => r.batch === row.batch);
    if (row.msPerImage !== undefined && other?.msPerImage !== undefined)
      ratios[`vgg.batch${row.batch}.webgpuOverTorch`] = round(row.msPerImage / other.msPerImage, 3);
  }
  out.ratios = ratios;
  out.seconds = round((performance.now() - start) / 1000, 4);
  write();
  process.stdout.write(`agreement webgpu vs ${refRec.backend as string}: ${JSON.stringify((out.agreement as Json).webgpuVsReference)}\n`);
  process.stdout.write(`agreement webgpu vs torch: ${JSON.stringify((out.agreement as Json).webgpuVsTorch)}\n`);
  process.stdout.write(`ratios: ${JSON.stringify(ratios)}\n`);
  process.stdout.write(`wrote ${opts.out} (${out.seconds as number} s)\n`);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'result.json' },
      python: { type: 'string', default: 'python3' },
      'torch-dir': { type: 'string', default: path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench') },
      'wasm-dir': { type: 'string' },
      'budget-s': { type: 'string', default: '450' },
      sizes: { type: 'string', default: 'auto' },
    },
  });
  runCheck({
    out: values.out!,
    python: values.python!,
    torchDir: values['torch-dir']!,
    budgetSeconds: Number(values['budget-s']),
    wasmDirectory: values['wasm-dir'],
    sizes: values.sizes as 'auto' | 'hardware' | 'software',
  }).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
