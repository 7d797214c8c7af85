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

test('a barrier no drop reaches and an unstable step are errors naming the path', (t) => {
  const bad = { ...toy2dPaper.escapeLaws, barriers: [0.05, 7], curvatures: [1, 2.5], ratios: [{ batch: 1, lr: 0.011 }] };
  const p = paths(bad);
  t.true(
    p.some((m) => m.startsWith('barriers.1: ') && /ΔL = 7 exceeds/.test(m)),
    p.join('\n'),
  );
  t.true(
    p.some((m) => m.startsWith('curvatures.1: ') && /diverges/.test(m)),
    p.join('\n'),
  );
  t.true(
    p.some((m) => m.startsWith('ratios.0.lr: ') && /diverges/.test(m)),
    p.join('\n'),
  );
  t.false(p.some((m) => m.startsWith('barriers.0')));
});

test('a scale at or below 0.1 (the saddle leaves the diagonal) is refused', (t) => {
  t.true(paths({ ...toy2dPaper.escapeLaws, curvatures: [0.1] }).some((m) => m.startsWith('curvatures.0')));
});
