/**
 * Tr(HΣ_kind) of each noise kind at the toy's sharp minimum (1,1), every kind's covariance rescaled to the same total
 * variance, on each repeat's data set; and the closed forms for the population covariance.
 */
import type { NoiseConfig, NoiseKindName } from '../noise/kind.ts';
import { placeSampler } from '../noise/placement.ts';
import { noiseKind } from '../noise/registry.ts';
import { shapeDense } from '../noise/shape.ts';
import { toy2dNoiseStats, toy2dPoint, usesCovarianceShape, type Toy2dCovariance } from './statistics.ts';

/** Mean and standard deviation over repeats of Tr(HΣ_kind), and the population closed form. */
export interface KindIndicator {
  kind: NoiseKindName;
  mean: number;
  sd: number;
  closedForm: number | null;
}

/**
 * Closed forms at (1,1) with total variance v, using the population covariance of the paper's data:
 * H = [[110, 90], [90, 110]] (eigenvalues 200, 20; TrH = 220), Σ ∝ H·diag-in-eigenbasis(10, 1)·H, i.e. eigenvalues
 * ∝ 200²·1 and 20²·10 along u₁ and u₂ (x has variance 1e-4·(1, 10) along u₁ = (c, s) and u₂ = (c, −s); g = −Hx).
 */
export function toy2dClosedForms(v: number): Partial<Record<NoiseKindName, number>> {
  const l1 = 200;
  const l2 = 20;
  const s1 = l1 * l1 * 1; // population Σ along u₁ (up to the common factor 1e-4)
  const s2 = l2 * l2 * 10; // along u₂
  const sigmaShaped = (v * (l1 * s1 + l2 * s2)) / (s1 + s2);
  return {
    gld_const: (v / 2) * (l1 + l2), // v/2 · TrH
    gld_diag: (v / 2) * (l1 + l2), // both diagonal entries of Σ are equal here, so diag Σ ∝ I
    gld_dynamic: (v / 2) * (l1 + l2),
    gld_leading: sigmaShaped, // the full 2×2 Σ rescaled
    gld_hessian: (v * (l1 * l1 + l2 * l2)) / (l1 + l2), // v·TrH²/TrH
    gld_hessian_top1: v * l1,
    gld_full: sigmaShaped, // Σ itself, rescaled like every kind here
  };
}

/** Tr(HΣ_kind) at (1,1) per kind over the repeats' data sets (repeats × samples × 2); closed forms assume per-sample Σ. */
export function toy2dIndicators(
  data: Float64Array,
  repeats: number,
  samples: number,
  kinds: readonly NoiseKindName[],
  noise: NoiseConfig,
  variance: number,
  covariance: Toy2dCovariance = 'per-sample',
): KindIndicator[] {
  const closed = toy2dClosedForms(variance);
  return kinds
    .filter((k) => k !== 'gd' && k !== 'sgd')
    .map((name) => {
      const kind = noiseKind(name);
      const needs = kind.needs(noise);
      const cov = usesCovarianceShape(kind, needs) ? covariance : 'per-sample';
      const values: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const point = toy2dPoint([1, 1], data.subarray(r * samples * 2, (r + 1) * samples * 2), cov);
        const sampler = placeSampler(kind.build(toy2dNoiseStats(point, needs), noise), { kind: 'weights', variance });
        const s = shapeDense(sampler.shape);
        const h = point.hessian;
        values.push(h[0]! * s[0]! + h[1]! * s[2]! + h[2]! * s[1]! + h[3]! * s[3]!);
      }
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
      return { kind: name, mean, sd, closedForm: closed[name] ?? null };
    });
}
