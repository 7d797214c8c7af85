import test from 'ava';
import { EXTRA_COLOURS, KIND_STYLES, KIND_ORDER, OKABE_ITO, TOL_MUTED, kindColor, kindDash, kindLabel, kindShape, type KindStyle } from './theme.ts';

/**
 * The colour-blind-safe palettes a kind's colour comes from, and the colours chosen beyond them (stages/noise/style.ts
 * EXTRA_COLOURS); stages/noise/style.test.ts checks every pair under simulated deficiencies.
 */
const SAFE_COLOURS: string[] = [...Object.values(OKABE_ITO), ...Object.values(TOL_MUTED), ...Object.values(EXTRA_COLOURS)];

const expected: [string, string][] = [
  ['gd', 'GD'],
  ['sgd', 'SGD'],
  ['gld_const', 'GLD const'],
  ['gld_dynamic', 'GLD dynamic'],
  ['gld_diag', 'GLD diag'],
  ['gld_leading', 'GLD leading'],
  ['gld_hessian', 'GLD Hessian'],
  ['gld_hessian_top1', 'GLD 1st eigvec(H)'],
  ['gld_full', 'GLD full'],
];

for (const [kind, label] of expected) {
  test(`kind ${kind} is labelled '${label}' and drawn in a colour of the colour-blind-safe palettes`, (t) => {
    t.is(kindLabel(kind), label);
    t.true(SAFE_COLOURS.includes(KIND_STYLES[kind as keyof typeof KIND_STYLES].color));
  });
}

test('the nine kinds have nine distinct colours, and distinct dashes and shapes', (t) => {
  t.deepEqual(
    KIND_ORDER.slice(0, expected.length),
    expected.map(([k]) => k),
    'the paper’s kinds first in the legend, any added kind after them',
  );
  const styles = expected.map(([k]) => KIND_STYLES[k as keyof typeof KIND_STYLES]);
  t.is(new Set(styles.map((s) => s.color)).size, 9);
  t.is(KIND_STYLES.gld_full.color, TOL_MUTED.wine, 'Okabe–Ito has eight: the ninth is Paul Tol’s wine');
  t.is(new Set(styles.map((s) => s.shape)).size, 9);
  t.is(new Set(styles.map((s) => s.dash.join(','))).size, 8, 'gd and sgd are both solid; every GLD kind has its own dash');
});

test('every kind, however many, is drawn unlike every other: its label, its line (colour, dash) and its points (colour, shape)', (t) => {
  const line = (s: KindStyle) => `${s.color} ${s.dash.join(',')}`;
  const points = (s: KindStyle) => `${s.color} ${s.shape}`;
  const kinds = Object.entries(KIND_STYLES);
  for (const [i, [a, sa]] of kinds.entries()) {
    t.true(SAFE_COLOURS.includes(sa.color), `${a}: a colour of the colour-blind-safe palettes`);
    for (const [b, sb] of kinds.slice(i + 1)) {
      t.not(sa.label, sb.label, `${a} and ${b}: labels`);
      t.not(line(sa), line(sb), `${a} and ${b}: lines`);
      t.not(points(sa), points(sb), `${a} and ${b}: points`);
    }
  }
});

test('a kind keeps its colour whatever other kinds a figure shows', (t) => {
  const a = kindColor(['sgd', 'gld_const']) as { scale: { domain: string[]; range: string[] } };
  const b = kindColor(['gld_hessian', 'gld_const', 'gd']) as { scale: { domain: string[]; range: string[] } };
  t.deepEqual(a.scale.domain, ['sgd', 'gld_const']);
  t.is(a.scale.range[1], b.scale.range[1]);
  t.is(a.scale.range[1], OKABE_ITO.orange);
  t.is(b.scale.range[2], OKABE_ITO.black);
  t.deepEqual((kindDash(['gd', 'gld_const']) as { scale: { range: unknown[] } }).scale.range, [[], [6, 3]]);
  t.deepEqual((kindShape(['sgd']) as { scale: { range: unknown[] } }).scale.range, ['square']);
});

test('encodings read the kind field, title the legend and can hide it', (t) => {
  const c = kindColor(['gd'], { field: 'noise', title: 'Kind' });
  t.is(c.field, 'noise');
  t.is(c.type, 'nominal');
  t.is(c.title, 'Kind');
  t.regex(JSON.stringify(c.legend), /labelExpr/);
  t.is(kindColor(['gd'], { legend: false }).legend, null);
});

test('unknown, repeated or missing kinds fail loudly', (t) => {
  t.throws(() => kindColor(['sgd', 'adam']), { message: /unknown noise kind 'adam'; expected one of gd, sgd/ });
  t.throws(() => kindColor(['sgd', 'sgd']), { message: /'sgd' listed twice/ });
  t.throws(() => kindColor([]), { message: /at least one kind/ });
});
