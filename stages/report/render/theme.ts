/**
 * The one look every report figure shares: a Vega-Lite `config` (fonts, axes, legend, white background) and a fixed,
 * colour-blind-safe style per noise kind (a colour of its own from Okabe–Ito's palette or Paul Tol's muted one, dash
 * pattern, point shape) so a kind looks the same in every figure. Builders encode `color`/`strokeDash`/`shape` with the helpers below instead of picking colours.
 */
import type { NoiseKindName } from '../../noise/kind.ts';
import { NOISE_KINDS, type NoiseKinds } from '../../noise/registry.ts';
import { EXTRA_COLOURS, OKABE_ITO, TOL_MUTED, type KindStyle } from '../../noise/style.ts';
import type { VegaLiteSpec } from '../document.ts';

// The palette and the style type live with the kinds (each declares its style); re-exported for figure builders.
export { EXTRA_COLOURS, OKABE_ITO, TOL_MUTED, type KindStyle };

/** Font stack of every figure; DejaVu Sans is what the PNG renderer loads (see png.ts), browsers fall back. */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** The style of every kind of `kinds`, in its order (the legend order). Example: `kindStyles(NOISE_KINDS).sgd.label === 'SGD'`. */
export function kindStyles<R extends NoiseKinds>(kinds: R): { readonly [K in keyof R]: KindStyle } {
  return Object.freeze(Object.fromEntries(Object.entries(kinds).map(([name, kind]) => [name, kind.style]))) as { readonly [K in keyof R]: KindStyle };
}

/** The fixed style of every registered noise kind, each its own colour; the key order is the legend order. Example: `KIND_STYLES.sgd.label === 'SGD'`. */
export const KIND_STYLES: Readonly<Record<NoiseKindName, KindStyle>> = kindStyles(NOISE_KINDS);

/** Every noise kind in legend order. */
export const KIND_ORDER: readonly NoiseKindName[] = Object.freeze(Object.keys(KIND_STYLES) as NoiseKindName[]);

/** Options of the encoding helpers: the data field holding the kind id and the legend title. */
export interface KindEncodingOptions {
  /** Record key whose values are kind ids (default `kind`). */
  field?: string;
  /** Legend title (default `Noise`); `null` hides the title. */
  title?: string | null;
  /** `false` hides the legend of this channel (e.g. when `color` already shows one). */
  legend?: boolean;
}

/** The style of a kind (from `styles`, default every registered kind's), or an error naming the unknown kind and the known ones. */
export function kindStyle(kind: string, styles: Readonly<Record<string, KindStyle>> = KIND_STYLES): KindStyle {
  const style = Object.hasOwn(styles, kind) ? styles[kind] : undefined;
  if (!style) throw new Error(`unknown noise kind '${kind}'; expected one of ${Object.keys(styles).join(', ')}`);
  return style;
}

/** The display name of a kind, e.g. `kindLabel('gld_diag') === 'GLD diag'`. */
export function kindLabel(kind: string): string {
  return kindStyle(kind).label;
}

/** Vega expression mapping a kind id (`datum.value`) to its display name, for `legend.labelExpr`/`axis.labelExpr`. */
export function kindLabelExpr(kinds: readonly string[] = KIND_ORDER): string {
  const cases = kinds.map((k) => `datum.value === ${JSON.stringify(k)} ? ${JSON.stringify(kindLabel(k))} : `).join('');
  return `${cases}datum.value`;
}

function channel(kinds: readonly string[], range: unknown[], opts: KindEncodingOptions): Record<string, unknown> {
  if (kinds.length === 0) throw new Error('a kind encoding needs at least one kind');
  const dup = kinds.find((k, i) => kinds.indexOf(k) !== i);
  if (dup !== undefined) throw new Error(`kind '${dup}' listed twice in a kind encoding`);
  const legend = opts.legend === false ? null : { labelExpr: kindLabelExpr(kinds) };
  return {
    field: opts.field ?? 'kind',
    type: 'nominal',
    title: opts.title === undefined ? 'Noise' : opts.title,
    scale: { domain: [...kinds], range },
    legend,
  };
}

/**
 * A Vega-Lite `color` encoding with the fixed colours of `kinds` (in the given order) and display-name legend labels.
 * Example: `encoding: {color: kindColor(['sgd', 'gld_const'])}`.
 */
export function kindColor(kinds: readonly string[], opts: KindEncodingOptions = {}): Record<string, unknown> {
  return channel(
    kinds,
    kinds.map((k) => kindStyle(k).color),
    opts,
  );
}

/** A Vega-Lite `strokeDash` encoding with the fixed dash pattern of each kind (a redundant channel for lines). */
export function kindDash(kinds: readonly string[], opts: KindEncodingOptions = {}): Record<string, unknown> {
  return channel(
    kinds,
    kinds.map((k) => [...kindStyle(k).dash]),
    opts,
  );
}

/** A Vega-Lite `shape` encoding with the fixed point shape of each kind (a redundant channel for points). */
export function kindShape(kinds: readonly string[], opts: KindEncodingOptions = {}): Record<string, unknown> {
  return channel(
    kinds,
    kinds.map((k) => kindStyle(k).shape),
    opts,
  );
}

/** The Vega-Lite `config` every figure gets (a spec's own `config` is merged over it). */
export const THEME_CONFIG: VegaLiteSpec = Object.freeze({
  background: '#ffffff',
  padding: 8,
  font: FONT_FAMILY,
  view: { stroke: '#d0d0d0', continuousWidth: 420, continuousHeight: 280 },
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'start', color: '#111111', subtitleFontSize: 12, subtitleColor: '#444444' },
  axis: {
    labelFontSize: 11,
    labelColor: '#333333',
    titleFontSize: 12,
    titleFontWeight: 'normal',
    titleColor: '#111111',
    titlePadding: 8,
    gridColor: '#e6e6e6',
    domainColor: '#666666',
    tickColor: '#666666',
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolStrokeWidth: 2, labelLimit: 220 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  range: { category: Object.values(OKABE_ITO) },
  line: { strokeWidth: 2 },
  point: { size: 40, filled: true, opacity: 0.9 },
});
