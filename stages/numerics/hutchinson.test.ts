import test from 'ava';
import { denseTrace, randomSymmetric } from './testing.ts';
import { hutchinson } from './hutchinson.ts';
import { denseOperator } from './operator.ts';
import { Rng } from './random.ts';

/**
 * For Rademacher probes Var(zᵀAz) = 2 Σ_{i≠j} A_ij² (the diagonal contributes no variance), so the exact standard
 * error is √(2 Σ_{i≠j} A_ij² / n); we compare the reported stderr with it and the error with a few stderrs.
 */
function exactStderr(a: Float64Array, n: number, samples: number): number {
  let off = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += a[i * n + j]! ** 2;
  return Math.sqrt((2 * off) / samples);
}

test('estimate lies within a few stderr of the exact trace; stderr matches theory', async (t) => {
  for (const [seed, n] of [
    [1, 30],
    [2, 60],
    [3, 100],
  ] as const) {
    const rng = new Rng(seed);
    const { matrix } = randomSymmetric(
      Array.from({ length: n }, (_, i) => Math.exp(-i / 10) + (i % 3 === 0 ? -0.2 : 0)),
      rng,
    );
    const exact = denseTrace(matrix, n);
    const res = await hutchinson(denseOperator(matrix, n), { samples: 400, rng });
    const theory = exactStderr(matrix, n, 400);
    t.is(res.samples, 400);
    t.true(Math.abs(res.estimate - exact) < 4 * theory, `D=${n}: |${res.estimate} − ${exact}| vs stderr ${theory}`);
    t.true(Math.abs(res.stderr / theory - 1) < 0.25, `D=${n}: stderr ${res.stderr} vs theory ${theory}`);
  }
});

test('stderr shrinks like 1/√n and the error over many repetitions has the claimed spread', async (t) => {
  const n = 40;
  const rng = new Rng(7);
  const { matrix } = randomSymmetric(
    Array.from({ length: n }, (_, i) => 1 / (1 + i)),
    rng,
  );
  const op = denseOperator(matrix, n);
  const small = await hutchinson(op, { samples: 100, seed: 1 });
  const large = await hutchinson(op, { samples: 1600, seed: 2 });
  const ratio = small.stderr / large.stderr;
  t.true(ratio > 4 * 0.8 && ratio < 4 * 1.25, `stderr ratio ${ratio}, expected ≈ 4 = √(1600/100)`);
  // 200 independent 50-probe estimates: their spread matches the theoretical stderr (χ² bounds, loose).
  const exact = denseTrace(matrix, n);
  const theory = exactStderr(matrix, n, 50);
  let sq = 0;
  for (let r = 0; r < 200; r++) sq += ((await hutchinson(op, { samples: 50, rng })).estimate - exact) ** 2;
  const rms = Math.sqrt(sq / 200);
  t.true(rms / theory > 0.8 && rms / theory < 1.2, `rms error ${rms} vs stderr ${theory}`);
});

test('diagonal matrices are estimated exactly; bad options are named', async (t) => {
  const d = Float64Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3);
  const res = await hutchinson(denseOperator(d, 3), { samples: 5, seed: 1 });
  t.is(res.estimate, 6);
  t.is(res.stderr, 0);
  await t.throwsAsync(hutchinson(denseOperator(d, 3), { samples: 1, seed: 1 }), { message: /samples must be an integer ≥ 2, got 1/ });
  await t.throwsAsync(hutchinson(denseOperator(d, 3), { samples: 4 }), { message: /pass `rng` or `seed`/ });
});
