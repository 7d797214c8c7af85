/**
 * Top-k eigenpairs (largest algebraic) of a symmetric operator by Lanczos with full reorthogonalisation, thick
 * restarts and an optional warm-start subspace.
 *
 * The search space V is kept orthonormal (Gram–Schmidt twice against every previous vector) together with W = A·V, so
 * that each step costs exactly one matvec and every Ritz residual ‖A·y − θ·y‖ is a true residual computed from
 * stored products (no extra matvecs, no reliance on the three-term recurrence). Each step does a Rayleigh–Ritz solve
 * of the small projected matrix VᵀAV in float64 and expands V by the residual of the worst unconverged wanted pair.
 * From a single random start this is exactly Lanczos (all Ritz residuals are parallel to the next Lanczos vector);
 * from a warm-start block (e.g. the eigenvectors of a nearby operator) it is the Krylov–Davidson continuation that
 * refines them, and when V reaches `maxBasis` it is compressed to the leading Ritz vectors (a thick restart).
 *
 * The algorithm (`lanczosOver`) sees the search space only through a `KrylovStore`: append a vector with its product,
 * orthogonalise against the basis, form Ritz vectors and residuals from small coefficient vectors. `lanczos` runs it
 * over float64 arrays on the host; stages/numerics/device-lanczos.ts runs the same loop over float32 tensors that
 * stay on the tfjs backend (the webgpu path), reading back only O(m) numbers per step.
 */
import { symmetricEigen } from './eigen.ts';
import type { LinearOperator } from './operator.ts';
import { Rng } from './random.ts';
import { axpy, norm, orthogonalizeInPlace, scaleInPlace, toFloat64, type NumericVector } from './vector.ts';

/** Options of `lanczos`. Exactly one of `rng` / `seed` is needed (for the random start and breakdown restarts). */
export interface LanczosOptions {
  /** Number of leading eigenpairs wanted (1 ≤ k ≤ size). */
  readonly k: number;
  /** Most operator applications allowed (default max(300, 20k), capped by nothing: set it for costly operators). */
  readonly maxIter?: number;
  /** Convergence tolerance on the relative residual ‖Ay − θy‖ / |θ| (default 1e-6). */
  readonly tol?: number;
  /** How many leading pairs must meet `tol` to stop (default k); the others are returned with their residuals. */
  readonly tolPairs?: number;
  /** When set, the pairs after the leading `tolPairs` must meet this (looser) relative tolerance too. */
  readonly tolRest?: number;
  /** Largest search space before a thick restart (default min(size, max(3k, k + 30))). */
  readonly maxBasis?: number;
  /** Random stream for the start vector and for breakdown restarts. */
  readonly rng?: Rng;
  /** Seed for a fresh `Rng` when `rng` is not given. */
  readonly seed?: number;
  /** Warm-start subspace (e.g. previous eigenvectors); dependent or zero vectors are dropped. */
  readonly start?: readonly NumericVector[];
}

/** Result of `lanczos`: k Ritz pairs with their true residuals and the cost of computing them. */
export interface LanczosResult {
  /** Ritz values, descending. */
  readonly eigenvalues: Float64Array;
  /** Unit Ritz vectors (length size each), in the order of `eigenvalues`. */
  readonly eigenvectors: readonly Float64Array[];
  /** ‖A·y − θ·y‖ per pair, from stored products A·V. */
  readonly residualNorms: Float64Array;
  /** residualNorms / |θ| per pair (Infinity for θ = 0 with a nonzero residual, 0 for an exact zero pair). */
  readonly relativeResiduals: Float64Array;
  /** Per pair: relative residual ≤ tol, or residual at rounding level of the operator norm. */
  readonly convergedPairs: readonly boolean[];
  /** True when the leading `tolPairs` pairs all converged. */
  readonly converged: boolean;
  /** Operator applications used. */
  readonly matvecs: number;
  /** Rayleigh–Ritz solves performed. */
  readonly iterations: number;
  /** Thick restarts performed. */
  readonly restarts: number;
  /** Times the search space became invariant before k pairs were found and a random vector was added. */
  readonly breakdowns: number;
  /** Warm-start vectors actually used (after dropping dependent ones). */
  readonly startVectors: number;
  /** The relative-residual tolerance used. */
  readonly tol: number;
  /** The number of leading pairs checked against `tol`. */
  readonly tolPairs: number;
  /** The tolerance of the other pairs, or null when they were not checked. */
  readonly tolRest: number | null;
}

/** Relative residual with the conventions documented on `LanczosResult.relativeResiduals`. */
export function relativeResidual(residual: number, eigenvalue: number): number {
  if (eigenvalue !== 0) return residual / Math.abs(eigenvalue);
  return residual === 0 ? 0 : Infinity;
}

/**
 * Where the search space V and its products W = A·V live, and the few operations on them the algorithm needs. `Vec`
 * is one vector of length `size` (a Float64Array on the host, a tensor on a device); `Ritz` a block of Ritz vectors,
 * their products and residuals. Every call that takes a `Vec` consumes it (the store disposes or keeps it); `release`
 * frees what the caller no longer needs, `dispose` the basis.
 */
export interface KrylovStore<Vec, Ritz extends RitzBlock> {
  /** Dimension D of the space. */
  readonly size: number;
  /** Vectors in the basis now (m). */
  readonly dim: number;
  /** A residual ≤ roundoff · ‖A‖ counts as converged: the rounding level of the store's arithmetic. */
  readonly roundoff: number;
  /** A start vector (or expansion direction) whose norm drops below this fraction when orthogonalised is dependent. */
  readonly dependentTol: number;
  /** The same for random directions (breakdown restarts). */
  readonly randomTol: number;
  /** A copy of a host vector in the store. */
  fromHost(x: NumericVector): Vec;
  /** A standard normal vector drawn from `rng` (the same draws on every store). */
  random(rng: Rng): Vec;
  /** Gram–Schmidt twice against the basis: the projected vector, and the norms before and after. */
  orthogonalize(v: Vec): Promise<{ v: Vec; before: number; after: number }>;
  /** a·v (consumes v). */
  scale(a: number, v: Vec): Vec;
  /**
   * Applies the operator to the unit vector v (orthogonal to the basis; consumed), appends v and A·v to the basis,
   * and returns the new row of VᵀAV: ½(vᵢᵀAv + (Avᵢ)ᵀv) for each previous vᵢ, then vᵀAv. `index` numbers the matvec
   * (from 1) for error messages.
   */
  extend(v: Vec, index: number): Promise<Float64Array>;
  /** Ritz vectors y_i = V s_i / ‖V s_i‖, products A y_i = W s_i / ‖V s_i‖ and residuals A y_i − θ_i y_i, i < count. */
  ritz(coeffs: readonly Float64Array[], values: Float64Array, count: number): Promise<Ritz>;
  /** A copy of the residual vector of pair i. */
  residual(block: Ritz, i: number): Vec;
  /** Replaces the basis by the block's Ritz vectors and their products (consumes the block). */
  restart(block: Ritz): void;
  /** The block's Ritz vectors as float64 host arrays. */
  eigenvectors(block: Ritz): Promise<Float64Array[]>;
  /** Frees a vector or block the algorithm no longer needs. */
  release(x: Vec | Ritz): void;
  /** Frees the basis. */
  dispose(): void;
}

/** What the algorithm reads of a Ritz block: the residual norms ‖A y_i − θ_i y_i‖. */
export interface RitzBlock {
  readonly residuals: readonly number[];
}

/**
 * Leading k eigenpairs of the symmetric operator `op`, with the search space in float64 on the host.
 * Example: `await lanczos(denseOperator(a, n), {k: 5, tol: 1e-8, seed: 1})`.
 */
export async function lanczos(op: LinearOperator, options: LanczosOptions): Promise<LanczosResult> {
  return lanczosOver(hostStore(op), options);
}

/**
 * The Krylov–Davidson loop over any `KrylovStore` (the store is disposed at the end). Rayleigh–Ritz, convergence
 * tests and the choice of expansion direction run in float64 on the host from O(m) numbers per step.
 * Example: `await lanczosOver(hostStore(op), {k: 3, seed: 1})`.
 */
export async function lanczosOver<Vec, Ritz extends RitzBlock>(store: KrylovStore<Vec, Ritz>, options: LanczosOptions): Promise<LanczosResult> {
  try {
    return await krylovDavidson(store, options);
  } finally {
    store.dispose();
  }
}

async function krylovDavidson<Vec, Ritz extends RitzBlock>(store: KrylovStore<Vec, Ritz>, options: LanczosOptions): Promise<LanczosResult> {
  const size = store.size;
  const k = options.k;
  if (!Number.isInteger(size) || size < 1) throw new Error(`lanczos: operator size must be a positive integer, got ${size}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`lanczos: k must be a positive integer, got ${k}`);
  if (k > size) throw new Error(`lanczos: k=${k} exceeds operator size ${size}`);
  const tol = options.tol ?? 1e-6;
  if (!(tol > 0)) throw new Error(`lanczos: tol must be positive, got ${tol}`);
  const tolPairs = options.tolPairs ?? k;
  if (!Number.isInteger(tolPairs) || tolPairs < 1 || tolPairs > k) {
    throw new Error(`lanczos: tolPairs=${tolPairs} must be an integer in [1, k=${k}]`);
  }
  const tolRest = options.tolRest ?? null;
  if (tolRest !== null && !(tolRest > 0)) throw new Error(`lanczos: tolRest must be positive, got ${tolRest}`);
  /** The tolerance pair i is held to, and how many leading pairs are checked at all. */
  const pairTol = (i: number) => (i < tolPairs ? tol : (tolRest ?? tol));
  const checkedPairs = tolRest === null ? tolPairs : k;
  const maxBasis = options.maxBasis ?? Math.min(size, Math.max(3 * k, k + 30));
  const minBasis = Math.min(size, k + 1);
  if (!Number.isInteger(maxBasis) || maxBasis < minBasis || maxBasis > size) {
    throw new Error(`lanczos: maxBasis=${maxBasis} must be an integer in [${minBasis}, size=${size}] for k=${k}`);
  }
  const maxIter = options.maxIter ?? Math.max(300, 20 * k);
  if (!Number.isInteger(maxIter) || maxIter < k) throw new Error(`lanczos: maxIter=${maxIter} is below k=${k}`);
  let rng = options.rng;
  if (rng === undefined) {
    if (options.seed === undefined) throw new Error('lanczos: pass `rng` or `seed`');
    rng = new Rng(options.seed);
  }

  let proj: Float64Array = new Float64Array(0); // row-major m×m, VᵀAV (symmetrised)
  let matvecs = 0;
  let normEst = 0;

  /** Appends a unit vector v (orthogonal to V) and its product to the search space. */
  const extend = async (v: Vec): Promise<void> => {
    if (matvecs >= maxIter) {
      store.release(v);
      throw new Error(`lanczos: internal: matvec budget ${maxIter} exceeded`);
    }
    const m = store.dim;
    const row = await store.extend(v, matvecs + 1);
    matvecs++;
    const next = new Float64Array((m + 1) * (m + 1));
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) next[i * (m + 1) + j] = proj[i * m + j]!;
    for (let i = 0; i < m; i++) next[i * (m + 1) + m] = next[m * (m + 1) + i] = row[i]!;
    next[m * (m + 1) + m] = row[m]!;
    proj = next;
  };

  /** A random unit vector orthogonal to V, or undefined if V already spans the space numerically. */
  const randomDirection = async (): Promise<Vec | undefined> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { v, before, after } = await store.orthogonalize(store.random(rng));
      if (after > store.randomTol * before) return store.scale(1 / after, v);
      store.release(v);
    }
    return undefined;
  };

  let startVectors = 0;
  for (const [index, s] of (options.start ?? []).entries()) {
    if (store.dim >= maxBasis - (size > maxBasis ? 1 : 0) || matvecs >= maxIter) break;
    if (s.length !== size) throw new Error(`lanczos: start vector ${index} has length ${s.length}, expected ${size}`);
    const { v, before, after } = await store.orthogonalize(store.fromHost(s));
    if (!(before > 0) || !Number.isFinite(before) || after <= store.dependentTol * before) {
      store.release(v);
      continue;
    }
    await extend(store.scale(1 / after, v));
    startVectors++;
  }
  if (store.dim === 0) await extend((await randomDirection())!);

  let iterations = 0;
  let restarts = 0;
  let breakdowns = 0;
  for (;;) {
    // Rayleigh–Ritz on span(V).
    const m = store.dim;
    const eig = symmetricEigen(proj, m);
    iterations++;
    for (let i = 0; i < m; i++) normEst = Math.max(normEst, Math.abs(eig.values[i]!));
    const nPairs = Math.min(k, m);
    const ritz = await store.ritz(eig.vectors, eig.values, nPairs);
    const floor = store.roundoff * normEst;
    const conv = ritz.residuals.map((r, i) => r <= pairTol(i) * Math.abs(eig.values[i]!) || r <= floor);
    const wantedDone = m >= k && conv.slice(0, checkedPairs).every(Boolean);
    if (wantedDone || m === size || matvecs >= maxIter) {
      const eigenvalues = eig.values.slice(0, k);
      const residualNorms = Float64Array.from(ritz.residuals);
      let eigenvectors: Float64Array[];
      try {
        eigenvectors = await store.eigenvectors(ritz);
      } finally {
        store.release(ritz);
      }
      return Object.freeze({
        eigenvalues,
        eigenvectors: Object.freeze(eigenvectors),
        residualNorms,
        relativeResiduals: residualNorms.map((r, i) => relativeResidual(r, eigenvalues[i]!)),
        convergedPairs: Object.freeze(Array.from(conv)),
        converged: conv.slice(0, checkedPairs).every(Boolean) && m >= k,
        matvecs,
        iterations,
        restarts,
        breakdowns,
        startVectors,
        tol,
        tolPairs,
        tolRest,
      });
    }

    // Expansion direction: residual of the worst unconverged wanted pair (or of any pair while V is smaller than k).
    const checked = Math.min(checkedPairs, nPairs);
    let pool = Array.from({ length: checked }, (_, i) => i).filter((i) => !conv[i]);
    if (pool.length === 0) pool = Array.from({ length: nPairs }, (_, i) => i);
    let pick = pool[0]!;
    let worst = -1;
    for (const i of pool) {
      // Worst relative to the pair's own tolerance, so a loosely held pair does not crowd out a tightly held one.
      const rel = relativeResidual(ritz.residuals[i]!, eig.values[i]!) / pairTol(i);
      const score = Number.isFinite(rel) ? rel : Number.MAX_VALUE;
      if (score > worst) {
        worst = score;
        pick = i;
      }
    }
    let direction: Vec | undefined;
    if (ritz.residuals[pick]! > floor) direction = store.residual(ritz, pick);
    store.release(ritz);

    if (m >= maxBasis) {
      // Thick restart: keep the leading Ritz vectors; their products come from W without new matvecs.
      const keep = Math.min(maxBasis - 1, Math.max(k, k + Math.floor((maxBasis - k) / 3)));
      store.restart(await store.ritz(eig.vectors, eig.values, keep));
      proj = new Float64Array(keep * keep);
      for (let i = 0; i < keep; i++) proj[i * keep + i] = eig.values[i]!;
      restarts++;
    }

    if (direction !== undefined) {
      const { v, before, after } = await store.orthogonalize(direction);
      if (after > store.dependentTol * before) direction = store.scale(1 / after, v);
      else {
        store.release(v);
        direction = undefined;
      }
    }
    if (direction === undefined) {
      breakdowns++;
      direction = await randomDirection();
      if (direction === undefined) throw new Error(`lanczos: could not extend a search space of size ${store.dim} in dimension ${size}`);
    }
    await extend(direction);
  }
}

/** A host Ritz block: float64 vectors, products and residual vectors. */
interface HostRitz extends RitzBlock {
  readonly vectors: Float64Array[];
  readonly products: Float64Array[];
  readonly residualVectors: Float64Array[];
}

/** The search space as float64 arrays on the host; each matvec goes through `op.matvec`. */
export function hostStore(op: LinearOperator): KrylovStore<Float64Array, HostRitz> {
  const size = op.size;
  const V: Float64Array[] = [];
  const W: Float64Array[] = [];
  return {
    size,
    get dim() {
      return V.length;
    },
    roundoff: 1e3 * Number.EPSILON,
    dependentTol: 1e-8,
    randomTol: 1e-6,
    fromHost: toFloat64,
    random: (rng) => rng.fillNormal(new Float64Array(size)),
    async orthogonalize(v) {
      const before = norm(v);
      const after = orthogonalizeInPlace(v, V);
      return { v, before, after };
    },
    scale: (a, v) => scaleInPlace(a, v),
    async extend(v, index) {
      const w = await op.matvec(v);
      if (w.length !== size) throw new Error(`lanczos: matvec returned length ${w.length}, expected ${size}`);
      for (let i = 0; i < size; i++) {
        if (!Number.isFinite(w[i]!)) throw new Error(`lanczos: matvec ${index} returned non-finite ${w[i]} at index ${i}`);
      }
      const m = V.length;
      const row = new Float64Array(m + 1);
      for (let i = 0; i < m; i++) {
        let a = 0;
        let b = 0;
        const vi = V[i]!;
        const wi = W[i]!;
        for (let t = 0; t < size; t++) {
          a += vi[t]! * w[t]!;
          b += wi[t]! * v[t]!;
        }
        row[i] = 0.5 * (a + b);
      }
      let d = 0;
      for (let t = 0; t < size; t++) d += v[t]! * w[t]!;
      row[m] = d;
      V.push(v);
      W.push(w);
      return row;
    },
    ritz: async (coeffs, values, count) => ritzPairs(V, W, coeffs, values, count, size),
    residual: (block, i) => Float64Array.from(block.residualVectors[i]!),
    restart(block) {
      V.length = 0;
      W.length = 0;
      V.push(...block.vectors);
      W.push(...block.products);
    },
    eigenvectors: async (block) => block.vectors,
    release() {},
    dispose() {},
  };
}

/** Ritz vectors y_i = V s_i, products A y_i = W s_i and residuals A y_i − θ_i y_i for the first `count` pairs. */
function ritzPairs(
  V: readonly Float64Array[],
  W: readonly Float64Array[],
  coeffs: readonly Float64Array[],
  values: Float64Array,
  count: number,
  size: number,
): HostRitz {
  const vectors: Float64Array[] = [];
  const products: Float64Array[] = [];
  const residualVectors: Float64Array[] = [];
  const residuals: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = coeffs[i]!;
    const y = new Float64Array(size);
    const ay = new Float64Array(size);
    for (let j = 0; j < V.length; j++) {
      axpy(s[j]!, V[j]!, y);
      axpy(s[j]!, W[j]!, ay);
    }
    const ny = norm(y);
    scaleInPlace(1 / ny, y);
    scaleInPlace(1 / ny, ay);
    const r = Float64Array.from(ay);
    axpy(-values[i]!, y, r);
    vectors.push(y);
    products.push(ay);
    residualVectors.push(r);
    residuals.push(norm(r));
  }
  return { vectors, products, residualVectors, residuals };
}
