/**
 * `npm run bench -- compare`: sgd-noise (tfjs) against a PyTorch reference of the same CNN (bench/torch_cnn.py),
 * side by side on the same machine, the same images and labels and the same flat weights.
 *
 * The weights, images, labels, the HVP direction, the minibatch indices and Lanczos's random vectors are written to a
 * temporary directory (header.json + data.bin) that the torch script reads. First both sides compute the loss, the
 * gradient and the HVP on the 1200 training images, compared in float64 (relative difference ≤ 1e-5, else the suite
 * fails with the numbers). Then both time, as medians after a warm-up: full-batch and minibatch-20 value + gradient,
 * the HVP (double backprop, and with the recorded pass reused), evaluation of the 10,000 test images, 60 minibatch
 * gradients (m = 20, the Σ of the noise kinds) and Lanczos top-20 (same algorithm, start vector and stopping rule).
 * Both run once with 1 thread and once with all cores (sgd-noise's threaded wasm binary in a fresh process,
 * bench/compare-sgd.ts).
 *
 * On `--backend webgpu` (stages/tf/webgpu.ts) the same check runs on the GPU's values, and the rows compare webgpu
 * with torch on all cores (there are no thread counts on a GPU); the adapter is named in the JSON and the table, and a
 * software adapter's (llvmpipe's) times are not speed claims. Every read is awaited (bench/reads.ts). `--train`,
 * `--test`, `--gd-steps`, `--reps`, `--rounds`, `--lanczos-k` and `--lanczos-max-iter` shrink the suite for slow
 * backends (bench/run.ts).
 *
 * Needs Debian's `/usr/bin/python3` with the package python3-torch; without it the suite is skipped with a message.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateFashionMnist, readFashionSplit } from '../stages/data/fashion-mnist.ts';
import { createCnn } from '../stages/models/cnn.ts';
import { hvpSession, valueAndGradRead } from '../stages/models/curvature.ts';
import type { Batch, FlatModel } from '../stages/models/model.ts';
import { Rng } from '../stages/numerics/random.ts';
import { initBackend, type BackendName } from '../stages/tf/backend.ts';
import { resolveAutoBackend } from '../stages/tf/auto.ts';
import { readFloat32 } from '../stages/tf/read.ts';
import { timeSgdNoise } from './compare-sgd.ts';
import { norm, readFloat32File, relativeDifference, writeExchange, type ExchangeArray } from './exchange.ts';
import { readHvp } from './reads.ts';
import { evaluateClassifier } from '../stages/models/evaluate.ts';
import { median } from './timing.ts';

/** Debian's Python, which has python3-torch (the `python3` on PATH may be another one). */
export const TORCH_PYTHON = '/usr/bin/python3';
/** The PyTorch reference of the CNN. */
export const TORCH_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_cnn.py');
/** Largest relative difference (float64, ‖a − b‖ / ‖b‖) allowed between tfjs and torch. */
export const CHECK_TOLERANCE = 1e-5;

/** Whether `/usr/bin/python3 -c 'import torch'` works (or another `python`'s); if not, why. */
export function torchAvailability(python = TORCH_PYTHON): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  const install = 'install the Debian package python3-torch';
  if (r.error) return { ok: false, reason: `${python} could not be run (${r.error.message}); ${install}` };
  if (r.status !== 0) {
    const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
    return { ok: false, reason: `\`${python} -c 'import torch'\` failed (${last || `exit ${r.status}`}); ${install}` };
  }
  return { ok: true, version: r.stdout.trim() };
}

export { relativeDifference, writeExchange, type ExchangeArray };

/** Runs bench/torch_cnn.py on an exchange directory with `threads` threads (also set in its env) and parses its JSON. */
export function runTorch(dir: string, mode: 'check' | 'bench', threads: number): Record<string, unknown> {
  const env = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
  };
  const r = spawnSync(TORCH_PYTHON, [TORCH_SCRIPT, dir, mode, String(threads)], {
    encoding: 'utf8',
    env,
    maxBuffer: 64 << 20,
    timeout: 30 * 60_000,
  });
  if (r.error) throw new Error(`${TORCH_PYTHON} ${TORCH_SCRIPT} ${mode}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${TORCH_PYTHON} ${TORCH_SCRIPT} ${dir} ${mode} ${threads} exited with ${r.status ?? r.signal}:\n${(r.stderr ?? '').trim().slice(-4000)}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${TORCH_SCRIPT} ${mode} printed no JSON on its last stdout line; stdout ends with: ${r.stdout.slice(-2000)}`);
  }
}

/** Runs bench/compare-sgd.ts on an exchange directory with `threads` wasm threads and parses its JSON line. */
export function runSgdNoiseThreaded(
  dir: string,
  threads: number,
  backend: BackendName = 'wasm',
): { threads: number; ms: Record<string, number>; lanczosMatvecs: number } {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compare-sgd.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dir, String(threads), backend], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 30 * 60_000,
  });
  if (r.error) throw new Error(`${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${script} ${dir} ${threads} exited with ${r.status ?? r.signal}:\n${(r.stderr ?? '').trim().slice(-4000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { threads: number; ms: Record<string, number>; lanczosMatvecs: number };
}

/** One quantity of the correctness check. */
export interface CheckEntry {
  readonly relativeDifference: number;
  /** ‖torch's value‖ (the scale the difference is relative to). */
  readonly torchNorm: number;
}

/** The outcome of comparing tfjs with torch on one batch. */
export interface TorchCheck {
  readonly loss: CheckEntry & { readonly sgdNoise: number; readonly torch: number };
  readonly gradient: CheckEntry;
  readonly hvp: CheckEntry;
  readonly hvpReusedPass: CheckEntry;
  readonly tolerance: number;
  /** Quantities over the tolerance, as readable lines (empty when all agree). */
  readonly failures: readonly string[];
  /** What torch_cnn.py reported besides the values (threads, versions, test loss/accuracy when test images were passed). */
  readonly torch: Record<string, unknown>;
}

/**
 * Loss, gradient and HVP H·v of `model` at `w` on `batch`, by tfjs and by torch (from the exchange in `dir`, which
 * must hold w, v, x_train and y_train), compared in float64. Example: `checkAgainstTorch(dir, model, w, batch, v)`.
 */
export async function checkAgainstTorch(dir: string, model: FlatModel, w: Float32Array, batch: Batch, v: Float32Array, threads = 1): Promise<TorchCheck> {
  const { value, grad } = await valueAndGradRead(model, w, batch);
  const hv = await readHvp(model, w, batch, v);
  const session = hvpSession(model, w, batch);
  const hvSessionT = session.hvp(v);
  let hvSession: Float32Array;
  try {
    hvSession = await readFloat32(hvSessionT);
  } finally {
    hvSessionT.dispose();
    session.dispose();
  }
  const torch = runTorch(dir, 'check', threads);
  const read = (file: string) => readFloat32File(dir, file);
  const tg = read('torch-grad.f32');
  const thv = read('torch-hvp.f32');
  const thvSession = read('torch-hvp-session.f32');
  const torchLoss = torch.loss as number;
  const entry = (a: ArrayLike<number>, b: ArrayLike<number>): CheckEntry => ({ relativeDifference: relativeDifference(a, b), torchNorm: norm(b) });
  const out = {
    loss: { sgdNoise: value, torch: torchLoss, relativeDifference: relativeDifference(value, torchLoss), torchNorm: Math.abs(torchLoss) },
    gradient: entry(grad, tg),
    hvp: entry(hv, thv),
    hvpReusedPass: entry(hvSession, thvSession),
  };
  const failures = Object.entries(out)
    .filter(([, e]) => !(e.relativeDifference <= CHECK_TOLERANCE))
    .map(([name, e]) => `${name}: relative difference ${e.relativeDifference.toExponential(3)} > ${CHECK_TOLERANCE} (‖torch‖ = ${e.torchNorm.toPrecision(6)})`);
  return { ...out, tolerance: CHECK_TOLERANCE, failures, torch };
}

interface Images {
  x: Float32Array;
  y: Int32Array;
  source: string;
}

async function loadImages(train: number, test: number, rng: Rng): Promise<{ train: Images; test: Images; note?: string }> {
  const scale = (px: Uint8Array) => Float32Array.from(px, (p) => (p - 127.5) / 127.5);
  try {
    const where = await locateFashionMnist({ log: (line) => process.stderr.write(`${line}\n`) });
    const tr = readFashionSplit(where.dir, 'train', train);
    const te = readFashionSplit(where.dir, 'test', test);
    const source = `fashion-mnist (${where.source}: ${where.dir})`;
    return {
      train: { x: scale(tr.images), y: Int32Array.from(tr.labels), source: `${source}, first ${tr.count} training images` },
      test: { x: scale(te.images), y: Int32Array.from(te.labels), source: `${source}, first ${te.count} test images` },
    };
  } catch (err) {
    const note = `Fashion-MNIST not found (${(err as Error).message.split('\n')[0]}): seeded random images (Rng 2019) and labels instead`;
    process.stderr.write(`compare: ${note}\n`);
    const random = (n: number): Images => ({
      x: rng.fillNormal(new Float32Array(n * 784)),
      y: Int32Array.from({ length: n }, () => rng.int(10)),
      source: 'random normal images, uniform labels (seeded)',
    });
    return { train: random(train), test: random(test), note };
  }
}

/** One row of the table. */
export interface CompareRow {
  readonly operation: string;
  /** 1 for the one-thread comparison, 'all cores' for each side with every core it can use. */
  readonly threads: 1 | 'all cores';
  /** On webgpu: the adapter sgd-noise ran on (`webgpu (llvmpipe …)`); its thread count is then 1 JavaScript thread. */
  readonly sgdNoiseDevice?: string;
  readonly sgdNoiseThreads: number;
  readonly torchThreads: number;
  readonly sgdNoiseMs: number;
  readonly torchMs: number;
  /** sgdNoiseMs / torchMs. */
  readonly ratio: number;
  readonly sgdNoiseMatvecs?: number;
  readonly torchMatvecs?: number;
}

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

function formatTable(rows: readonly CompareRow[]): string {
  const head = ['operation', 'threads (sgd-noise / torch)', 'sgd-noise ms', 'torch ms', 'ratio'];
  const body = rows.map((r) => [
    r.operation + (r.sgdNoiseMatvecs !== undefined ? ` (HVPs ${r.sgdNoiseMatvecs} / ${r.torchMatvecs})` : ''),
    `${r.sgdNoiseThreads} / ${r.torchThreads}`,
    r.sgdNoiseMs.toFixed(r.sgdNoiseMs < 100 ? 1 : 0),
    r.torchMs.toFixed(r.torchMs < 100 ? 1 : 0),
    `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Options of `benchCompare`. */
export interface CompareOptions {
  readonly backend?: BackendName;
  /** Timed repetitions per operation (after one warm-up); default 5. */
  readonly reps?: number;
  /** Timed Lanczos runs per side (the HVP timings before it warm the kernels); default 1. */
  readonly lanczosRuns?: number;
  /**
   * Rounds of the one-thread timings, sgd-noise and torch alternating, each row the median over rounds (default 3):
   * shared machines drift by ±30% over minutes, and alternating puts both sides under the same drift.
   */
  readonly rounds?: number;
  /** Training images (default 1200) and test images (default 10,000): fewer for slow backends (llvmpipe). */
  readonly train?: number;
  readonly test?: number;
  /** Full-batch GD steps from the initialisation before anything is compared (default 60). */
  readonly gdSteps?: number;
  /** Lanczos's k (default 20; tolPairs is min(5, k)) and its matvec cap (default: lanczos's own). */
  readonly lanczosK?: number;
  readonly lanczosMaxIter?: number;
}

/**
 * The compare suite: returns `{threads, rows, check, …}` for bench/results/compare.json, or null (after printing why on
 * stderr) when torch is not available. Throws, with the numbers, when tfjs and torch disagree.
 */
export async function benchCompare(opts: CompareOptions = {}): Promise<Record<string, unknown> | null> {
  const available = torchAvailability();
  if (!available.ok) {
    process.stderr.write(`bench compare: skipped: ${available.reason}\n`);
    return null;
  }
  const loadAtStart = loadavg();
  const reps = opts.reps ?? 5;
  const lanczosRuns = opts.lanczosRuns ?? 1;
  const rounds = opts.rounds ?? 3;
  const backend = opts.backend ?? resolveAutoBackend();
  const info = await initBackend(backend);
  const gpu = backend === 'webgpu';
  if (info.adapter?.software) process.stderr.write(`compare: webgpu on a software adapter (${info.label}): its times are not GPU speeds\n`);
  const model = createCnn();
  const rng = new Rng(2019);
  const N = opts.train ?? 1200;
  const NTEST = opts.test ?? 10_000;
  const gdSteps = opts.gdSteps ?? 60;
  const mbCount = Math.min(60, Math.floor(N / 20));
  if (mbCount < 1) throw new Error(`bench compare: --train ${N} is fewer than one minibatch of 20`);
  const images = await loadImages(N, NTEST, rng);
  const batch: Batch = { x: tf.tensor4d(images.train.x, [N, 28, 28, 1]), y: tf.tensor1d(images.train.y, 'int32') };
  const testBatch: Batch = { x: tf.tensor4d(images.test.x, [NTEST, 28, 28, 1]), y: tf.tensor1d(images.test.y, 'int32') };

  // As bench/numerics.ts: 60 full-batch GD steps at lr 0.1 from the initialisation, so the Hessian has structure.
  const w = model.init(rng);
  for (let i = 0; i < gdSteps; i++) {
    const { grad } = await valueAndGradRead(model, w, batch);
    for (let j = 0; j < w.length; j++) w[j] = w[j]! - 0.1 * grad[j]!;
  }
  const v = rng.fillNormal(new Float32Array(model.size));
  const minibatches = rng.permutation(N).subarray(0, mbCount * 20); // 60 minibatches of 20: one shuffled pass (N = 1200)
  const lanczosK = opts.lanczosK ?? 20;
  const lanczosOpts = { k: lanczosK, tol: 1e-3, tolPairs: Math.min(5, lanczosK), seed: 7, ...(opts.lanczosMaxIter ? { maxIter: opts.lanczosMaxIter } : {}) };
  // lanczos() draws its start vector, and on a breakdown further vectors, from new Rng(seed): the same stream for torch.
  const lanczosRng = new Rng(lanczosOpts.seed);
  const lanczosRandom = new Float64Array(8 * model.size);
  for (let i = 0; i < 8; i++) lanczosRandom.set(lanczosRng.fillNormal(new Float64Array(model.size)), i * model.size);
  const evalChunk = 2000;

  const dir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-compare-'));
  try {
    writeExchange(
      dir,
      model,
      {
        w: { data: w, shape: [model.size] },
        v: { data: v, shape: [model.size] },
        x_train: { data: images.train.x, shape: [N, 28, 28, 1] },
        y_train: { data: images.train.y, shape: [N] },
        x_test: { data: images.test.x, shape: [NTEST, 28, 28, 1] },
        y_test: { data: images.test.y, shape: [NTEST] },
        minibatches: { data: Int32Array.from(minibatches), shape: [mbCount, 20] },
        lanczos_random: { data: lanczosRandom, shape: [8, model.size] },
      },
      {
        reps,
        evalChunk,
        lanczos: {
          k: lanczosOpts.k,
          tol: lanczosOpts.tol,
          tolPairs: lanczosOpts.tolPairs,
          seed: lanczosOpts.seed,
          runs: lanczosRuns,
          ...(opts.lanczosMaxIter ? { maxIter: opts.lanczosMaxIter } : {}),
        },
      },
    );

    // 1. Correctness: the same loss, gradient and HVP, or nothing is timed.
    process.stderr.write('compare: checking loss, gradient and HVP against torch...\n');
    const check = await checkAgainstTorch(dir, model, w, batch, v);
    const evalTfjs = await evaluateClassifier(model, w, testBatch, { chunk: evalChunk });
    const evalCheck = {
      sgdNoise: evalTfjs,
      torch: { loss: check.torch.testLoss, accuracy: check.torch.testAccuracy },
      lossRelativeDifference: relativeDifference(evalTfjs.loss, check.torch.testLoss as number),
    };
    if (check.failures.length) {
      throw new Error(
        `bench compare: tfjs and torch disagree (relative differences in float64, tolerance ${CHECK_TOLERANCE}):\n  ${check.failures.join('\n  ')}\n` +
          `loss: sgd-noise ${check.loss.sgdNoise}, torch ${check.loss.torch}; gradient ${check.gradient.relativeDifference}, ` +
          `hvp ${check.hvp.relativeDifference}, hvp (reused pass) ${check.hvpReusedPass.relativeDifference}`,
      );
    }
    process.stderr.write(
      `compare: agree: loss ${check.loss.relativeDifference.toExponential(2)}, gradient ${check.gradient.relativeDifference.toExponential(2)}, ` +
        `HVP ${check.hvp.relativeDifference.toExponential(2)} (≤ ${CHECK_TOLERANCE})\n`,
    );

    // 2. One thread each, in alternating rounds (sgd-noise here, torch in its process); each row is the median over
    // rounds. Then all cores once each: sgd-noise in a fresh process (a process has one backend), torch. On webgpu:
    // the rounds alternate the GPU and torch on all cores, and that is all.
    const cores = cpus().length;
    const torchThreads = gpu ? cores : 1;
    type TorchRun = { ms: Record<string, number>; lanczos: Record<string, unknown>; threadsInEffect: number } & Record<string, unknown>;
    const sgdRounds: Record<string, number>[] = [];
    const torchRounds: TorchRun[] = [];
    let lz: Awaited<ReturnType<typeof timeSgdNoise>>['lanczos'] | undefined;
    for (let r = 1; r <= rounds; r++) {
      process.stderr.write(`compare: round ${r}/${rounds}: timing sgd-noise, ${gpu ? info.label : '1 thread'}...\n`);
      const one = await timeSgdNoise({
        model,
        w,
        v,
        batch,
        testBatch,
        minibatches: Int32Array.from(minibatches),
        lanczosOptions: lanczosOpts,
        reps,
        lanczosRuns,
        evalChunk,
      });
      sgdRounds.push(one.ms);
      lz = one.lanczos;
      process.stderr.write(`compare: round ${r}/${rounds}: timing torch, ${torchThreads} thread(s)...\n`);
      torchRounds.push(runTorch(dir, 'bench', torchThreads) as TorchRun);
    }
    const medianByKey = (runs: readonly Record<string, number>[]) => Object.fromEntries(Object.keys(runs[0]!).map((k) => [k, median(runs.map((m) => m[k]!))]));
    const ms = medianByKey(sgdRounds);
    if (!lz) throw new Error('bench compare: rounds must be ≥ 1');
    const t1: TorchRun = { ...torchRounds[0]!, ms: medianByKey(torchRounds.map((t) => t.ms)) };
    let sgdAll: ReturnType<typeof runSgdNoiseThreaded> | null = null;
    let tAll: TorchRun | null = null;
    if (!gpu) {
      process.stderr.write(`compare: timing sgd-noise, ${cores} threads...\n`);
      sgdAll = runSgdNoiseThreaded(dir, cores, backend);
      process.stderr.write(`compare: timing torch, ${cores} threads...\n`);
      tAll = runTorch(dir, 'bench', cores) as TorchRun;
    }

    const operations: [key: string, label: string][] = [
      ['fullBatchGradient', `full-batch value + gradient, N = ${N}`],
      ['minibatch20Gradient', 'minibatch-20 value + gradient'],
      ['hvp', `HVP, double backprop, N = ${N}`],
      ['hvpReusedPass', `HVP, recorded pass reused, N = ${N}`],
      ['evaluateTest', `evaluation (loss, accuracy), ${NTEST} test images`],
      ['sixtyMinibatchGradients', `${mbCount} minibatch gradients, m = 20 (Σ)`],
      ['lanczos', `Lanczos top-${lanczosOpts.k}, tol ${lanczosOpts.tol} on top ${lanczosOpts.tolPairs}`],
    ];
    const rows: CompareRow[] = [];
    const sides: [TorchRun, 1 | 'all cores', Record<string, number>, number, number][] = gpu
      ? [[t1, 'all cores', ms, 1, lz.matvecs]]
      : [
          [t1, 1, ms, info.threads ?? 1, lz.matvecs],
          [tAll!, 'all cores', sgdAll!.ms, sgdAll!.threads, sgdAll!.lanczosMatvecs],
        ];
    for (const [torchRun, label, sgdMs, sgdThreads, sgdMatvecs] of sides) {
      for (const [key, operation] of operations) {
        const torchMs = torchRun.ms[key]!;
        rows.push({
          operation,
          threads: label,
          ...(gpu ? { sgdNoiseDevice: info.label } : {}),
          sgdNoiseThreads: sgdThreads,
          torchThreads: torchRun.threadsInEffect,
          sgdNoiseMs: round(sgdMs[key]!),
          torchMs: round(torchMs),
          ratio: round(sgdMs[key]! / torchMs, 3),
          ...(key === 'lanczos' ? { sgdNoiseMatvecs: sgdMatvecs, torchMatvecs: torchRun.lanczos.matvecs as number } : {}),
        });
      }
    }
    const adapterLine = gpu
      ? `sgd-noise on ${info.label}${info.adapter?.software ? ': a software adapter, times are not GPU speeds' : ''}; torch on ${t1.threadsInEffect} CPU threads\n`
      : '';
    process.stderr.write(`\n${adapterLine}${formatTable(rows)}\n\n`);
    const eigen = (xs: ArrayLike<number>) => Array.from(xs, (x) => round(x, 6));
    const torchEigen = t1.lanczos.eigenvalues as number[];
    return {
      ...(gpu
        ? {
            adapter: {
              label: info.label,
              ...info.adapter,
              note: info.adapter?.software ? 'a software adapter (CPU Vulkan): the times are not GPU speeds' : 'a hardware adapter',
            },
          }
        : {}),
      threads: gpu
        ? {
            cpuCount: cores,
            sgdNoise: { backend: info.label, note: 'webgpu: the work runs on the adapter' },
            torch: { allCores: { requested: t1.threadsRequested, inEffect: t1.threadsInEffect, env: t1.env } },
          }
        : {
            cpuCount: cores,
            sgdNoise: {
              backend: info.label,
              oneThread: info.threads ?? 1,
              allCores: sgdAll!.threads,
              note: 'all-cores rows: a fresh process with the threaded wasm binary (stages/tf/wasm-threads.ts) and, on native, as many native kernel threads',
            },
            torch: {
              oneThread: { requested: t1.threadsRequested, inEffect: t1.threadsInEffect, env: t1.env },
              allCores: { requested: tAll!.threadsRequested, inEffect: tAll!.threadsInEffect, env: tAll!.env },
            },
          },
      rows,
      oneThreadRounds: { sgdNoiseMs: sgdRounds, torchMs: torchRounds.map((t) => t.ms) },
      check: {
        tolerance: CHECK_TOLERANCE,
        comparedIn: 'float64; both sides compute in float32',
        loss: check.loss,
        gradient: check.gradient,
        hvp: check.hvp,
        hvpReusedPass: check.hvpReusedPass,
        testEvaluation: evalCheck,
        sources: {
          images: { train: images.train.source, test: images.test.source, ...(images.note ? { note: images.note } : {}) },
          weights: 'model.init(new Rng(2019)), then 60 full-batch GD steps at lr 0.1 on the training images',
          torchScript: path.relative(process.cwd(), TORCH_SCRIPT),
          python: TORCH_PYTHON,
        },
        versions: { ...info.versions, ...(t1.versions as Record<string, string>) },
      },
      lanczos: {
        options: { ...lanczosOpts, runs: lanczosRuns },
        sgdNoise: {
          matvecs: lz!.matvecs,
          converged: lz!.converged,
          top5: eigen(lz!.eigenvalues.slice(0, 5)),
          top5RelativeResidualMax: Math.max(...Array.from(lz!.relativeResiduals.slice(0, 5))),
        },
        torch: {
          matvecs: t1.lanczos.matvecs,
          converged: t1.lanczos.converged,
          top5: eigen(torchEigen.slice(0, 5)),
          top5RelativeResidualMax: Math.max(...(t1.lanczos.relativeResiduals as number[]).slice(0, 5)),
        },
        [`top${lanczosOpts.k}EigenvalueRelativeDifference`]: relativeDifference(lz!.eigenvalues, torchEigen),
      },
      settings: { reps, rounds, warmup: 1, lanczosRuns, gdSteps, images: { train: N, test: NTEST }, evalChunk, minibatch: 20, minibatches: mbCount },
      // 1-, 5- and 15-minute load averages: more than `cores` means other processes competed for the cores.
      loadAverage: { start: loadAtStart.map((x) => round(x, 3)), end: loadavg().map((x) => round(x, 3)) },
      notes: [
        `medians of wall times after one warm-up; one-thread rows: the median over ${rounds} rounds, sgd-noise and torch alternating; ratio = sgdNoiseMs / torchMs`,
        "evaluation: sgd-noise's evaluateClassifier (chunks of 2000, one forward pass per chunk, lossAndPrediction, awaited reads), as torch",
        'HVP, recorded pass reused: sgd-noise hvpSession against torch autograd.grad(g, w, v, retain_graph=True) on a graph recorded once; Lanczos uses these on both sides and its time includes recording it',
        'all-cores rows: torch with os.cpu_count() threads, sgd-noise with as many wasm threads (in a fresh process)',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    tf.dispose([batch.x, batch.y!, testBatch.x, testBatch.y!]);
  }
}
