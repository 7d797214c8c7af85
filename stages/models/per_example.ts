/**
 * Per-example weight gradients of dense and conv layers from a layer's input a and the gradient dz of the summed
 * loss with respect to its pre-activation output (one backward pass for the whole batch gives every dz).
 *
 * - dense  z = aW + b:  ∇_W ℓᵢ = aᵢ ⊗ dzᵢ (a batched outer product), ∇_b ℓᵢ = dzᵢ.
 * - conv   z = conv(a, W) + b (stride 1): ∇_W ℓᵢ[p,q,c,o] = Σ_{r,s} apad[i,r+p,s+q,c] dz[i,r,s,o], computed for all i at
 *   once as ONE depthwise conv: the examples×channels of a become depthwise channels, and dz (repeated over c) is
 *   the filter with channel multiplier co. ∇_b ℓᵢ = Σ_{r,s} dz[i,r,s,:].
 */
import { tf } from '../tf/tfjs.ts';
import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { convPads, explicitPadding } from '../tf/kernels/kernel_util.ts';
import { transposeMerged } from '../tf/ops.ts';

/** Per-example gradients of a dense layer's weight [nin, nout], flattened: a [n, nin], dz [n, nout] → [n, nin·nout]. */
export function perExampleDenseWeightGrads(a: Tensor2D, dz: Tensor2D): Tensor2D {
  const [n, nin] = a.shape;
  const nout = dz.shape[1];
  return tf.tidy(() => tf.reshape(tf.mul(tf.reshape(a, [n, nin, 1]), tf.reshape(dz, [n, 1, nout])), [n, nin * nout]));
}

/**
 * Per-example gradients of a stride-1 conv filter [kh, kw, ci, co], flattened row-major: a [n, H, W, ci] and
 * dz [n, Ho, Wo, co] → [n, kh·kw·ci·co]. `pad` is the conv's padding rule ('valid', 'same', …).
 */
export function perExampleConvFilterGrads(a: Tensor4D, dz: Tensor4D, kh: number, kw: number, pad: 'valid' | 'same'): Tensor2D {
  const [n, H, W, ci] = a.shape;
  const [n2, Ho, Wo, co] = dz.shape;
  if (n2 !== n) throw new Error(`perExampleConvFilterGrads: ${n} inputs but ${n2} output gradients`);
  const pads = convPads(a.shape, [kh, kw, ci, co], pad, undefined);
  return tf.tidy(() => {
    const input = tf.reshape(transposeMerged(a, [1, 2, 0, 3]), [1, H, W, n * ci]) as Tensor4D;
    let filter: Tensor = transposeMerged(dz, [1, 2, 0, 3]); // [Ho, Wo, n, co]
    // repeat over the ci input channels; a 3-D broadcast against ones (tf.broadcastTo is ~40× slower on wasm)
    if (ci > 1) filter = tf.mul(tf.reshape(filter, [Ho * Wo * n, 1, co]), tf.ones([1, ci, 1]));
    const out = tf.depthwiseConv2d(input, tf.reshape(filter, [Ho, Wo, n * ci, co]) as Tensor4D, 1, explicitPadding(pads));
    // out: [1, kh, kw, (i·ci + c)·co + o]
    return tf.reshape(transposeMerged(tf.reshape(out, [kh, kw, n, ci, co]), [2, 0, 1, 3, 4]), [n, kh * kw * ci * co]);
  });
}

/** Per-example bias gradients of a conv layer: dz [n, Ho, Wo, co] → [n, co]. */
export function perExampleConvBiasGrads(dz: Tensor4D): Tensor2D {
  return tf.sum(dz, [1, 2]) as Tensor2D;
}
