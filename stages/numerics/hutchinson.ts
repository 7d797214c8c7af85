/**
 * Hutchinson's stochastic trace estimator: Tr(A) ≈ (1/n) Σ zᵀAz over Rademacher probes z (E[zzᵀ] = I), with the
 * standard error of that mean.
 */
import type { LinearOperator } from './operator.ts';
import { Rng } from './random.ts';
import { dot } from './vector.ts';

/** Options of `hutchinson`: number of probes and the random stream (`rng` or `seed`). */
export interface HutchinsonOptions {
  /** Number of Rademacher probes (≥ 2, so that a standard error exists). */
  readonly samples: number;
  /** Random stream for the probes. */
  readonly rng?: Rng;
  /** Seed for a fresh `Rng` when `rng` is not given. */
  readonly seed?: number;
}

/** Result of `hutchinson`: the estimate, its standard error and the per-probe values. */
export interface HutchinsonResult {
  /** Mean of zᵀAz over probes: an unbiased estimate of Tr(A). */
  readonly estimate: number;
  /** Sample standard deviation of zᵀAz divided by √samples. */
  readonly stderr: number;
  /** Number of probes (= matvecs). */
  readonly samples: number;
  /** zᵀAz per probe, in order. */
  readonly values: Float64Array;
}

/** Estimates Tr(A). Example: `await hutchinson(op, {samples: 100, seed: 1})` → `{estimate, stderr, samples}`. */
export async function hutchinson(op: LinearOperator, options: HutchinsonOptions): Promise<HutchinsonResult> {
  const n = options.samples;
  if (!Number.isInteger(n) || n < 2) throw new Error(`hutchinson: samples must be an integer ≥ 2, got ${n}`);
  let rng = options.rng;
  if (rng === undefined) {
    if (options.seed === undefined) throw new Error('hutchinson: pass `rng` or `seed`');
    rng = new Rng(options.seed);
  }
  const values = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const z = rng.fillRademacher(new Float64Array(op.size));
    const az = await op.matvec(z);
    if (az.length !== op.size) throw new Error(`hutchinson: matvec returned length ${az.length}, expected ${op.size}`);
    values[s] = dot(z, az);
    if (!Number.isFinite(values[s]!)) throw new Error(`hutchinson: probe ${s} gave non-finite zᵀAz = ${values[s]}`);
  }
  const estimate = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - estimate) ** 2, 0) / (n - 1);
  return Object.freeze({ estimate, stderr: Math.sqrt(variance / n), samples: n, values });
}
