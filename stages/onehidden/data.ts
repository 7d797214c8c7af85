/** The one-hidden-layer experiment's data: N points uniform in [−2, 2]², label 1 if x₁ ≥ x₂ else 0. */
import type { Rng } from '../numerics/random.ts';

/** Inputs (N×2, row-major) and {0,1} labels. */
export interface OneHiddenData {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** Draws the data set. Example: `oneHiddenData(new Rng(1), 1000)`. */
export function oneHiddenData(rng: Rng, n: number): OneHiddenData {
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = -2 + 4 * rng.uniform();
    const b = -2 + 4 * rng.uniform();
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a >= b ? 1 : 0;
  }
  return { x, y, n };
}
