/**
 * An independent float64 implementation of the tiny conv net of tiny.ts (conv 3×3 1→2 valid on 6×6 → max-pool 2 →
 * ReLU → flatten (h, w, c) → dense 8→3 → softmax cross-entropy), with a hand-written backward pass and an
 * "activation pattern" (max-pool argmaxes and ReLU signs) to tell whether two parameter vectors lie in the same
 * smooth piece. Used only by tests, as a reference for the tfjs gradients and Hessians.
 */

/** Inputs (n×36, row-major 6×6 images) and int labels in [0, 3). */
export interface TinyData {
  readonly x: Float64Array;
  readonly y: Int32Array;
}

/** Mean loss, its gradient (float64, tiny.ts parameter layout) and the activation pattern at w. */
export function tinyLossAndGrad(w: ArrayLike<number>, data: TinyData): { loss: number; grad: Float64Array; pattern: string } {
  // layout: conv.weight [3,3,1,2] (18) | conv.bias [2] | fc.weight [8,3] (24) | fc.bias [3]
  const W1 = (a: number, b: number, c: number) => w[(a * 3 + b) * 2 + c]!;
  const b1 = (c: number) => w[18 + c]!;
  const W2 = (k: number, o: number) => w[20 + k * 3 + o]!;
  const b2 = (o: number) => w[44 + o]!;
  const n = data.y.length;
  const grad = new Float64Array(47);
  let loss = 0;
  let pattern = '';
  for (let s = 0; s < n; s++) {
    const img = (r: number, q: number) => data.x[s * 36 + r * 6 + q]!;
    // conv: z[i][j][c], 4×4×2
    const z = new Float64Array(32);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++)
        for (let c = 0; c < 2; c++) {
          let acc = b1(c);
          for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) acc += img(i + a, j + b) * W1(a, b, c);
          z[(i * 4 + j) * 2 + c] = acc;
        }
    // max-pool 2 (first maximum in row-major order) → 2×2×2, then ReLU; h index (i*2+j)*2+c
    const arg = new Int32Array(8);
    const h = new Float64Array(8);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let c = 0; c < 2; c++) {
          let best = -Infinity;
          let bi = -1;
          for (let a = 0; a < 2; a++)
            for (let b = 0; b < 2; b++) {
              const idx = ((2 * i + a) * 4 + 2 * j + b) * 2 + c;
              if (z[idx]! > best) {
                best = z[idx]!;
                bi = idx;
              }
            }
          const k = (i * 2 + j) * 2 + c;
          arg[k] = bi;
          h[k] = Math.max(0, best);
          pattern += `${bi}${best > 0 ? '+' : '-'}`;
        }
    // dense + softmax cross-entropy
    const logits = [0, 1, 2].map((o) => b2(o) + h.reduce((acc, hk, k) => acc + hk * W2(k, o), 0));
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const sum = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / sum);
    loss += Math.log(sum) + m - logits[data.y[s]!]!;
    // backward
    const dl = p.map((pv, o) => (pv - (o === data.y[s] ? 1 : 0)) / n);
    for (let o = 0; o < 3; o++) {
      grad[44 + o] = grad[44 + o]! + dl[o]!;
      for (let k = 0; k < 8; k++) grad[20 + k * 3 + o] = grad[20 + k * 3 + o]! + h[k]! * dl[o]!;
    }
    for (let k = 0; k < 8; k++) {
      if (h[k]! <= 0) continue;
      const dh = dl.reduce((acc, d, o) => acc + d * W2(k, o), 0);
      const idx = arg[k]!;
      const c = idx % 2;
      const j = ((idx - c) / 2) % 4;
      const i = Math.floor((idx - c) / 8);
      grad[18 + c] = grad[18 + c]! + dh;
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          const g = (a * 3 + b) * 2 + c;
          grad[g] = grad[g]! + img(i + a, j + b) * dh;
        }
    }
  }
  return { loss: loss / n, grad, pattern };
}

/**
 * The Hessian (row-major 47×47) by central differences of the float64 gradient with step `eps`; throws if a step
 * crosses a kink (the activation pattern changes), since the difference would then be meaningless.
 */
export function tinyHessianByDifferences(w: ArrayLike<number>, data: TinyData, eps = 1e-6): Float64Array {
  const D = 47;
  const base = tinyLossAndGrad(w, data).pattern;
  const H = new Float64Array(D * D);
  const wp = Float64Array.from(w);
  for (let j = 0; j < D; j++) {
    wp[j] = w[j]! + eps;
    const plus = tinyLossAndGrad(wp, data);
    wp[j] = w[j]! - eps;
    const minus = tinyLossAndGrad(wp, data);
    wp[j] = w[j]!;
    if (plus.pattern !== base || minus.pattern !== base) {
      throw new Error(`tinyHessianByDifferences: a ±${eps} step in parameter ${j} crosses a kink`);
    }
    for (let i = 0; i < D; i++) H[i * D + j] = (plus.grad[i]! - minus.grad[i]!) / (2 * eps);
  }
  return H;
}
