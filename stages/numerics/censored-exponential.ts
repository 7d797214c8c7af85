/**
 * Mean waiting time from right-censored runs under an exponential model: each run either escapes at time tᵢ or is
 * censored at its horizon cᵢ (it never escaped by then; it is kept, not dropped). With d escapes and total time at risk
 * T = Σ min(tᵢ, cᵢ), the log-likelihood is ℓ(λ) = d·log λ − λT, the MLE λ̂ = d/T and the mean τ̂ = 1/λ̂ = T/d.
 * The interval is the likelihood-ratio one: {λ : 2(ℓ(λ̂) − ℓ(λ)) ≤ χ²₁(level)}, in x = λT the roots of
 * d·log(x/d) − (x − d) = −χ²/2 (with d = 0: ℓ = −λT, so λ ∈ [0, χ²/(2T)] and τ's upper end is infinite).
 */
import { zForLevel } from './normal.ts';

/** The rate, the mean time, and their intervals; `tauUpper` is Infinity when no run escaped. */
export interface CensoredEstimate {
  readonly escapes: number;
  readonly censored: number;
  readonly timeAtRisk: number;
  readonly rate: number;
  readonly rateLower: number;
  readonly rateUpper: number;
  /** T/d; Infinity with no escapes. */
  readonly tau: number;
  readonly tauLower: number;
  readonly tauUpper: number;
}

/** The root in (lo, hi) of a function that changes sign there, by bisection to relative precision 1e−13. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  const fa = f(a);
  for (let i = 0; i < 200 && b - a > 1e-13 * Math.max(1, Math.abs(b)); i++) {
    const m = 0.5 * (a + b);
    if (f(m) * fa > 0) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}

/**
 * The estimate from escape times (`times[i]`, meaningful where `escaped[i]`) and each run's horizon (censoring time).
 * Example: `censoredExponential([10, 30], [1, 0], [100, 30])` — one escape at 10, one run censored at 30: τ̂ = 40.
 */
export function censoredExponential(
  times: ArrayLike<number>,
  escaped: ArrayLike<number | boolean>,
  horizons: ArrayLike<number> | number,
  level = 0.95,
): CensoredEstimate {
  const n = times.length;
  if (escaped.length !== n) throw new Error(`censoredExponential: ${n} times but ${escaped.length} escape flags`);
  if (n === 0) throw new Error('censoredExponential: no runs');
  let d = 0;
  let T = 0;
  for (let i = 0; i < n; i++) {
    const c = typeof horizons === 'number' ? horizons : horizons[i]!;
    if (!(c > 0)) throw new Error(`censoredExponential: run ${i} has horizon ${c}, expected > 0`);
    if (escaped[i]) {
      const t = times[i]!;
      if (!(t >= 0 && t <= c)) throw new Error(`censoredExponential: run ${i} escaped at ${t}, outside [0, ${c}]`);
      d++;
      T += t;
    } else T += c;
  }
  if (!(T > 0)) throw new Error('censoredExponential: no time at risk');
  const z = zForLevel(level);
  const half = (z * z) / 2; // χ²₁(level)/2
  let xLo: number;
  let xHi: number;
  if (d === 0) {
    xLo = 0;
    xHi = half;
  } else {
    const g = (x: number) => d * Math.log(x / d) - (x - d) + half;
    xLo = bisect(g, Number.MIN_VALUE, d);
    let top = 2 * d + 10;
    while (g(top) > 0) top *= 2;
    xHi = bisect(g, d, top);
  }
  const rate = d / T;
  const rateLower = xLo / T;
  const rateUpper = xHi / T;
  return {
    escapes: d,
    censored: n - d,
    timeAtRisk: T,
    rate,
    rateLower,
    rateUpper,
    tau: d === 0 ? Number.POSITIVE_INFINITY : T / d,
    tauLower: 1 / rateUpper,
    tauUpper: rateLower === 0 ? Number.POSITIVE_INFINITY : 1 / rateLower,
  };
}
