/**
 * Seeded test problems for the curvature algorithms: random orthogonal bases, dense symmetric matrices with a chosen
 * spectrum, and matrix-free operators Q·diag(λ)·Qᵀ for dimensions where a dense matrix would be too slow.
 */
import type { LinearOperator } from './operator.ts';
import type { Rng } from './random.ts';
import { axpy, dot, norm, orthogonalizeInPlace, scaleInPlace } from './vector.ts';

/** A Haar-like random orthogonal n×n matrix, returned as its n orthonormal columns (Gram–Schmidt of Gaussians). */
export function randomOrthonormalColumns(n: number, count: number, rng: Rng): Float64Array[] {
  if (count > n) throw new Error(`randomOrthonormalColumns: count=${count} exceeds dimension ${n}`);
  const cols: Float64Array[] = [];
  while (cols.length < count) {
    const v = rng.fillNormal(new Float64Array(n));
    const before = norm(v);
    const after = orthogonalizeInPlace(v, cols);
    if (after > 1e-6 * before) cols.push(scaleInPlace(1 / after, v));
  }
  return cols;
}

/** Dense row-major n×n matrix Σ_i λ_i q_i q_iᵀ for orthonormal columns q_i and eigenvalues λ_i. */
export function denseFromEigen(columns: readonly Float64Array[], eigenvalues: ArrayLike<number>, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let c = 0; c < columns.length; c++) {
    const q = columns[c]!;
    const l = eigenvalues[c]!;
    for (let i = 0; i < n; i++) {
      const li = l * q[i]!;
      const row = i * n;
      for (let j = 0; j < n; j++) a[row + j]! += li * q[j]!;
    }
  }
  return a;
}

/** A random dense symmetric n×n matrix with the given spectrum, and its eigenvectors (in the order of `spectrum`). */
export function randomSymmetric(spectrum: ArrayLike<number>, rng: Rng): { matrix: Float64Array; eigenvectors: Float64Array[] } {
  const n = spectrum.length;
  const eigenvectors = randomOrthonormalColumns(n, n, rng);
  return { matrix: denseFromEigen(eigenvectors, spectrum, n), eigenvectors };
}

/** y = A·x for a dense row-major n×n matrix. */
export function denseMatvec(a: Float64Array, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** C = A·B for dense row-major n×n matrices. */
export function denseMatmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < n; l++) {
      const ail = a[i * n + l]!;
      if (ail === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += ail * b[l * n + j]!;
    }
  }
  return c;
}

/** Trace of a dense row-major n×n matrix. */
export function denseTrace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i]!;
  return s;
}

/**
 * A random orthogonal map Q = H_1···H_r (r Householder reflections with Gaussian directions), applied in O(r·n):
 * cheap stand-in for a random eigenbasis of a large operator.
 */
export class HouseholderBasis {
  private readonly dirs: Float64Array[];

  /** Draws `reflections` unit reflection directions in dimension n. */
  constructor(
    readonly n: number,
    reflections: number,
    rng: Rng,
  ) {
    this.dirs = Array.from({ length: reflections }, () => {
      const h = rng.fillNormal(new Float64Array(n));
      return scaleInPlace(1 / norm(h), h);
    });
  }

  /** Q·x (new vector). */
  apply(x: ArrayLike<number>): Float64Array {
    const y = Float64Array.from(x);
    for (let r = this.dirs.length - 1; r >= 0; r--) this.reflect(r, y);
    return y;
  }

  /** Qᵀ·x (new vector). */
  applyTranspose(x: ArrayLike<number>): Float64Array {
    const y = Float64Array.from(x);
    for (let r = 0; r < this.dirs.length; r++) this.reflect(r, y);
    return y;
  }

  /** Column j of Q. */
  column(j: number): Float64Array {
    const e = new Float64Array(this.n);
    e[j] = 1;
    return this.apply(e);
  }

  /** y ← (I − 2hhᵀ)y in place. */
  private reflect(r: number, y: Float64Array): void {
    const h = this.dirs[r]!;
    axpy(-2 * dot(h, y), h, y);
  }
}

/** The matrix-free operator Q·diag(λ)·Qᵀ (+ Σ_j s_j g_j g_jᵀ when a low-rank symmetric term is given). */
export function spectralOperator(
  basis: HouseholderBasis,
  eigenvalues: Float64Array,
  lowRank: { readonly vectors: readonly Float64Array[]; readonly weights: ArrayLike<number> } = { vectors: [], weights: [] },
): LinearOperator {
  if (eigenvalues.length !== basis.n) throw new Error(`spectralOperator: ${eigenvalues.length} eigenvalues for dimension ${basis.n}`);
  return {
    size: basis.n,
    matvec(v) {
      const y = basis.applyTranspose(v);
      for (let i = 0; i < y.length; i++) y[i]! *= eigenvalues[i]!;
      const out = basis.apply(y);
      lowRank.vectors.forEach((g, j) => axpy(lowRank.weights[j]! * dot(g, v), g, out));
      return out;
    },
  };
}
