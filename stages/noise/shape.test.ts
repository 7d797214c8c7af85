import test from 'ava';
import { Rng } from '../numerics/random.ts';
import { checkShape, sampleShape, scaleShape, shapeDense, shapeQuadraticForm, shapeTrace, type NoiseShape } from './shape.ts';

const shapes: NoiseShape[] = [
  { type: 'zero', size: 3 },
  { type: 'isotropic', size: 3, variance: 0.5 },
  { type: 'diagonal', size: 3, variances: Float64Array.of(1, 2, 3) },
  { type: 'lowRank', size: 3, rows: [Float64Array.of(1, 1, 0), Float64Array.of(0, 2, 1)] },
];

test('trace, dense form and scaling agree for every shape', (t) => {
  for (const s of shapes) {
    const dense = shapeDense(s);
    t.true(Math.abs(shapeTrace(s) - (dense[0]! + dense[4]! + dense[8]!)) < 1e-15, s.type);
    const scaled = shapeDense(scaleShape(s, 3));
    dense.forEach((x, i) => t.true(Math.abs(scaled[i]! - 3 * x) < 1e-12, `${s.type} entry ${i}`));
  }
  t.deepEqual(Array.from(shapeDense(shapes[3]!)), [1, 1, 0, 1, 5, 2, 0, 2, 1]);
});

test('quadratic form vᵀΣv agrees with the dense form for every shape', (t) => {
  const v = Float64Array.of(0.3, -1.2, 2);
  for (const s of shapes) {
    const dense = shapeDense(s);
    let ref = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) ref += v[i]! * dense[i * 3 + j]! * v[j]!;
    t.true(Math.abs(shapeQuadraticForm(s, v) - ref) < 1e-12, `${s.type}: ${shapeQuadraticForm(s, v)} vs ${ref}`);
  }
  t.throws(() => shapeQuadraticForm(shapes[1]!, [1, 2]), { message: /vector of length 2, expected 3/ });
});

test('samples have the right second moments (5 sampling sd per entry)', (t) => {
  const draws = 40_000;
  for (const s of shapes) {
    const target = shapeDense(s);
    const rng = new Rng(3);
    const xi = new Float64Array(3);
    const m = new Float64Array(9);
    for (let r = 0; r < draws; r++) {
      sampleShape(s, rng, xi);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[i * 3 + j]! += (xi[i]! * xi[j]!) / draws;
    }
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const sd = Math.sqrt((target[i * 3 + j]! ** 2 + target[i * 3 + i]! * target[j * 3 + j]!) / draws);
        t.true(Math.abs(m[i * 3 + j]! - target[i * 3 + j]!) <= 5 * sd + 1e-15, `${s.type} (${i}, ${j})`);
      }
    }
  }
});

test('invalid shapes are named', (t) => {
  t.throws(() => checkShape({ type: 'isotropic', size: 2, variance: -1 }, 'here'), { message: 'here: isotropic variance must be finite and ≥ 0, got -1' });
  t.throws(() => checkShape({ type: 'diagonal', size: 2, variances: Float64Array.of(1) }, 'here'), { message: /1 variances for size 2/ });
  t.throws(() => checkShape({ type: 'lowRank', size: 2, rows: [Float64Array.of(1)] }, 'here'), { message: /row 0 has length 1, expected 2/ });
  t.throws(() => sampleShape(shapes[0]!, new Rng(1), new Float32Array(2)), { message: /output of length 2, expected 3/ });
  t.throws(() => scaleShape(shapes[1]!, -2), { message: /got -2/ });
});
