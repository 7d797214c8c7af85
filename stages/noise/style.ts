/**
 * How figures draw a noise kind: each kind module declares its `style`, a colour of its own from the colour-blind-safe
 * palettes below (Okabe–Ito's eight, then Paul Tol's muted ones), so a kind looks the same in every figure;
 * `stages/report/render/theme.ts` builds its encodings from these. style.test.ts checks that every two kinds' colours
 * stay apart for normal vision and under simulated protanopia, deuteranopia and tritanopia.
 */

/** The Okabe–Ito palette (Okabe & Ito 2008), in its usual order. */
export const OKABE_ITO = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  black: '#000000',
} as const;

/**
 * Paul Tol's muted palette (his "Colour schemes and templates", 2021), made to stay distinct for colour-blind
 * readers; for kinds beyond Okabe–Ito's eight. Of its colours, wine and indigo stay farthest from Okabe–Ito's under
 * every simulated deficiency (CIEDE2000 ΔE ≥ 17.5 and ≥ 13.5); each of the others comes within 7.2 of one of them.
 */
export const TOL_MUTED = {
  indigo: '#332288',
  cyan: '#88CCEE',
  teal: '#44AA99',
  green: '#117733',
  olive: '#999933',
  sand: '#DDCC77',
  rose: '#CC6677',
  wine: '#882255',
  purple: '#AA4499',
} as const;

/**
 * Colours chosen beyond both palettes, each checked by style.test.ts against every kind's colour under every simulated
 * deficiency: forest, a dark green (ΔE2000 ≥ 15 from Okabe–Ito's eight, Tol's wine and indigo, white and mid grey).
 */
export const EXTRA_COLOURS = {
  forest: '#005522',
} as const;

/** How one noise kind is drawn: display name, colour, line dash (`[]` = solid) and point shape. */
export interface KindStyle {
  readonly label: string;
  readonly color: string;
  readonly dash: readonly number[];
  readonly shape: string;
}
