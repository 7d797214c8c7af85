import test from 'ava';
import { samplerFromShape } from './kind.ts';
import { noisyStep, placeSampler } from './placement.ts';
import { shapeDense } from './shape.ts';

const diag = samplerFromShape('gld_diag', { type: 'diagonal', size: 2, variances: Float64Array.of(1, 3) });

test('gradient placement leaves the sampler alone; weights placement rescales the shape to the total variance', (t) => {
  t.is(placeSampler(diag, { kind: 'gradient' }), diag);
  const w = placeSampler(diag, { kind: 'weights', variance: 0.01 });
  t.true(Math.abs(w.trace - 0.01) < 1e-15);
  t.deepEqual(
    Array.from(shapeDense(w.shape), (x) => Math.round(x * 1e6) / 1e6),
    [0.0025, 0, 0, 0.0075],
  );
  t.is(w.kind, 'gld_diag');
  const zero = samplerFromShape('gd', { type: 'zero', size: 2 });
  t.is(placeSampler(zero, { kind: 'weights', variance: 0.01 }), zero);
  const flat = samplerFromShape('gld_dynamic', { type: 'isotropic', size: 2, variance: 0 });
  t.throws(() => placeSampler(flat, { kind: 'weights', variance: 0.01 }), { message: /cannot rescale gld_dynamic noise of trace 0 to total variance 0.01/ });
  t.throws(() => placeSampler(diag, { kind: 'weights', variance: -1 }), { message: /got -1/ });
});

test('noisyStep: θ − η(g + ξ) for gradient placement, θ − ηg + ξ for weights placement', (t) => {
  const g = Float32Array.of(1, -2);
  const xi = Float32Array.of(0.5, 0.25);
  const a = noisyStep(Float32Array.of(1, 1), g, 0.1, xi, { kind: 'gradient' });
  t.deepEqual(
    Array.from(a, (x) => Math.round(x * 1e6) / 1e6),
    [0.85, 1.175],
  );
  const b = noisyStep(Float32Array.of(1, 1), g, 0.1, xi, { kind: 'weights', variance: 1 });
  t.deepEqual(
    Array.from(b, (x) => Math.round(x * 1e6) / 1e6),
    [1.4, 1.45],
  );
  const c = noisyStep(Float32Array.of(1, 1), g, 0.1, undefined, { kind: 'gradient' });
  t.deepEqual(
    Array.from(c, (x) => Math.round(x * 1e6) / 1e6),
    [0.9, 1.2],
  );
  t.throws(() => noisyStep(Float32Array.of(1), g, 0.1, undefined, { kind: 'gradient' }), { message: /gradient length 2 ≠ parameter length 1/ });
});
