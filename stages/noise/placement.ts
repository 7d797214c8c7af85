/**
 * Where the noise enters the update. 'gradient' (the paper's networks): θ ← θ − η(∇L + ξ), so the weights move by
 * η·ξ. 'weights' (the paper's 2-D toy): the kind's covariance shape is rescaled to a total variance v per step and
 * added directly, θ ← θ − η∇L + ξ.
 */
import { samplerFromShape, type NoiseSampler } from './kind.ts';
import { scaleShape } from './shape.ts';

/** Noise added to the gradient, or to the weights with total variance `variance` (= E‖ξ‖²) per step. */
export type NoisePlacement = { readonly kind: 'gradient' } | { readonly kind: 'weights'; readonly variance: number };

/**
 * The sampler to draw from under `placement`: unchanged for 'gradient'; for 'weights' the same shape rescaled to
 * trace `variance` (zero kinds stay zero). Throws when a non-zero variance is asked of a shape with zero trace.
 */
export function placeSampler(sampler: NoiseSampler, placement: NoisePlacement): NoiseSampler {
  if (placement.kind === 'gradient') return sampler;
  if (placement.kind !== 'weights') throw new Error(`placeSampler: unknown placement '${(placement as { kind: string }).kind}'`);
  const v = placement.variance;
  if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`placeSampler: weights variance must be finite and ≥ 0, got ${v}`);
  if (sampler.isZero) return sampler;
  if (!(sampler.trace > 0)) {
    throw new Error(`placeSampler: cannot rescale ${sampler.kind} noise of trace ${sampler.trace} to total variance ${v}`);
  }
  return samplerFromShape(sampler.kind, scaleShape(sampler.shape, v / sampler.trace));
}

/**
 * One update in place: θ ← θ − η(g + ξ) for 'gradient', θ ← θ − ηg + ξ for 'weights'; `noise` undefined means ξ = 0.
 * Example: `noisyStep(params, grad, 0.07, sampler.isZero ? undefined : sampler.sample(rng, xi), placement)`.
 */
export function noisyStep(params: Float32Array, grad: Float32Array, lr: number, noise: Float32Array | undefined, placement: NoisePlacement): Float32Array {
  if (grad.length !== params.length) throw new Error(`noisyStep: gradient length ${grad.length} ≠ parameter length ${params.length}`);
  if (noise !== undefined && noise.length !== params.length) throw new Error(`noisyStep: noise length ${noise.length} ≠ parameter length ${params.length}`);
  // gradient: θ − η·g − η·ξ;  weights: θ − η·g + ξ.
  const noiseScale = placement.kind === 'gradient' ? -lr : 1;
  for (let i = 0; i < params.length; i++) params[i] = params[i]! - lr * grad[i]! + (noise === undefined ? 0 : noiseScale * noise[i]!);
  return params;
}
