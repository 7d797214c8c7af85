/** Adam (Kingma & Ba) on a flat parameter vector, state in float64. */

/** Adam's hyper-parameters. */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Adam state for a vector of `size` parameters; `step` applies one update in place. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;

  /** Fresh state (zero moments). */
  constructor(size: number, opts: AdamOptions = {}) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
  }

  /** w ← w − lr·m̂/(√v̂ + ε) with bias-corrected moments of the gradients seen so far. */
  step(w: Float32Array, grad: ArrayLike<number>, lr: number): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < w.length; i++) {
      const g = grad[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      w[i] = w[i]! - (lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + this.eps);
    }
  }
}
