/**
 * Plain float64 loop implementations of conv2d and max-pooling (NHWC, stride 1 conv, tiling pools), used only as
 * independent references in tests.
 */

/** Shape [n, h, w, c] and row-major values of an NHWC array. */
export interface Nhwc {
  readonly shape: readonly [number, number, number, number];
  readonly data: ArrayLike<number>;
}

/** y[n,i,j,co] = Σ xpad[n,i+a,j+b,ci] W[a,b,ci,co] for a stride-1 conv with symmetric zero padding `pad`. */
export function refConv2d(x: Nhwc, w: Nhwc, pad: number): Float64Array {
  const [n, H, W, ci] = x.shape;
  const [kh, kw, ci2, co] = w.shape;
  if (ci !== ci2) throw new Error(`refConv2d: ${ci} input channels but filter expects ${ci2}`);
  const Ho = H + 2 * pad - kh + 1;
  const Wo = W + 2 * pad - kw + 1;
  const out = new Float64Array(n * Ho * Wo * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++)
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let a = 0; a < kh; a++) {
            const r = i + a - pad;
            if (r < 0 || r >= H) continue;
            for (let c = 0; c < kw; c++) {
              const q = j + c - pad;
              if (q < 0 || q >= W) continue;
              for (let k = 0; k < ci; k++) {
                s += x.data[((b * H + r) * W + q) * ci + k]! * w.data[((a * kw + c) * ci + k) * co + o]!;
              }
            }
          }
          out[((b * Ho + i) * Wo + j) * co + o] = s;
        }
  return out;
}

/** dW[a,b,ci,co] = Σ xpad[n,i+a,j+b,ci] dy[n,i,j,co] for the conv of `refConv2d`. */
export function refConv2dFilterGrad(x: Nhwc, dy: Nhwc, kh: number, kw: number, pad: number): Float64Array {
  const [n, H, W, ci] = x.shape;
  const [, Ho, Wo, co] = dy.shape;
  const out = new Float64Array(kh * kw * ci * co);
  for (let a = 0; a < kh; a++)
    for (let c = 0; c < kw; c++)
      for (let k = 0; k < ci; k++)
        for (let o = 0; o < co; o++) {
          let s = 0;
          for (let b = 0; b < n; b++)
            for (let i = 0; i < Ho; i++) {
              const r = i + a - pad;
              if (r < 0 || r >= H) continue;
              for (let j = 0; j < Wo; j++) {
                const q = j + c - pad;
                if (q < 0 || q >= W) continue;
                s += x.data[((b * H + r) * W + q) * ci + k]! * dy.data[((b * Ho + i) * Wo + j) * co + o]!;
              }
            }
          out[((a * kw + c) * ci + k) * co + o] = s;
        }
  return out;
}

/** For k×k tiling max-pooling of x: the flat index (into x) of each window's first maximum, in output order. */
export function refMaxPoolArgmax(x: Nhwc, k: number): Int32Array {
  const [n, H, W, c] = x.shape;
  const h = Math.floor(H / k);
  const w = Math.floor(W / k);
  const out = new Int32Array(n * h * w * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let arg = -1;
          for (let a = 0; a < k; a++)
            for (let e = 0; e < k; e++) {
              const idx = ((b * H + i * k + a) * W + j * k + e) * c + ch;
              if (x.data[idx]! > best) {
                best = x.data[idx]!;
                arg = idx;
              }
            }
          out[((b * h + i) * w + j) * c + ch] = arg;
        }
  return out;
}

/** dx[n,r,q,ci] = Σ dy[n,i,j,co] W[a,b,ci,co] over i+a−pad = r, j+b−pad = q: the input gradient of `refConv2d`. */
export function refConv2dInputGrad(dy: Nhwc, w: Nhwc, H: number, W: number, pad: number): Float64Array {
  const [n, Ho, Wo, co] = dy.shape;
  const [kh, kw, ci] = w.shape;
  const out = new Float64Array(n * H * W * ci);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++)
        for (let a = 0; a < kh; a++) {
          const r = i + a - pad;
          if (r < 0 || r >= H) continue;
          for (let c = 0; c < kw; c++) {
            const q = j + c - pad;
            if (q < 0 || q >= W) continue;
            for (let k = 0; k < ci; k++) {
              let s = 0;
              for (let o = 0; o < co; o++) s += dy.data[((b * Ho + i) * Wo + j) * co + o]! * w.data[((a * kw + c) * ci + k) * co + o]!;
              const idx = ((b * H + r) * W + q) * ci + k;
              out[idx] = out[idx]! + s;
            }
          }
        }
  return out;
}
