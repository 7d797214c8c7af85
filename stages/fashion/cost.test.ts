/**
 * The Fashion cost model against the loops it models: tiny real runs of pre-training, dynamics, a probe and the
 * theory stage's runs through a model that counts its calls (by batch size), and the HVP counts the loops report,
 * compared with the formulas' counts read from the same config. Lanczos's own HVPs are a fitted model and are not
 * compared; everything else is exact.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { configReader } from '../../pipeline/estimate.ts';
import { evaluateClassifier } from '../models/evaluate.ts';
import { pretrainGd } from '../dynamics/pretrain.ts';
import { probeCurvature } from '../dynamics/probe.ts';
import { runDynamics } from '../dynamics/run.ts';
import type { Batch, FlatModel } from '../models/model.ts';
import { createTinyConvNet } from '../models/tiny.ts';
import type { NoiseConfig, NoiseKindName } from '../noise/kind.ts';
import { kindDefaults } from '../noise/settings.ts';
import { NOISE_KINDS } from '../noise/registry.ts';
import { PAPER_KINDS } from '../noise/testing.ts';
import { logCount } from '../numerics/log-count.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { sgdShortRuns } from './batch-size.ts';
import { readKindSettings } from './kind-settings.ts';
import {
  FASHION_OPS as OPS,
  batchDynamicsCost,
  batchTheoryCost,
  dynamicsCost,
  lanczosHvps,
  lowRankRows,
  minibatchGradOp,
  minibatchOpSize,
  pretrainCost,
  sharpnessTrackCost,
  probePointCost,
  theoryCost,
} from './cost.ts';
import { escapeTheory } from './theory.ts';

const N = 40;
const T = 24;
const m = 10;
const KINDS = Object.keys(NOISE_KINDS) as NoiseKindName[];

/** The parts of the Fashion config the formulas read, at tiny sizes. */
const config = {
  fashion: {
    data: { train: N, test: T },
    pretrain: { lr: 0.01, maxIterations: 7, targetAccuracy: 1, checkEvery: 3 },
    dynamics: {
      kinds: KINDS,
      iterations: 5,
      lr: 0.05,
      batchSize: m,
      logEvery: 2,
      checkpoints: [0, 5, 5],
      hessian: { tol: 1e-3, tolPairs: 2, tolRest: 1e-2, maxIter: 12, start: 'cold' },
      // every kind's block (a kind added to the registry brings its own), then small settings for the paper's kinds
      ...kindDefaults(NOISE_KINDS),
      gd: {},
      sgd: {},
      gld_const: { sigma: 1e-2 },
      gld_dynamic: { refresh: 2 },
      gld_diag: { refresh: 2 },
      gld_leading: { refresh: 2, k: 2, rescaleToTrace: false },
      gld_hessian: { refresh: 3, k: 2 },
      gld_hessian_top1: { refresh: 2 },
      gld_full: { refresh: 2 },
    },
    probe: {
      topK: 3,
      lanczos: { tol: 1e-3, tolPairs: 2, tolRest: 1e-2, maxIter: 12 },
      hutchinsonSamples: 3,
      exactTraceHSigma: true,
      sharpness: { delta: 0.01, samples: 2 },
    },
    theory: { runs: 2, steps: 3, every: 2 },
    batchSizes: { enabled: true, sizes: [5, 10, 20] },
  },
};
const cfg = configReader(config);
/** A kind's noise config and refresh interval, read from its whole block as the fashion stages read it. */
const noiseOf = (kind: NoiseKindName): NoiseConfig => readKindSettings(cfg, kind).noise;
const refreshOf = (kind: NoiseKindName) => readKindSettings(cfg, kind).refresh;

/** A model that counts its calls per method and batch size. */
function counting(model: FlatModel) {
  const calls = new Map<string, number>();
  const bump = (what: string, n: number) => calls.set(`${what}:${n}`, (calls.get(`${what}:${n}`) ?? 0) + 1);
  const wrapped: FlatModel = {
    name: model.name,
    size: model.size,
    params: model.params,
    inputShape: model.inputShape,
    init: (rng) => model.init(rng),
    perExampleLoss: (w, b) => (bump('perExampleLoss', b.x.shape[0]!), model.perExampleLoss(w, b)),
    loss: (w, b) => (bump('loss', b.x.shape[0]!), model.loss(w, b)),
    predict: (w, x) => (bump('predict', x.shape[0]!), model.predict(w, x)),
    perExampleGradients: (w, b) => (bump('perExampleGradients', b.x.shape[0]!), model.perExampleGradients(w, b)),
  };
  const get = (what: string, n: number) => calls.get(`${what}:${n}`) ?? 0;
  /** Gradients on a strict subset of the N examples, of any size (M-SGD Bernoulli keeps a random number of them). */
  const subsets = () => [...calls].filter(([key]) => key.startsWith('loss:') && Number(key.slice(5)) < N).reduce((a, [, c]) => a + c, 0);
  /** Weighted full-batch losses (M-SGD Gaussian): perExampleLoss calls on N beyond the evaluations' own. */
  const weighted = () => get('perExampleLoss', N) - get('predict', N);
  /** Images evaluated by evaluateClassifier (it predicts; meanLoss does not). */
  const evalImages = () => get('predict', N) * N + get('predict', T) * T;
  const reset = () => calls.clear();
  return { model: wrapped, get, subsets, weighted, evalImages, reset };
}

async function setup() {
  await initBackend('wasm');
  const rng = new Rng(8);
  const data = (n: number): Batch => ({
    x: tf.tensor4d(rng.fillNormal(new Float32Array(n * 36)), [n, 6, 6, 1]),
    y: tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(3)),
      'int32',
    ),
  });
  const c = counting(createTinyConvNet());
  return { ...c, train: data(N), test: data(T), randomized: new Uint8Array(N), w0: c.model.init(rng) };
}

test('the formulas count what the loops do by hand', (t) => {
  t.is(logCount(5, 2), 4); // 0, 2, 4, 5
  t.is(logCount(6, 2), 4); // 0, 2, 4, 6
  t.is(logCount(0, 2), 1);
  t.is(lanczosHvps(10, 60), 7.27 + 20.33);
  t.is(lanczosHvps(20, 30), 30);
  const sgd = dynamicsCost('sgd', cfg);
  t.deepEqual(sgd, { [minibatchGradOp(m)]: 5, [OPS.evalImage]: 4 * (N + T) });
  // gld_hessian: refreshes at t = 1 and 4 (every 3 of 5); Σ for TrΣ and a Lanczos top-2 each.
  t.like(dynamicsCost('gld_hessian', cfg), { [OPS.gradFull]: 5, [OPS.sigma]: 2, [OPS.hvpOpen]: 2, [OPS.hvp]: 2 * lanczosHvps(2, 12) });
  t.false(OPS.sigma in dynamicsCost('gd', cfg));
});

test('released-code options: u₁ by a fixed number of power steps, and the absolute flatness protocol', (t) => {
  const power = configReader({
    ...config,
    fashion: { ...config.fashion, dynamics: { ...config.fashion.dynamics, gld_hessian_top1: { refresh: 1, eigvec: { method: 'power', iterations: 30 } } } },
  });
  // A refresh at every one of the 5 iterations, 30 HVPs each (no Lanczos model).
  t.like(dynamicsCost('gld_hessian_top1', power), { [OPS.gradFull]: 5, [OPS.hvpOpen]: 5, [OPS.hvp]: 5 * 30 });
  const signed = probePointCost(['gd'], cfg);
  const samples = (config.fashion.probe.sharpness as { samples: number }).samples;
  const absolute = probePointCost(
    ['gd'],
    configReader({
      ...config,
      fashion: { ...config.fashion, probe: { ...config.fashion.probe, sharpness: { ...config.fashion.probe.sharpness, mode: 'absolute' } } },
    }),
  );
  t.is(signed[OPS.lossImage], (2 * samples + 1) * N);
  t.is(absolute[OPS.lossImage], (samples + 1) * N);
  t.is(absolute[OPS.evalImage], (samples + 1) * T);
  t.false(OPS.evalImage in signed);
});

test('each kind’s noise shape and low-rank rows are what cost.ts assumes', (t) => {
  const D = 6;
  const e = (i: number) => Float64Array.from({ length: D }, (_, j) => (i === j ? 1 : 0));
  const pairs = { eigenvalues: Float64Array.from([3, 2, 1]), eigenvectors: [e(0), e(1), e(2)] };
  const factor = [e(0), e(1), e(2), e(3)];
  const stats = {
    size: D,
    covarianceTrace: 2,
    covarianceDiagonal: new Float64Array(D).fill(1 / 3),
    covarianceTopK: pairs,
    covarianceFactor: factor,
    hessianTopK: pairs,
  };
  for (const kind of KINDS) {
    const shape = NOISE_KINDS[kind].build(stats, noiseOf(kind)).shape;
    t.is(shape.type, NOISE_KINDS[kind].shape, kind);
    t.is(shape.type === 'lowRank' ? shape.rows.length : 0, lowRankRows(kind, noiseOf(kind), factor.length), kind);
  }
});

test.serial('pre-training: full-batch gradients and evaluated images as counted', (t) => {
  return setup().then(async ({ model, get, evalImages, train, test: testSet, reset }) => {
    reset();
    const r = await pretrainGd(model, new Float32Array(model.size).fill(0.01), train, { lr: 0.01, maxIterations: 7, targetAccuracy: 1, checkEvery: 3 });
    t.is(r.iterations, 7, 'runs to the cap (the upper bound the formula counts)');
    // The stage then evaluates the training and test sets once each.
    await evaluateClassifier(model, r.w, train);
    await evaluateClassifier(model, r.w, testSet);
    const f = pretrainCost(cfg);
    t.is(get('loss', N), f[OPS.gradFull]!);
    t.is(evalImages(), f[OPS.evalImage]!);
  });
});

test.serial('pre-training of a fixed length with the λ_max track: gradients, evaluations and Hessian operators as counted', async (t) => {
  const { model, get, evalImages, train, test: testSet, reset } = await setup();
  const track = { enabled: true, pretrainEvery: 3, dynamicsEvery: 2, tol: 1e-3, maxIter: 12 };
  const fixedCfg = configReader({ fashion: { ...config.fashion, pretrain: { ...config.fashion.pretrain, iterations: 7 }, sharpnessTrack: track } });
  reset();
  // a target of 0.01 is met at the first check: the first fit's test evaluation and λ_max happen at iteration 0
  const r = await pretrainGd(model, new Float32Array(model.size).fill(0.01), train, {
    lr: 0.01,
    maxIterations: 7,
    iterations: 7,
    targetAccuracy: 0.01,
    checkEvery: 3,
    test: testSet,
    track: { every: 3, tol: 1e-3, maxIter: 12, seed: 1 },
  });
  t.is(r.iterations, 7, 'no early stop');
  t.is(r.firstFit?.iteration, 0);
  await evaluateClassifier(model, r.w, train);
  await evaluateClassifier(model, r.w, testSet);
  const f = pretrainCost(fixedCfg);
  const opens = r.sharpness.length;
  t.deepEqual(
    r.sharpness.map((p) => p.iteration),
    [0, 3, 6, 7],
  );
  // the first fit fell on iteration 0, a measurement already due: one fewer than the bound
  t.is(f[OPS.hvpOpen], opens + 1);
  t.is(get('loss', N), f[OPS.gradFull]! + opens, 'full-batch gradients (+ one recorded pass per Hessian operator)');
  t.is(evalImages(), f[OPS.evalImage]!);
  t.true(r.sharpness.every((p) => p.hvps <= track.maxIter));
  t.deepEqual(sharpnessTrackCost(fixedCfg, 10, 'dynamicsEvery'), { [OPS.hvpOpen]: 6, [OPS.hvp]: 6 * 12 });
  t.deepEqual(sharpnessTrackCost(cfg, 10, 'dynamicsEvery'), {}, 'none without the block');
});

test.serial('dynamics of every kind: gradients, evaluations, Σ and Hessian refreshes as counted', async (t) => {
  const { model, get, subsets, weighted, evalImages, train, test: testSet, randomized, w0, reset } = await setup();
  for (const kind of KINDS) {
    reset();
    const d = config.fashion.dynamics;
    const r = await runDynamics({
      model,
      w0,
      train,
      randomized,
      test: testSet,
      kind,
      noise: noiseOf(kind),
      refresh: refreshOf(kind),
      lr: d.lr,
      batchSize: m,
      iterations: d.iterations,
      logEvery: d.logEvery,
      checkpoints: d.checkpoints,
      hessian: { ...d.hessian, start: 'cold' },
      rng: new Rng(3),
    });
    const f = dynamicsCost(kind, cfg);
    const opens = f[OPS.hvpOpen] ?? 0;
    t.is(r.hessianRefreshes.length, opens, `${kind}: Hessian refreshes`);
    t.is(get('loss', N), (f[OPS.gradFull] ?? 0) + opens, `${kind}: full-batch gradients (+ one recorded pass per Hessian operator)`);
    t.is(NOISE_KINDS[kind].exampleWeights?.subset ? subsets() : get('loss', m), f[minibatchGradOp(m)] ?? 0, `${kind}: minibatch gradients`);
    t.is(weighted(), f[OPS.gradWeighted] ?? 0, `${kind}: weighted full-batch gradients`);
    t.is(get('perExampleGradients', N), f[OPS.sigma] ?? 0, `${kind}: Σ`);
    t.is(evalImages(), f[OPS.evalImage]!, `${kind}: evaluated images`);
    if (opens > 0) t.true(r.hessianHvps <= opens * Math.max(d.hessian.maxIter, noiseOf(kind).k ?? 1) + opens, `${kind}: HVPs within the cap`);
  }
});

test.serial('a probe point: every HVP besides Lanczos, Σ and the sharpness evaluations as counted', async (t) => {
  const { model, get, train, w0, reset } = await setup();
  for (const kinds of [['gd'], ['gld_leading'], ['gld_hessian_top1'], KINDS] as NoiseKindName[][]) {
    reset();
    const p = config.fashion.probe;
    const r = await probeCurvature(
      model,
      w0,
      train,
      kinds.map((kind) => ({ kind, config: noiseOf(kind) })),
      { ...p, batchSize: m, rng: new Rng(2) },
    );
    const f = probePointCost(kinds, cfg);
    t.is(r.hvps - r.lanczosHvps, f[OPS.hvp]! - lanczosHvps(p.topK, p.lanczos.maxIter), kinds.join(','));
    t.is(get('perExampleGradients', N), f[OPS.sigma]!);
    t.is(get('loss', N), f[OPS.hvpOpen]! + (f[OPS.gradFull] ?? 0), 'one recorded pass (and ḡ for M-SGD Bernoulli)');
    t.is(get('perExampleLoss', N), f[OPS.lossImage]! / N, 'sharpness: base + 2 per sample');
  }
});

test.serial('the theory stage: HVPs besides Lanczos, Σ and the short runs as counted', async (t) => {
  const { model, get, subsets, weighted, evalImages, train, w0, reset } = await setup();
  reset();
  const r = await escapeTheory({
    model,
    w0,
    train,
    kinds: KINDS.map((kind) => ({ kind, config: noiseOf(kind) })),
    lr: 0.05,
    batchSize: m,
    ...config.fashion.theory,
    k: config.fashion.probe.topK,
    lanczos: config.fashion.probe.lanczos,
    hutchinsonSamples: config.fashion.probe.hutchinsonSamples,
    exactTraceHSigma: true,
    seed: 4,
  });
  const f = theoryCost(cfg);
  const K = Math.max(config.fashion.probe.topK, 2);
  t.true(r.hvps > 0);
  t.is(get('perExampleGradients', N), f[OPS.sigma]!);
  t.is(get('loss', N), f[OPS.gradFull]! + f[OPS.hvpOpen]!);
  t.is(subsets(), f[minibatchGradOp(m)]!, 'sgd and M-SGD Bernoulli');
  t.is(weighted(), f[OPS.gradWeighted] ?? 0, 'M-SGD Gaussian');
  t.is(evalImages(), f[OPS.evalImage]!);
  // Lanczos's HVPs are reported with the rest: compare what is not Lanczos through the formula's own split.
  const lanczosModel = lanczosHvps(K, Math.max(config.fashion.probe.lanczos.maxIter, K + 1));
  const rest = f[OPS.hvp]! - lanczosModel;
  const added = KINDS.filter((kind) => !(PAPER_KINDS as readonly string[]).includes(kind));
  t.is(
    rest,
    3 + Math.floor(N / m) + 2 + 2 + 1 + Math.floor(N / m) + 1 + added.reduce((a, kind) => a + lowRankRows(kind, noiseOf(kind), Math.floor(N / m)), 0),
    'Hutchinson + B + the low-rank rows of gld_leading, gld_hessian, gld_hessian_top1, gld_full (B), ḡᵀHḡ for M-SGD Bernoulli, and the low-rank rows of any kind added to the registry',
  );
  t.true(r.hvps >= rest + K, 'at least K Lanczos HVPs besides');
});

test('the batch-size study: SGD at each other m, and its short runs, by hand', (t) => {
  t.is(minibatchGradOp(5), 'fashion.grad.minibatch[m=5]', 'the op names the batch size it is timed at');
  t.is(minibatchOpSize('fashion.grad.minibatch[m=5]'), 5);
  t.is(minibatchOpSize(OPS.gradMinibatch), undefined);
  t.deepEqual(batchDynamicsCost(5, cfg), { 'fashion.grad.minibatch[m=5]': 5, [OPS.evalImage]: 4 * (N + T) });
  // m = 10 comes from fashion.theory's sgd runs; 5 and 20 run 2 runs of 3 steps, logging at 0, 2, 3.
  t.deepEqual(batchTheoryCost(cfg), { 'fashion.grad.minibatch[m=5]': 6, 'fashion.grad.minibatch[m=20]': 6, [OPS.evalImage]: 2 * 2 * 3 * N });
  const noSgd = configReader({ ...config, fashion: { ...config.fashion, dynamics: { ...config.fashion.dynamics, kinds: ['gd'] } } });
  t.is(batchTheoryCost(noSgd)[minibatchGradOp(m)], 6, 'without sgd in the theory stage, m = 10 runs here too');
  const off = configReader({ ...config, fashion: { ...config.fashion, batchSizes: { enabled: false, sizes: [5] } } });
  t.deepEqual(batchTheoryCost(off), {});
});

test.serial('the batch-size study’s loops: SGD at another m and the short runs, as counted', async (t) => {
  const { model, get, evalImages, train, test: testSet, randomized, w0, reset } = await setup();
  const d = config.fashion.dynamics;
  reset();
  await runDynamics({
    model,
    w0,
    train,
    randomized,
    test: testSet,
    kind: 'sgd',
    noise: {},
    refresh: 1,
    lr: d.lr,
    batchSize: 5,
    iterations: d.iterations,
    logEvery: d.logEvery,
    checkpoints: [],
    hessian: { ...d.hessian, start: 'cold' },
    rng: new Rng(3),
  });
  const f = batchDynamicsCost(5, cfg);
  t.is(get('loss', 5), f['fashion.grad.minibatch[m=5]']!);
  t.is(evalImages(), f[OPS.evalImage]!);
  reset();
  const th = config.fashion.theory;
  for (const size of [5, 20]) await sgdShortRuns({ model, w0, train, lr: d.lr, batchSize: size, runs: th.runs, steps: th.steps, every: th.every, seed: 1 });
  const g = batchTheoryCost(cfg);
  t.is(get('loss', 5), g['fashion.grad.minibatch[m=5]']!);
  t.is(get('loss', 20), g['fashion.grad.minibatch[m=20]']!);
  t.is(evalImages(), g[OPS.evalImage]!);
});
