import test from 'ava';
import { contourLines } from './contour.ts';

test('contours of a radial function are circles of the right radius, in data coordinates', (t) => {
  const axis = Array.from({ length: 81 }, (_, i) => -2 + (4 * i) / 80);
  const values: number[] = [];
  for (const y of axis) for (const x of axis) values.push(x * x + y * y);
  const pts = contourLines({ x: axis, y: axis, values }, [1, 2.25]);
  for (const [level, r] of [
    [1, 1],
    [2.25, 1.5],
  ] as const) {
    const ring = pts.filter((p) => p.level === level);
    t.true(ring.length > 20, `level ${level} has points`);
    for (const p of ring) t.true(Math.abs(Math.hypot(p.x, p.y) - r) < 0.01, `point ${p.x},${p.y} on radius ${r}`);
  }
});

test('a level set that meets the border is cut there instead of following the border', (t) => {
  const axis = Array.from({ length: 11 }, (_, i) => i / 10);
  const values: number[] = [];
  for (const _y of axis) for (const x of axis) values.push(x);
  const pts = contourLines({ x: axis, y: axis, values }, [0.55]);
  t.true(pts.length > 0);
  for (const p of pts) t.true(Math.abs(p.x - 0.55) < 1e-9, `x = ${p.x}`);
  t.is(new Set(pts.map((p) => p.line)).size, 1);
});
