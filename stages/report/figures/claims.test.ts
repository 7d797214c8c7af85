import test from 'ava';
import { ESCAPE_FIT_DROP, hasEscaped, hasStayed, judgeClaims, type ClaimInputs } from './claims.ts';
import type { FashionOutcome } from './fashion.ts';

const outcome = (kind: string, traceHSigmaAtStart: number, lossRise: number, randomFit: number, test: number): FashionOutcome => ({
  kind,
  traceHSigmaAtStart,
  lossRise,
  finalTrainLoss: 0.01 * lossRise,
  randomFit,
  // A run that went no further than where it ended; tests set an excursion beyond the end where they need one.
  peakLossRise: lossRise,
  lowestRandomFit: randomFit,
  testAccuracy: { mean: test, min: test, max: test, sd: 0, n: 1 },
  sharpness: 0.01,
});

/** Numbers shaped like the paper's results. */
function paperLike(): ClaimInputs {
  const toy = (kind: string, escapes: number, trace: number | null) => ({
    kind,
    repeats: 100,
    escapes: [escapes],
    escapesMean: escapes,
    escapesMin: escapes,
    escapesMax: escapes,
    traceHSigma: trace,
    traceHSigmaClosedForm: trace,
  });
  return {
    toy2d: [
      toy('gd', 0, null),
      toy('gld_const', 1, 1.1),
      toy('gld_diag', 2, 1.1),
      toy('gld_leading', 40, 1.83),
      toy('gld_hessian', 28, 1.84),
      toy('gld_hessian_top1', 48, 2),
    ],
    oneHiddenRatios: [100, 130, 140],
    fashion: {
      starts: [
        { seed: 0, iterations: 3000, reached: true, trainLoss: 0.01, trainAccuracy: 1, cleanAccuracy: 1, randomAccuracy: 1, testLoss: 1.5, testAccuracy: 0.67 },
      ],
      outcomes: [
        outcome('gd', 0, 0.5, 1, 0.66),
        outcome('gld_const', 0.001, 0.5, 1, 0.66),
        outcome('gld_diag', 0.2, 0.6, 1, 0.66),
        outcome('sgd', 8, 30, 0.5, 0.69),
        outcome('gld_leading', 9, 40, 0.4, 0.69),
        outcome('gld_hessian', 10, 50, 0.3, 0.7),
        outcome('gld_hessian_top1', 12, 60, 0.3, 0.7),
      ],
      trainImages: 1200,
    },
    theory: [
      { kind: 'sgd', traceHSigma: 8, noiseInduced: 0.08 },
      { kind: 'gld_const', traceHSigma: 0.001, noiseInduced: 0.00001 },
      { kind: 'gld_hessian_top1', traceHSigma: 12, noiseInduced: 0.1 },
    ],
  };
}

const verdicts = (x: ClaimInputs) => Object.fromEntries(judgeClaims(x).map((c) => [c.id, c.verdict]));

test('paper-like numbers: every claim holds; image experiments are not run', (t) => {
  t.deepEqual(verdicts(paperLike()), {
    'fashion-sharp-minimum': 'holds',
    'toy2d-escapes': 'holds',
    'toy2d-indicator': 'holds',
    'onehidden-ratio': 'holds',
    'fashion-escape': 'holds',
    'fashion-indicator-order': 'holds',
    'fashion-generalisation': 'holds',
    'theory-indicator': 'holds',
    'svhn-sgd-vs-gd': 'not run',
    'cifar10-sgd-vs-gd': 'not run',
  });
});

test('each claim fails when its criterion is violated', (t) => {
  const x = paperLike();
  x.fashion!.starts[0]!.testAccuracy = 0.6; // more than 3 points from 66.22%
  x.toy2d![1]!.escapesMean = 9; // GLD const escapes 9% > 5%
  x.oneHiddenRatios = [100, 9.9];
  const sgd = x.fashion!.outcomes.find((o) => o.kind === 'sgd')!;
  sgd.lossRise = 5;
  sgd.peakLossRise = 5; // no longer an order of magnitude, at any point of the run
  sgd.testAccuracy = { mean: 0.65, min: 0.65, max: 0.65, sd: 0, n: 1 }; // below GD
  x.theory![0]!.noiseInduced = 0; // breaks the ranking
  x.theory![2]!.noiseInduced = 0.000001;
  x.images = [
    {
      ds: 'svhn',
      rows: [
        { kind: 'gd', testAccuracy: 0.9 },
        { kind: 'sgd', testAccuracy: 0.85 },
      ],
    },
  ];
  const v = verdicts(x);
  for (const id of [
    'fashion-sharp-minimum',
    'toy2d-escapes',
    'onehidden-ratio',
    'fashion-escape',
    'fashion-generalisation',
    'theory-indicator',
    'svhn-sgd-vs-gd',
  ])
    t.is(v[id], 'does not hold', id);
  t.is(v['toy2d-indicator'], 'holds');
});

test('the indicator-order claim needs the escaping kinds’ Tr(HΣ) above the others', (t) => {
  const x = paperLike();
  x.fashion!.outcomes.find((o) => o.kind === 'gld_diag')!.traceHSigmaAtStart = 9.5; // above SGD's 8, but no escape
  const c = judgeClaims(x).find((c) => c.id === 'fashion-indicator-order')!;
  t.is(c.verdict, 'does not hold');
  t.regex(c.thisRun, /ρ = /);
});

test('missing experiments are "not run", never "holds"', (t) => {
  const v = verdicts({});
  t.true(Object.values(v).every((x) => x === 'not run'));
});

test('escape is judged by the excursion: a run that escapes and returns has escaped; a run that never leaves stays', (t) => {
  // SGD at paper length: leaves (loss ×40, random-label fit 20%) and ends re-fitting every label at a loss below its start.
  const returned = { ...outcome('sgd', 8, 0.8, 1, 0.69), peakLossRise: 40, lowestRandomFit: 0.2 };
  t.true(hasEscaped(returned, 1));
  t.false(hasStayed(returned, 1));
  const never = outcome('gd', 0, 0.9, 1, 0.66);
  t.true(hasStayed(never, 1));
  t.false(hasEscaped(never, 1));
  // A loss spike alone, with the random labels still fit, is neither an escape nor a stay.
  const spike = { ...outcome('gld_diag', 0.2, 1, 1, 0.66), peakLossRise: 12, lowestRandomFit: 1 - ESCAPE_FIT_DROP / 2 };
  t.false(hasEscaped(spike, 1));
  t.false(hasStayed(spike, 1));

  const x = paperLike();
  const sgd = x.fashion!.outcomes.find((o) => o.kind === 'sgd')!;
  Object.assign(sgd, { lossRise: 0.8, randomFit: 1, peakLossRise: 40, lowestRandomFit: 0.2 });
  const claim = judgeClaims(x).find((c) => c.id === 'fashion-escape')!;
  t.is(claim.verdict, 'holds');
  t.regex(claim.thisRun, /SGD peak loss ×40\.0, lowest random fit 20\.0% \(final ×0\.800, 100\.0%\)/);
  // The same run judged by its end alone would have stayed; an escaping kind that never left fails the claim.
  Object.assign(sgd, { peakLossRise: 0.8, lowestRandomFit: 1 });
  t.is(judgeClaims(x).find((c) => c.id === 'fashion-escape')!.verdict, 'does not hold');
});
