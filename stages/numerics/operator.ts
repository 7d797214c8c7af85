/**
 * The one interface every curvature algorithm sees: a symmetric linear map on flat float64 vectors.
 *
 * Hessians (by double backprop), gradient-noise covariances (from gradient samples) and dense test matrices are all
 * operators; Lanczos, Hutchinson and stochastic Lanczos quadrature only ever call `matvec`.
 */

/** A symmetric linear operator of dimension `size`. `matvec` must not modify its argument. */
export interface LinearOperator {
  /** Dimension D of the space the operator acts on. */
  readonly size: number;
  /** Returns A·v as a new float64 vector of length `size`. */
  matvec(v: Float64Array): Float64Array | Promise<Float64Array>;
}

/** Wraps a function as an operator: `lambdaOperator((v) => dense.mul(v), 20)`. */
export function lambdaOperator(matvec: (v: Float64Array) => Float64Array | Promise<Float64Array>, size: number): LinearOperator {
  return { size, matvec };
}

/** An operator for a dense symmetric matrix stored row-major in a float64 array of length n². */
export function denseOperator(matrix: Float64Array, n: number): LinearOperator {
  if (matrix.length !== n * n) {
    throw new Error(`denseOperator: expected ${n}×${n} = ${n * n} entries, got ${matrix.length}`);
  }
  return lambdaOperator((v) => {
    if (v.length !== n) throw new Error(`denseOperator: vector of length ${v.length} for a ${n}×${n} matrix`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += matrix[row + j]! * v[j]!;
      out[i] = s;
    }
    return out;
  }, n);
}
