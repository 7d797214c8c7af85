/** `sgd`: the noise is the minibatch gradient itself; the kind adds nothing but asks for a minibatch gradient. */
import { NO_NEEDS, samplerFromShape, type NoiseKind } from './kind.ts';

/** SGD: a random minibatch gradient replaces the full gradient; ξ = 0 on top of it. */
export const sgd: NoiseKind = Object.freeze<NoiseKind>({
  name: 'sgd',
  description: 'SGD: minibatch gradient (its noise has the gradient covariance), no extra noise',
  needs: () => Object.freeze({ ...NO_NEEDS, minibatchGradient: true }),
  build: (stats) => samplerFromShape('sgd', { type: 'zero', size: stats.size }),
});
