/**
 * How figures draw a noise kind: each kind module declares its `style` from the Okabe–Ito palette, so a kind looks
 * the same in every figure; `stages/report/render/theme.ts` builds its encodings from these.
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

/** How one noise kind is drawn: display name, colour, line dash (`[]` = solid) and point shape. */
export interface KindStyle {
  readonly label: string;
  readonly color: string;
  readonly dash: readonly number[];
  readonly shape: string;
}
