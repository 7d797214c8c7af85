/**
 * The data-free barrier that gives a wanted population barrier: at a sharp-basin scale s, the ΔL₀ (equivalently the
 * flat basin's drop b = dropForBarrier(s, ΔL₀)) whose population loss L̄ has the barrier ΔL̄(s, ΔL₀) = target. SGD's
 * curvature sweep holds ΔL̄ at the base point's value with it, since SGD escapes over L̄'s ridge
 * (stages/toy2d/population.ts). ΔL̄ rises with ΔL₀ (the tests check it over every bracket), so the root is unique:
 * bracketed by stepping out from a start value (doubling the step until the sign changes), checked, then found by
 * Brent's method.
 */
import { brentRoot } from '../numerics/brent.ts';
import { dropForBarrier, toy2dBarrier } from './barrier.ts';
import { populationBarrier } from './population.ts';

/** Tolerance of the root in ΔL₀; ΔL̄ moves by at most about as much (dΔL̄/dΔL₀ ≤ 1 here). */
export const MATCH_TOL = 1e-12;
/** Significant digits the matched ΔL₀ is rounded to (a stable instance parameter; ΔL̄ moves by ~1e−12). */
export const MATCH_DIGITS = 10;
/** Doublings of the bracketing step before giving up. */
const MAX_STEPS = 60;

/** The population barrier at scale s and data-free barrier ΔL₀. */
export const populationDeltaL = (scale: number, dataFree: number) => populationBarrier({ scale, drop: dropForBarrier(scale, dataFree) }).deltaL;

/** A matched point: the data-free ΔL₀, and the bracket the root was found on. */
export interface PopulationMatch {
  readonly dataFree: number;
  readonly bracket: readonly [number, number];
}

/**
 * ΔL₀ at scale s with ΔL̄(s, ΔL₀) = target, starting the bracket search at `start`; `where` names the point in errors.
 * ΔL₀ is kept inside (0, the undropped barrier at s). Throws, naming `where`, if no bracket or no root is found.
 */
export function matchPopulationBarrier(scale: number, target: number, start: number, where: string): PopulationMatch {
  if (!(target > 0)) throw new Error(`${where}: the population barrier to hold must be positive, got ${target}`);
  const top = toy2dBarrier({ scale, drop: 0 }).deltaL * (1 - 1e-9);
  const f = (x: number) => populationDeltaL(scale, x) - target;
  let lo = Math.min(Math.max(start, 1e-9), top);
  let flo = f(lo);
  if (flo === 0) return { dataFree: lo, bracket: [lo, lo] };
  let hi = lo;
  let fhi = flo;
  let step = Math.max(2 * Math.abs(flo), 1e-6);
  for (let i = 0; i < MAX_STEPS && Math.sign(flo) === Math.sign(fhi); i++) {
    // ΔL̄ rises with ΔL₀: step down while above the target, up while below
    if (fhi > 0) {
      hi = lo;
      lo = Math.max(lo - step, 1e-9 * top);
      [fhi, flo] = [flo, f(lo)];
      if (lo <= 1e-9 * top && Math.sign(flo) === Math.sign(fhi)) break;
    } else {
      lo = hi;
      hi = Math.min(hi + step, top);
      [flo, fhi] = [fhi, f(hi)];
      if (hi >= top && Math.sign(flo) === Math.sign(fhi)) break;
    }
    step *= 2;
  }
  if (!(flo < 0 && fhi > 0))
    throw new Error(
      `${where}: no data-free barrier at scale ${scale} gives the population barrier ΔL̄ = ${target} (searched ΔL₀ down to ${lo} and up to ${hi}: ΔL̄ − target = ${flo}, ${fhi})`,
    );
  const root = brentRoot(f, lo, hi, { tol: MATCH_TOL, what: `${where}: ΔL̄(s = ${scale}, ΔL₀) = ${target}` });
  return { dataFree: Number(root.toPrecision(MATCH_DIGITS)), bracket: [lo, hi] };
}

const matched = new Map<string, number>();
const targets = new Map<string, number>();
/** ΔL̄(s₀, ΔL₀), once per process. */
function baseTarget(scale: number, dataFree: number): number {
  const key = `${scale}/${dataFree}`;
  let v = targets.get(key);
  if (v === undefined) targets.set(key, (v = populationDeltaL(scale, dataFree)));
  return v;
}
/**
 * The data-free ΔL₀ of SGD's curvature point at scale s (`curvatures[index]`): the one whose population barrier is
 * the base point's, ΔL̄(s, ΔL₀) = ΔL̄(s₀, barrier); at s₀ itself the configured barrier. Solved once per process and
 * (s, s₀, barrier); throws, naming the config path and the point, if no ΔL₀ gives it.
 */
export function sgdCurvatureBarrier(c: { readonly curvature: number; readonly barrier: number }, scale: number, index: number): number {
  if (scale === c.curvature) return c.barrier;
  const key = `${scale}/${c.curvature}/${c.barrier}`;
  let b = matched.get(key);
  if (b === undefined) {
    const target = baseTarget(c.curvature, c.barrier);
    const where = `toy2d.escapeLaws.curvatures.${index} (SGD at s = ${scale}, holding ΔL̄ = ${target} of s₀ = ${c.curvature}, ΔL₀ = ${c.barrier})`;
    b = matchPopulationBarrier(scale, target, c.barrier, where).dataFree;
    matched.set(key, b);
  }
  return b;
}
