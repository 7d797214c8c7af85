/**
 * Brent's root finder (Brent 1973, *Algorithms for Minimization without Derivatives*, ch. 4; the zbrent form of
 * Numerical Recipes): inverse quadratic interpolation and secant steps, falling back to bisection, on a bracket
 * [a, b] whose ends the caller's f must give opposite signs. Converges whenever bisection would, superlinearly on
 * smooth f.
 */

/** Options of brentRoot: the absolute tolerance in x, the most iterations, and what to name in errors. */
export interface BrentOptions {
  readonly tol?: number;
  readonly maxIter?: number;
  readonly what?: string;
}

/** A root of f in [a, b], to `tol` in x; throws, naming `what` and f at both ends, if f(a) and f(b) have the same sign. Example: `brentRoot((x) => x * x - 2, 0, 2)` ≈ √2. */
export function brentRoot(f: (x: number) => number, a: number, b: number, o: BrentOptions = {}): number {
  const tol = o.tol ?? 1e-12;
  const maxIter = o.maxIter ?? 200;
  const what = o.what ?? 'brentRoot';
  let fa = f(a);
  let fb = f(b);
  if (!Number.isFinite(fa) || !Number.isFinite(fb) || fa * fb > 0) throw new Error(`${what}: no sign change on the bracket [${a}, ${b}]: f = ${fa} and ${fb}`);
  if (fa === 0) return a;
  if (fb === 0) return b;
  let c = b;
  let fc = fb;
  let d = b - a;
  let e = d;
  for (let i = 0; i < maxIter; i++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm >= 0 ? tol1 : -tol1;
    fb = f(b);
    if (!Number.isFinite(fb)) throw new Error(`${what}: f(${b}) = ${fb}`);
  }
  throw new Error(`${what}: no convergence in ${maxIter} iterations (bracket [${Math.min(b, c)}, ${Math.max(b, c)}])`);
}
