/** Parameter initialisers for sequential models (each consumes the Rng in parameter-layout order). */
import type { ParamInit } from './sequential.ts';

/** Every entry (weights and biases) from normal(0, std) truncated at `bound` standard deviations. */
export function truncatedNormalInit(std: number, bound = 2): ParamInit {
  return (role, rng) => {
    const out = new Float32Array(role.spec.size);
    for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal(std, bound);
    return out;
  };
}

/** Every entry uniform(±bound). Example: the released one-hidden-layer code's flat variable, `uniformInit(0.1)`. */
export function uniformInit(bound: number): ParamInit {
  return (role, rng) => {
    const out = new Float32Array(role.spec.size);
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
    return out;
  };
}

/** PyTorch's default for Linear and Conv2d: weights and biases uniform(±1/√fan_in). */
export const uniformFanInInit: ParamInit = (role, rng) => {
  const bound = 1 / Math.sqrt(role.fanIn);
  const out = new Float32Array(role.spec.size);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
};

/**
 * The usual VGG-CIFAR initialisation: conv weights normal(0, 2/(kh·kw·out_channels)) (Kaiming, fan-out), conv biases
 * 0; dense layers as `uniformFanInInit`.
 */
export const vggInit: ParamInit = (role, rng) => {
  if (role.kind === 'dense') return uniformFanInInit(role, rng);
  if (role.role === 'bias') return new Float32Array(role.spec.size);
  return rng.fillNormal(new Float32Array(role.spec.size), 0, Math.sqrt(2 / role.fanOut));
};

/** Weights normal(0, gain/√fan_in), biases normal(0, 0.1): a generic smooth init for small test models. */
export function scaledNormalInit(gain = 1): ParamInit {
  return (role, rng) => {
    const std = role.role === 'bias' ? 0.1 : gain / Math.sqrt(role.fanIn);
    return rng.fillNormal(new Float32Array(role.spec.size), 0, std);
  };
}
