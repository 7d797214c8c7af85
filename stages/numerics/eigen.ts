/**
 * Dense symmetric eigendecomposition of small float64 matrices (projected Lanczos matrices, Gram matrices), via
 * ml-matrix, returned in descending order.
 */
import type * as MlMatrix from 'ml-matrix';
import { lazyRequire } from '../../pipeline/lazy-require.ts';

/** ml-matrix, required on first use (importing a stage module must not load it). */
const loadMlMatrix = lazyRequire<typeof MlMatrix>('ml-matrix');

/** Leading eigenpairs of a D-dimensional operator (Lanczos results and covariance top-k both have this shape). */
export interface EigenPairs {
  /** Eigenvalues, largest first. */
  readonly eigenvalues: Float64Array;
  /** Unit eigenvectors of length D, in the order of `eigenvalues`. */
  readonly eigenvectors: readonly Float64Array[];
}

/** Eigenpairs of a small symmetric matrix: `values` descending, `vectors[j]` the unit eigenvector of `values[j]`. */
export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** Unit eigenvectors (length n each), in the order of `values`. */
  readonly vectors: readonly Float64Array[];
}

/**
 * Eigendecomposition of the symmetric n×n matrix stored row-major in `a` (only its symmetric part is used).
 * Example: `symmetricEigen(Float64Array.of(2, 1, 1, 2), 2).values` → [3, 1].
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  if (n === 0) return { values: new Float64Array(0), vectors: [] };
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      const x = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      if (!Number.isFinite(x)) throw new Error(`symmetricEigen: non-finite entry ${x} at (${i}, ${j})`);
      row[j] = x;
    }
    rows.push(row);
  }
  const { EigenvalueDecomposition, Matrix } = loadMlMatrix();
  const eig = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const lambda = eig.realEigenvalues;
  const vecs = eig.eigenvectorMatrix;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => lambda[q]! - lambda[p]!);
  const values = Float64Array.from(order, (i) => lambda[i]!);
  const vectors = order.map((col) => {
    const v = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      v[i] = vecs.get(i, col);
      s += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < n; i++) v[i]! *= inv;
    return v;
  });
  return { values, vectors };
}
