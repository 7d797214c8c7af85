/**
 * The theory-against-experiment stage: `escapeTheory` on a tiny conv net (structure, gd's zero noise-induced increase,
 * the isotropic kind's closed form, full capture of Tr(HΣ) with k = D, determinism, divergence), and the stage end to
 * end through the engine on a tiny synthetic Fashion-MNIST in the real file format.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import project from '../../pipeline.config.ts';
import { CacheStore } from '../../cache/store.ts';
import { buildPlan, selectInstances } from '../../pipeline/plan.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { runToCompletion } from '../../pipeline/runner.ts';
import { FASHION_FILES } from '../data/fashion-mnist.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx } from '../data/idx.ts';
import { valueAndGradRead } from '../models/curvature.ts';
import { createTinyConvNet } from '../models/tiny.ts';
import type { NoiseKindName } from '../noise/kind.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { testNoise } from '../noise/testing.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { escapeTheory, type EscapeTheoryOptions, type TheoryKind, type TheoryRow } from './theory.ts';

const ALL = Object.keys(NOISE_KINDS) as NoiseKindName[];
const SIGMA = 1e-2;

async function tiny(over: Partial<EscapeTheoryOptions> = {}): Promise<{ o: EscapeTheoryOptions; dispose(): void }> {
  await initBackend('wasm');
  const model = createTinyConvNet();
  const rng = new Rng(41);
  const n = 40;
  const train = {
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  };
  const o: EscapeTheoryOptions = {
    model,
    w0: model.init(rng),
    train,
    kinds: ALL.map((kind) => ({ kind, config: testNoise(kind, { sigma: SIGMA, k: 3, rescaleToTrace: false }) })),
    lr: 0.05,
    batchSize: 5,
    runs: 3,
    steps: 4,
    every: 2,
    k: model.size,
    lanczos: { tol: 1e-8, tolPairs: 47, maxIter: 200 },
    hutchinsonSamples: 10,
    exactTraceHSigma: true,
    seed: 9,
    ...over,
  };
  return { o, dispose: () => tf.dispose([train.x, train.y]) };
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1e-300);

test.serial('tiny net: table per (kind, step); gd has no noise-induced increase; gld_const follows the closed form; k = D captures Tr(HΣ)', async (t) => {
  const { o, dispose } = await tiny();
  try {
    const r = await escapeTheory(o);
    t.is(r.rows.length, ALL.length * 3);
    t.deepEqual(
      r.kinds.map((k) => k.kind),
      ALL,
    );
    const by = (kind: string) => r.rows.filter((x) => x.kind === kind);
    const kind = (name: string) => r.kinds.find((k) => k.kind === name)!;
    for (const name of ALL) {
      const rows = by(name);
      t.deepEqual(
        rows.map((x) => x.step),
        [0, 2, 4],
        name,
      );
      t.deepEqual(
        rows.map((x) => x.t),
        [0, 0.1, 0.2],
        name,
      );
      t.true(rows[0]!.measuredMean === 0 && rows[0]!.linear === 0 && rows[0]!.quadraticDiscrete === 0, `${name} at step 0`);
      for (const x of rows) {
        t.is(x.noiseInduced, x.measuredMean - x.gdDrift);
        t.true(close(x.linear, (x.step * o.lr * o.lr * x.traceHSigma) / 2, 1e-12), `${name} linear`);
      }
      t.is(kind(name).runs, name === 'gd' ? 1 : o.runs);
    }
    // gd: deterministic, its own drift, nothing predicted.
    for (const x of by('gd')) {
      t.is(x.noiseInduced, 0);
      t.is(x.measuredStderr, 0);
      t.true(x.linear === 0 && x.quadratic === 0 && x.quadraticDiscrete === 0);
    }
    t.is(kind('gd').topKCapture, null);
    t.true(
      by('gd').some((x) => x.gdDrift !== 0),
      'GD moves: the start is not a minimum of the tiny problem',
    );
    // Every kind shares the same drift; the noisy kinds differ from it.
    for (const name of ALL)
      t.deepEqual(
        by(name).map((x) => x.gdDrift),
        by('gd').map((x) => x.gdDrift),
      );
    for (const name of ['sgd', 'gld_diag', 'gld_hessian', 'msgd_gaussian', 'msgd_bernoulli'])
      t.true(by(name)[2]!.noiseInduced !== 0 && by(name)[2]!.measuredStderr > 0, name);
    // gld_const: Σ = σ²I, so s_ii = σ², Tr(HΣ) = σ²·TrH and the quadratic models have closed forms in λ_i.
    t.true(r.basis.sii.gld_const!.every((s) => close(s, SIGMA ** 2, 1e-12)));
    const lambdas = r.basis.eigenvalues;
    t.is(lambdas.length, o.model.size);
    t.true(close(kind('gld_const').traceHSigma, SIGMA ** 2 * r.traceH!, 1e-12));
    t.is(kind('gld_const').traceHSigmaMethod, 'hutchinson');
    t.true(close(kind('gld_const').topKCapture!, lambdas.reduce((a, b) => a + b, 0) / r.traceH!, 1e-9));
    for (const x of by('gld_const')) {
      const q = lambdas.reduce((a, l) => a + 0.25 * -Math.expm1(-2 * l * x.t) * o.lr * SIGMA ** 2, 0);
      const qd = lambdas.reduce((a, l) => {
        let g = 0;
        for (let j = 0; j < x.step; j++) g += (1 - o.lr * l) ** (2 * j);
        return a + 0.5 * l * o.lr ** 2 * SIGMA ** 2 * g;
      }, 0);
      t.true(
        close(x.quadratic, q, 1e-9) && close(x.quadraticDiscrete, qd, 1e-9),
        `gld_const step ${x.step}: ${x.quadratic} vs ${q}, ${x.quadraticDiscrete} vs ${qd}`,
      );
    }
    // With all D eigenpairs, Σλ_i s_ii is Tr(HΣ) for the kinds whose trace is exact (sgd over Σ's factor rows).
    for (const name of ['sgd', 'gld_leading', 'gld_hessian', 'gld_hessian_top1', 'gld_full', 'msgd_gaussian', 'msgd_bernoulli']) {
      const k = kind(name) as TheoryKind;
      t.is(k.traceHSigmaMethod, 'exact', name);
      t.true(Math.abs(k.topKCapture! - 1) < 1e-4, `${name}: capture ${k.topKCapture}`);
    }
    t.is(kind('sgd').traceSigma, kind('gld_dynamic').traceSigma);
    // gld_full is Gaussian with SGD's Σ: the same TrΣ and the same exact Tr(HΣ) over the same factor rows.
    t.true(close(kind('gld_full').traceSigma, kind('sgd').traceSigma, 1e-12));
    t.true(close(kind('gld_full').traceHSigma, kind('sgd').traceHSigma, 1e-12), `gld_full ${kind('gld_full').traceHSigma} vs sgd ${kind('sgd').traceHSigma}`);
    // M-SGD Gaussian has SGD's Σ exactly; Bernoulli's is ((N − 1)/N)·Σ + ((N − m)/(mN))·ḡḡᵀ, ḡ the full gradient at θ0.
    t.true(close(kind('msgd_gaussian').traceHSigma, kind('sgd').traceHSigma, 1e-12));
    t.true(close(kind('msgd_gaussian').traceSigma, kind('sgd').traceSigma, 1e-12));
    const N = o.train.x.shape[0]!;
    const m = o.batchSize;
    const g = (await valueAndGradRead(o.model, o.w0, o.train)).grad;
    const gg = g.reduce((a, x) => a + x * x, 0);
    const bernoulli = ((N - 1) / N) * kind('sgd').traceSigma + ((N - m) / (m * N)) * gg;
    t.true(close(kind('msgd_bernoulli').traceSigma, bernoulli, 1e-6), `${kind('msgd_bernoulli').traceSigma} vs ${bernoulli}`);
    t.true(kind('msgd_bernoulli').traceHSigma !== kind('sgd').traceHSigma);
  } finally {
    dispose();
  }
});

test.serial('tiny net: same seed ⇒ identical tables, another seed ⇒ other noise; a diverging run names the iteration', async (t) => {
  const kinds = (['gd', 'sgd', 'gld_diag'] as NoiseKindName[]).map((kind) => ({ kind, config: {} }));
  const { o, dispose } = await tiny({ kinds, k: 4, lanczos: { tol: 1e-3, tolPairs: 2, maxIter: 30 }, runs: 2, steps: 3, every: 1 });
  try {
    const a = await escapeTheory(o);
    const b = await escapeTheory(o);
    t.deepEqual(a.rows, b.rows);
    const c = await escapeTheory({ ...o, seed: 10 });
    const last = (rows: TheoryRow[], kind: string) => rows.filter((x) => x.kind === kind).at(-1)!.measuredMean;
    t.not(last(c.rows, 'sgd'), last(a.rows, 'sgd'));
    t.is(last(c.rows, 'gd'), last(a.rows, 'gd'));
    await t.throwsAsync(escapeTheory({ ...o, lr: 1e30 }), { message: /gd diverged at iteration \d/ });
  } finally {
    dispose();
  }
});

test.serial('the stage runs through the engine on a tiny Fashion-MNIST and writes the table, the kinds and the settings', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sgdn-theory-'));
  const rng = new Rng(3);
  const bytes = (k: number) => Uint8Array.from({ length: k }, () => rng.int(256));
  const labels = (k: number) => Uint8Array.from({ length: k }, () => rng.int(10));
  const files = {
    trainImages: encodeIdx(IDX_IMAGES_MAGIC, [40, 28, 28], bytes(40 * 784)),
    trainLabels: encodeIdx(IDX_LABELS_MAGIC, [40], labels(40)),
    testImages: encodeIdx(IDX_IMAGES_MAGIC, [5, 28, 28], bytes(5 * 784)),
    testLabels: encodeIdx(IDX_LABELS_MAGIC, [5], labels(5)),
  };
  for (const [k, v] of Object.entries(files)) writeFileSync(path.join(root, FASHION_FILES[k as keyof typeof FASHION_FILES]), gzipSync(v));
  const { config } = resolveConfig(project, 'quick', [
    `fashion.data.path=${root}`,
    'fashion.data.train=40',
    'fashion.data.randomLabels=5',
    'fashion.data.test=5',
    'fashion.pretrain.maxIterations=2',
    'fashion.dynamics.batchSize=10',
    'fashion.dynamics.gld_leading.k=2',
    'fashion.dynamics.gld_hessian.k=2',
    'fashion.probe.lanczos.maxIter=6',
    'fashion.probe.hutchinsonSamples=2',
    'fashion.theory={"runs":2,"steps":2,"every":1,"k":2}',
    'fashion.batchSizes.sizes=[5,20]',
  ]);
  const plan = buildPlan(project.stages, config);
  const cache = CacheStore.open(path.join(root, 'cache'));
  const summary = await runToCompletion({ plan, cache, scope: 't', config, jobs: 1, selected: selectInstances(plan, ['fashion.theory[seed=0]']) });
  t.deepEqual(summary.failed, []);
  const out = cache.readOutputs(cache.getManifest(plan.nodes.get('fashion.theory[seed=0]')!.key)!);
  const rows = out.rows as unknown as TheoryRow[];
  const kinds = out.kinds as unknown as TheoryKind[];
  const settings = out.settings as Record<string, unknown>;
  // The quick profile's kinds (every registered kind may not be in it: gld_full is in no profile yet).
  const profileKinds = (config as unknown as { fashion: { dynamics: { kinds: NoiseKindName[] } } }).fashion.dynamics.kinds;
  t.true(profileKinds.every((k) => ALL.includes(k)));
  t.deepEqual(
    kinds.map((k) => k.kind),
    profileKinds,
  );
  t.is(rows.length, profileKinds.length * 3);
  t.like(settings, { runs: 2, steps: 2, every: 1, k: 2, lr: 0.07, noiseFixedAtStart: true });
  for (const x of rows)
    t.true([x.measuredMean, x.gdDrift, x.linear, x.quadratic, x.quadraticDiscrete, x.traceHSigma].every(Number.isFinite), `${x.kind} step ${x.step}`);
  t.true(rows.filter((x) => x.kind === 'gd').every((x) => x.noiseInduced === 0));
});
