/**
 * Every noise kind has a colour of its own, and every two kinds' colours stay apart for colour-blind readers: under
 * the simulations of protanopia, deuteranopia and tritanopia of Machado, Oliveira & Fernandes (2009, severity 1) the
 * CIEDE2000 difference of every pair is at least MIN_DELTA_E. The simulation matrices and ΔE come from culori; the
 * first two tests check them against the paper's published matrix and Sharma et al.'s (2005) CIEDE2000 test data.
 */
import test from 'ava';
import { converter, differenceCiede2000, filterDeficiencyDeuter, filterDeficiencyProt, filterDeficiencyTrit, type Color } from 'culori';
import { NOISE_KINDS } from './registry.ts';

/**
 * The least CIEDE2000 difference allowed between two kinds' colours, for any kind of vision. Okabe–Ito's own eight
 * colours get down to 10.7 (orange and vermillion under tritanopia), so this asks as much of every colour added.
 */
const MIN_DELTA_E = 10;

const toLinear = converter('lrgb');
const toRgb = converter('rgb');
const deltaE = differenceCiede2000();
const clamp = (v: number) => Math.min(1, Math.max(0, v));
type Simulate = (color: string) => Color;

/**
 * A deficiency as Machado et al. define it, a 3×3 matrix on linear RGB; culori's filters apply their matrix to the
 * numbers of an `rgb` colour, so the linear values are handed over as one. Results out of gamut are clamped.
 */
const onLinear =
  (filter: (c: Color) => Color): Simulate =>
  (color) => {
    const l = toLinear(color)!;
    const s = filter({ mode: 'rgb', r: l.r, g: l.g, b: l.b }) as { r: number; g: number; b: number };
    return toRgb({ mode: 'lrgb', r: clamp(s.r), g: clamp(s.g), b: clamp(s.b) });
  };

/** The same matrix on gamma-encoded sRGB, as culori and many colour tools apply it: the palette must pass both. */
const onEncoded =
  (filter: (c: Color) => Color): Simulate =>
  (color) => {
    const s = filter(toRgb(color)!) as { r: number; g: number; b: number };
    return { mode: 'rgb', r: clamp(s.r), g: clamp(s.g), b: clamp(s.b) };
  };

const DEFICIENCIES = { protanopia: filterDeficiencyProt(1), deuteranopia: filterDeficiencyDeuter(1), tritanopia: filterDeficiencyTrit(1) };
const VISIONS: Record<string, Simulate> = {
  normal: (color) => toRgb(color)!,
  ...Object.fromEntries(
    Object.entries(DEFICIENCIES).flatMap(([name, f]) => [
      [`${name} (linear RGB)`, onLinear(f)],
      [`${name} (sRGB)`, onEncoded(f)],
    ]),
  ),
};

test('the deuteranopia simulation is Machado et al.’s severity-1 matrix on linear RGB', (t) => {
  // The paper's deuteranopia matrix (severity 1.0), first column: what pure red becomes.
  const red = toLinear(onLinear(filterDeficiencyDeuter(1))('#ff0000'))!;
  t.true(Math.abs(red.r - 0.367322) < 1e-6 && Math.abs(red.g - 0.280085) < 1e-6 && red.b === 0, JSON.stringify(red));
});

test('ΔE is CIEDE2000 on D65 Lab (Sharma, Wu & Dalal 2005, test pairs 1 and 7)', (t) => {
  const lab = (l: number, a: number, b: number): Color => ({ mode: 'lab65', l, a, b });
  t.is(Number(deltaE(lab(50, 2.6772, -79.7751), lab(50, 0, -82.7485)).toFixed(4)), 2.0425);
  t.is(Number(deltaE(lab(50, 0, 0), lab(50, -1, 2)).toFixed(4)), 2.3669);
});

test('every noise kind has a colour no other kind has', (t) => {
  const colors = Object.values(NOISE_KINDS).map((k) => k.style.color.toUpperCase());
  t.is(new Set(colors).size, colors.length, colors.join(' '));
});

for (const [vision, simulate] of Object.entries(VISIONS)) {
  test(`every two kinds' colours differ by ΔE2000 ≥ ${MIN_DELTA_E} for ${vision} vision`, (t) => {
    const kinds = Object.entries(NOISE_KINDS).map(([name, k]) => ({ name, seen: simulate(k.style.color) }));
    const close: string[] = [];
    for (const [i, a] of kinds.entries()) {
      for (const b of kinds.slice(i + 1)) {
        const d = deltaE(a.seen, b.seen);
        if (d < MIN_DELTA_E) close.push(`${a.name} and ${b.name}: ${d.toFixed(1)}`);
      }
    }
    t.deepEqual(close, []);
  });
}
