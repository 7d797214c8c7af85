/**
 * The covariance shape of a Gaussian noise kind — zero, σ²·I, diag(d) or Σ_k r_k r_kᵀ — with its trace, rescaling,
 * dense form (small D only) and an exact sampler. Every noise kind reduces to one of these.
 */
import type { Rng } from '../numerics/random.ts';
import { axpy, dot } from '../numerics/vector.ts';

/** A zero-mean Gaussian covariance in one of four structured forms. */
export type NoiseShape =
  | { readonly type: 'zero'; readonly size: number }
  | { readonly type: 'isotropic'; readonly size: number; readonly variance: number }
  | { readonly type: 'diagonal'; readonly size: number; readonly variances: Float64Array }
  | { readonly type: 'lowRank'; readonly size: number; readonly rows: readonly Float64Array[] };

/** Validates a shape (sizes, non-negative finite variances) and returns it frozen. */
export function checkShape(shape: NoiseShape, where: string): NoiseShape {
  const bad = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (!Number.isInteger(shape.size) || shape.size < 1) bad(`size must be a positive integer, got ${shape.size}`);
  switch (shape.type) {
    case 'zero':
      break;
    case 'isotropic':
      if (!(shape.variance >= 0) || !Number.isFinite(shape.variance)) bad(`isotropic variance must be finite and ≥ 0, got ${shape.variance}`);
      break;
    case 'diagonal':
      if (shape.variances.length !== shape.size) bad(`diagonal has ${shape.variances.length} variances for size ${shape.size}`);
      shape.variances.forEach((v, i) => {
        if (!(v >= 0) || !Number.isFinite(v)) bad(`diagonal variance ${i} must be finite and ≥ 0, got ${v}`);
      });
      break;
    case 'lowRank':
      shape.rows.forEach((r, k) => {
        if (r.length !== shape.size) bad(`low-rank row ${k} has length ${r.length}, expected ${shape.size}`);
        if (!r.every(Number.isFinite)) bad(`low-rank row ${k} has a non-finite entry`);
      });
      break;
    default:
      bad(`unknown shape type '${(shape as { type: string }).type}'`);
  }
  return Object.freeze(shape);
}

/** Tr of the covariance: the expected squared norm E‖ξ‖² of one draw. */
export function shapeTrace(shape: NoiseShape): number {
  switch (shape.type) {
    case 'zero':
      return 0;
    case 'isotropic':
      return shape.variance * shape.size;
    case 'diagonal':
      return shape.variances.reduce((a, b) => a + b, 0);
    case 'lowRank':
      return shape.rows.reduce((s, r) => s + dot(r, r), 0);
  }
}

/** vᵀΣv for the covariance of `shape`, exact (e.g. uᵀΣ_kind u along a Hessian eigenvector u). */
export function shapeQuadraticForm(shape: NoiseShape, v: ArrayLike<number>): number {
  if (v.length !== shape.size) throw new Error(`shapeQuadraticForm: vector of length ${v.length}, expected ${shape.size}`);
  switch (shape.type) {
    case 'zero':
      return 0;
    case 'isotropic': {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
      return shape.variance * s;
    }
    case 'diagonal': {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += shape.variances[i]! * v[i]! * v[i]!;
      return s;
    }
    case 'lowRank': {
      let s = 0;
      for (const r of shape.rows) {
        let p = 0;
        for (let i = 0; i < v.length; i++) p += r[i]! * v[i]!;
        s += p * p;
      }
      return s;
    }
  }
}

/** s·Σ in the same form (s ≥ 0). */
export function scaleShape(shape: NoiseShape, s: number): NoiseShape {
  if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`scaleShape: factor must be finite and ≥ 0, got ${s}`);
  switch (shape.type) {
    case 'zero':
      return shape;
    case 'isotropic':
      return Object.freeze({ ...shape, variance: shape.variance * s });
    case 'diagonal':
      return Object.freeze({ ...shape, variances: shape.variances.map((v) => v * s) });
    case 'lowRank': {
      const r = Math.sqrt(s);
      return Object.freeze({ ...shape, rows: Object.freeze(shape.rows.map((row) => row.map((x) => x * r))) });
    }
  }
}

/** The covariance as a dense row-major D×D float64 matrix (for tests and tiny problems such as the 2-D toy). */
export function shapeDense(shape: NoiseShape): Float64Array {
  const d = shape.size;
  const out = new Float64Array(d * d);
  switch (shape.type) {
    case 'zero':
      break;
    case 'isotropic':
      for (let i = 0; i < d; i++) out[i * d + i] = shape.variance;
      break;
    case 'diagonal':
      for (let i = 0; i < d; i++) out[i * d + i] = shape.variances[i]!;
      break;
    case 'lowRank':
      for (const r of shape.rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j]! += r[i]! * r[j]!;
      break;
  }
  return out;
}

/** Fills `out` with one draw ξ ~ N(0, Σ_shape) and returns it. */
export function sampleShape<T extends Float32Array | Float64Array>(shape: NoiseShape, rng: Rng, out: T): T {
  if (out.length !== shape.size) throw new Error(`sampleShape: output of length ${out.length}, expected ${shape.size}`);
  switch (shape.type) {
    case 'zero':
      out.fill(0);
      break;
    case 'isotropic': {
      const s = Math.sqrt(shape.variance);
      for (let i = 0; i < out.length; i++) out[i] = s * rng.normal();
      break;
    }
    case 'diagonal':
      for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(shape.variances[i]!) * rng.normal();
      break;
    case 'lowRank': {
      const acc = new Float64Array(shape.size);
      for (const r of shape.rows) axpy(rng.normal(), r, acc);
      out.set(acc);
      break;
    }
  }
  return out;
}
