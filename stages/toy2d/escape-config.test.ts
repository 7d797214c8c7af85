import test from 'ava';
import { toy2dPaper } from './config.ts';
import { escapeLawsSchema } from './escape-config.ts';

const paths = (value: unknown) => {
  const r = escapeLawsSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('the paper settings parse', (t) => {
  t.deepEqual(paths(toy2dPaper.escapeLaws), []);
});

test('a barrier no drop reaches and a step outside the small-η regime (η·λ_max > 0.2) are errors naming the path', (t) => {
  const bad = {
    ...toy2dPaper.escapeLaws,
    barriers: [0.05, 7],
    gldBarriers: [8],
    lr: 0.0008,
    curvatures: [1, 1.3],
    ratios: [
      { batch: 1, lr: 0.001 },
      { batch: 1, lr: 0.0011 },
    ],
  };
  const p = paths(bad);
  t.true(
    p.some((m) => m.startsWith('barriers.1: ') && /ΔL = 7 exceeds/.test(m)),
    p.join('\n'),
  );
  t.true(
    p.some((m) => m.startsWith('gldBarriers.0: ') && /ΔL = 8 exceeds/.test(m)),
    p.join('\n'),
  );
  t.true(
    p.some((m) => m.startsWith('curvatures.1: ') && /exceeds 0.2: outside the small-learning-rate regime/.test(m)),
    p.join('\n'),
  );
  t.true(
    p.some((m) => m.startsWith('ratios.1.lr: ') && /exceeds 0.2/.test(m)),
    p.join('\n'),
  );
  // η·λ_max = 0.2 exactly (η = 0.001 at s = 1) is inside the regime, and so is 0.0008·200 = 0.16
  t.false(p.some((m) => m.startsWith('ratios.0') || m.startsWith('curvatures.0') || m.startsWith('lr')));
  t.false(p.some((m) => m.startsWith('barriers.0')));
});

test('a scale at or below 0.1 (the saddle leaves the diagonal) is refused', (t) => {
  t.true(paths({ ...toy2dPaper.escapeLaws, curvatures: [0.1] }).some((m) => m.startsWith('curvatures.0')));
});

test('an SGD curvature point whose population barrier cannot be held is a zod error naming curvatures.i', (t) => {
  // ΔL₀ = 0.006 at s₀ = 1 has ΔL̄ = 0: no point of the curvature sweep can hold it
  const p = paths({ ...toy2dPaper.escapeLaws, barrier: 0.006, curvatures: [1, 1.1] });
  t.true(
    p.some((m) => m.startsWith('curvatures.1: toy2d.escapeLaws.curvatures.1 (SGD at s = 1.1')),
    p.join('\n'),
  );
  t.false(p.some((m) => m.startsWith('curvatures.0')));
});
