import test from 'ava';
import { Rng } from '../numerics/random.ts';
import { gldFull } from './gld-full.ts';
import { NO_NEEDS } from './kind.ts';
import { computeNoiseStats } from './stats.ts';
import { assertShapeEquals, D, noiseFixture, trace } from './testing.ts';

test("gld_full needs only Σ's factor and is Σ itself, with trace TrΣ", async (t) => {
  const f = await noiseFixture(6);
  const needs = gldFull.needs({});
  t.deepEqual({ ...needs }, { ...NO_NEEDS, covarianceFactor: true });
  // Σ as the dynamics loop gets it: one covariance source, the kind's needs, nothing else computed.
  const stats = await computeNoiseStats(needs, { size: D, covariance: () => f.cov });
  t.is(stats.covarianceFactor, f.cov.factor);
  t.is(stats.covarianceTopK, undefined);
  const s = gldFull.build(stats, {});
  t.is(s.kind, 'gld_full');
  t.false(s.isZero);
  t.is(s.shape.type, 'lowRank');
  assertShapeEquals(t, s, f.sigmaDense);
  t.true(Math.abs(s.trace - trace(f.sigmaDense)) < 1e-12 * s.trace, `${s.trace} vs ${trace(f.sigmaDense)}`);
  t.true(Math.abs(s.trace - f.cov.trace) < 1e-12 * s.trace);
  t.throws(() => gldFull.build({ size: D }, {}), { message: /noise kind gld_full: stats.covarianceFactor is missing/ });
});

test('gld_full draws have covariance Σ (every entry within 4 standard errors) and E‖ξ‖² = TrΣ', async (t) => {
  const f = await noiseFixture(7);
  const s = gldFull.build({ size: D, covarianceFactor: f.cov.factor }, {});
  const n = 40_000;
  const rng = new Rng(15);
  const xi = new Float32Array(D);
  const mean = new Float64Array(D);
  const second = new Float64Array(D * D);
  let sq = 0;
  for (let r = 0; r < n; r++) {
    s.sample(rng, xi);
    let norm2 = 0;
    for (let i = 0; i < D; i++) {
      mean[i]! += xi[i]! / n;
      norm2 += xi[i]! * xi[i]!;
      for (let j = 0; j < D; j++) second[i * D + j]! += (xi[i]! * xi[j]!) / n;
    }
    sq += norm2 / n;
  }
  const S = f.sigmaDense;
  let worst = 0;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      // Empirical covariance (centred at the sample mean) against Σ; for a Gaussian, Var(ξ_iξ_j) = Σ_iiΣ_jj + Σ_ij².
      const cov = second[i * D + j]! - mean[i]! * mean[j]!;
      const se = Math.sqrt((S[i * D + i]! * S[j * D + j]! + S[i * D + j]! ** 2) / n);
      worst = Math.max(worst, Math.abs(cov - S[i * D + j]!) / se);
      t.true(Math.abs(cov - S[i * D + j]!) <= 4 * se, `(${i}, ${j}): ${cov} vs ${S[i * D + j]} (se ${se})`);
    }
  }
  // ‖ξ‖² has mean TrΣ and variance 2·Tr(Σ²) for ξ ~ N(0, Σ).
  let trS2 = 0;
  for (let i = 0; i < D * D; i++) trS2 += S[i]! * S[i]!;
  const seTrace = Math.sqrt((2 * trS2) / n);
  t.true(Math.abs(sq - trace(S)) <= 4 * seTrace, `E‖ξ‖² ${sq} vs TrΣ ${trace(S)} (se ${seTrace})`);
  t.log(`largest |Σ̂_ij − Σ_ij| / se = ${worst.toFixed(2)} over ${D * D} entries; E‖ξ‖² = ${sq.toFixed(4)} vs TrΣ = ${trace(S).toFixed(4)}`);
});

test("gld_full's Tr(HΣ_kind) is SGD's Tr(HΣ)", async (t) => {
  const f = await noiseFixture(8);
  const s = gldFull.build({ size: D, covarianceFactor: f.cov.factor }, {});
  // Σ_k c_kᵀHc_k over the kind's rows against Tr(H·Σ) from the dense matrices.
  const H = f.hessianDense;
  let rows = 0;
  if (s.shape.type !== 'lowRank') throw new Error('gld_full should be low-rank');
  for (const r of s.shape.rows) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) rows += r[i]! * H[i * D + j]! * r[j]!;
  let dense = 0;
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) dense += H[i * D + j]! * f.sigmaDense[j * D + i]!;
  t.true(Math.abs(rows - dense) < 1e-10 * Math.abs(dense), `${rows} vs ${dense}`);
});
