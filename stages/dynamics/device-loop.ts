/**
 * The dynamics loop of stages/dynamics/run.ts with the weights kept on the GPU (the webgpu backend): θ is a tf.Variable,
 * the gradient, the noise (stages/noise/device.ts: Σ's factors uploaded once per refresh) and the update stay on the
 * device, and nothing is read back per iteration except what is logged: the metrics every `logEvery` iterations, the
 * checkpoints, and θ at the iterations that refresh the noise statistics (which are computed from it).
 *
 * Divergence is watched on the device: a scalar holds the first iteration whose loss or updated parameters were not
 * finite, and is read with each log row, so a diverged run still fails naming that iteration. The same options and
 * results as `runDynamics`, which calls this on webgpu; the random stream is consumed in the same order.
 */
import { tf } from '../tf/tfjs.ts';
import type { Scalar, Tensor1D } from '@tensorflow/tfjs';
import { deviceNoise, type DeviceNoise } from '../noise/device.ts';
import type { NoiseSampler } from '../noise/kind.ts';
import { noiseKind } from '../noise/registry.ts';
import { readFloat32, readNumber } from '../tf/read.ts';
import { webgpuAdapter } from '../tf/webgpu.ts';
import { evaluateClassifier } from '../models/evaluate.ts';
import type { DynamicsLog, DynamicsOptions, DynamicsResult } from './run.ts';
import { logRow, noiseStatistics, stepValueAndGrad } from './loop-parts.ts';
import { SharpnessTrack } from './sharpness-track.ts';
import { HessianTracker } from './statistics.ts';

/** Runs the dynamics with θ on the device; throws naming the first iteration whose loss or θ was not finite. */
export async function runDynamicsOnDevice(o: DynamicsOptions): Promise<DynamicsResult> {
  const kind = noiseKind(o.kind);
  const needs = kind.needs(o.noise);
  const weights = new Float64Array(needs.exampleWeights ? o.train.x.shape[0]! : 0);
  const tracker = new HessianTracker(o.model, o.train, o.hessian, o.rng.nextUint32());
  // λ_max at θ on the device: the Hessian operator clones the variable, Lanczos's basis stays there (deviceLanczos)
  const track = o.sharpnessTrack ? new SharpnessTrack(o.model, o.train, o.sharpnessTrack) : undefined;
  const maxBytes = webgpuAdapter()?.limits.maxStorageBufferBindingSize ?? Infinity;
  const log: DynamicsLog[] = [];
  const checkpoints: { iteration: number; w: Float32Array }[] = [];
  const wanted = new Set(o.checkpoints);
  const w = tf.variable(tf.tensor1d(o.w0), false);
  let firstBad: Scalar = tf.keep(tf.scalar(Infinity));
  let sampler: NoiseSampler | undefined;
  let noise: DeviceNoise | undefined;
  let refreshes = 0;

  const checkFinite = async () => {
    const bad = await readNumber(firstBad);
    if (Number.isFinite(bad)) throw new Error(`${o.kind} diverged at iteration ${bad}: the loss or the parameters stopped being finite`);
  };
  const record = async (iteration: number) => {
    await checkFinite();
    const wNow = await readFloat32(w);
    const tr = await evaluateClassifier(o.model, wNow, o.train, { groups: o.randomized, chunk: o.chunkSize });
    const te = o.test ? await evaluateClassifier(o.model, wNow, o.test, { chunk: o.chunkSize }) : undefined;
    log.push(logRow(o, iteration, tr, te, sampler?.trace ?? 0));
  };

  try {
    if (wanted.has(0)) checkpoints.push({ iteration: 0, w: Float32Array.from(o.w0) });
    if (track) await track.measure(w, 0);
    for (let t = 1; t <= o.iterations; t++) {
      o.signal?.throwIfAborted();
      const refreshing = !needs.minibatchGradient && !needs.exampleWeights && (sampler === undefined || (t - 1) % o.refresh === 0);
      if (refreshing) {
        const wNow = await readFloat32(w);
        const stats = await noiseStatistics(o, needs, tracker, wNow);
        sampler = kind.build(stats, o.noise);
        noise?.dispose();
        noise = deviceNoise(sampler.shape, maxBytes);
        refreshes++;
      }
      if (t === 1) await record(0);
      const { value, grad } = stepValueAndGrad(o, kind, needs, w, weights);
      const noisy = sampler !== undefined && !sampler.isZero && (refreshing || o.noiseSteps !== 'refresh');
      const xi = noisy ? noise!.sample(o.rng) : null;
      const nextBad = tf.tidy(() => {
        const step = xi ? tf.add(grad, xi) : grad;
        const next = tf.sub(w, tf.mul(step, o.lr));
        // a non-finite loss, or a non-finite entry of θ (which makes its sum non-finite)
        const total = tf.add(value, tf.sum(next));
        const bad = tf.logicalOr(tf.isNaN(total), tf.isInf(total));
        w.assign(next as Tensor1D);
        return tf.minimum(firstBad, tf.where(bad, tf.scalar(t), tf.scalar(Infinity))) as Scalar;
      });
      firstBad.dispose();
      firstBad = tf.keep(nextBad);
      tf.dispose(xi ? [value, grad, xi] : [value, grad]);
      if (t % o.logEvery === 0 || t === o.iterations) await record(t);
      if (track?.due(t, o.iterations)) {
        await checkFinite();
        await track.measure(w, t);
      }
      if (wanted.has(t)) {
        await checkFinite();
        checkpoints.push({ iteration: t, w: await readFloat32(w) });
      }
      o.onProgress?.(t, o.iterations, log.at(-1));
    }
    if (o.iterations === 0) await record(0);
    await checkFinite();
    return {
      log,
      final: await readFloat32(w),
      checkpoints,
      refreshes,
      hessianHvps: tracker.hvps,
      hessianRefreshes: tracker.refreshes,
      sharpness: track?.points ?? [],
    };
  } finally {
    noise?.dispose();
    firstBad.dispose();
    w.dispose();
  }
}
