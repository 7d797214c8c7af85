/**
 * Power iteration for an operator's dominant eigenpair (largest |λ|), as the authors' released
 * FashionMNIST/gld_1Hess.py finds the Hessian's u₁: a fixed number of v ← Av/‖Av‖ steps from a random start.
 */
import type { LinearOperator } from './operator.ts';
import { dot, norm } from './vector.ts';

/** The result of `powerIteration`, with what it cost and how good it is. */
export interface PowerResult {
  /** The last iterate, unit length. */
  readonly vector: Float64Array;
  /** Rayleigh quotient vᵀAv of the second-to-last iterate (known without an extra matvec). */
  readonly value: number;
  /** ‖Av − θv‖/|θ| of that iterate. */
  readonly relativeResidual: number;
  readonly matvecs: number;
}

/** `iterations` steps v ← Av/‖Av‖ from `start` (not modified). Example: `powerIteration(denseOperator(a, 3), 30, start)`. */
export async function powerIteration(op: LinearOperator, iterations: number, start: Float64Array): Promise<PowerResult> {
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`powerIteration: iterations must be a positive integer, got ${iterations}`);
  if (start.length !== op.size) throw new Error(`powerIteration: start has ${start.length} entries, the operator ${op.size}`);
  const n0 = norm(start);
  if (!(n0 > 0)) throw new Error('powerIteration: start vector is zero');
  let v = Float64Array.from(start, (x) => x / n0);
  let value = 0;
  let residual = Infinity;
  for (let i = 0; i < iterations; i++) {
    const av = Float64Array.from(await op.matvec(v));
    value = dot(v, av);
    let r2 = 0;
    for (let j = 0; j < av.length; j++) r2 += (av[j]! - value * v[j]!) ** 2;
    residual = Math.sqrt(r2) / Math.abs(value);
    const n = norm(av);
    if (!(n > 0)) throw new Error(`powerIteration: A·v vanished at step ${i + 1}`);
    v = av.map((x) => x / n);
  }
  return { vector: v, value, relativeResidual: residual, matvecs: iterations };
}
