/**
 * Computes exactly the statistics a set of noise kinds declared, from a gradient-noise covariance and a Hessian
 * top-k provider, so the dynamics loop pays only for what the chosen kind uses at each refresh.
 */
import type { Covariance } from '../numerics/covariance.ts';
import type { EigenPairs } from '../numerics/eigen.ts';
import { NO_NEEDS, type NoiseNeeds, type NoiseStats } from './kind.ts';

/** The union of several kinds' needs (largest k wins). */
export function mergeNeeds(...needs: readonly NoiseNeeds[]): NoiseNeeds {
  return Object.freeze(
    needs.reduce<NoiseNeeds>(
      (a, b) => ({
        minibatchGradient: a.minibatchGradient || b.minibatchGradient,
        covarianceTrace: a.covarianceTrace || b.covarianceTrace,
        covarianceDiagonal: a.covarianceDiagonal || b.covarianceDiagonal,
        covarianceTopK: Math.max(a.covarianceTopK, b.covarianceTopK),
        covarianceFactor: a.covarianceFactor || b.covarianceFactor,
        hessianTopK: Math.max(a.hessianTopK, b.hessianTopK),
        exampleWeights: a.exampleWeights || b.exampleWeights,
      }),
      NO_NEEDS,
    ),
  );
}

/** True when the needs require the gradient-noise covariance at all. */
export function needsCovariance(needs: NoiseNeeds): boolean {
  return needs.covarianceTrace || needs.covarianceDiagonal || needs.covarianceTopK > 0 || needs.covarianceFactor;
}

/** Where statistics come from; each source is called only if needed (the covariance at most once). */
export interface NoiseStatSources {
  /** Parameter count D. */
  readonly size: number;
  /** Builds (or returns) Σ at the current parameters. */
  readonly covariance?: () => Covariance | Promise<Covariance>;
  /** The k leading Hessian eigenpairs at the current parameters (e.g. a warm-started `lanczos`). */
  readonly hessianTopK?: (k: number) => Promise<EigenPairs>;
}

/** The statistics `needs` asks for, and nothing else. Example: `await computeNoiseStats(kind.needs(cfg), sources)`. */
export async function computeNoiseStats(needs: NoiseNeeds, sources: NoiseStatSources): Promise<NoiseStats> {
  const stats: { -readonly [K in keyof NoiseStats]: NoiseStats[K] } = { size: sources.size };
  if (needsCovariance(needs)) {
    if (sources.covariance === undefined) throw new Error('computeNoiseStats: the noise kind needs Σ but no covariance source was given');
    const cov = await sources.covariance();
    if (cov.size !== sources.size) throw new Error(`computeNoiseStats: covariance size ${cov.size} ≠ parameter count ${sources.size}`);
    if (needs.covarianceTrace) stats.covarianceTrace = cov.trace;
    if (needs.covarianceDiagonal) stats.covarianceDiagonal = cov.diagonal();
    if (needs.covarianceTopK > 0) stats.covarianceTopK = await cov.topK(needs.covarianceTopK);
    if (needs.covarianceFactor) stats.covarianceFactor = cov.factor;
  }
  if (needs.hessianTopK > 0) {
    if (sources.hessianTopK === undefined)
      throw new Error(`computeNoiseStats: the noise kind needs ${needs.hessianTopK} Hessian eigenpairs but no Hessian source was given`);
    stats.hessianTopK = await sources.hessianTopK(needs.hessianTopK);
  }
  return Object.freeze(stats);
}
