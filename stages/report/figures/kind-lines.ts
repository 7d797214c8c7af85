/** The figure most sections need: one quantity against iteration, one line per noise kind (mean over seeds, range as a band). */
import type { ReportFigure } from '../document.ts';
import { kindColor, kindDash } from '../render/theme.ts';
import { spreadBy } from './stats.ts';

/** What to plot: records with `kind`, `seed`, an x field and the y field. */
export interface KindLinesOptions {
  id: string;
  title: string;
  subtitle?: string;
  caption: string;
  rows: readonly object[];
  kinds: readonly string[];
  y: string;
  yTitle: string;
  x?: string;
  xTitle?: string;
  /** Log y axis (non-positive values are left out and the caption says so). */
  log?: boolean;
  /** Format the y axis as a percentage of a fraction. */
  percent?: boolean;
  /** Extra grouping fields (e.g. a facet column), kept in the data. */
  groupBy?: string[];
  /** Facet the chart into columns by this field. */
  column?: { field: string; title: string | null };
  width?: number;
  height?: number;
}

/** A line-per-kind figure with min–max bands over seeds and points at the data. */
export function kindLinesFigure(o: KindLinesOptions): ReportFigure {
  const x = o.x ?? 'iteration';
  const keys = ['kind', ...(o.groupBy ?? []), x];
  let data = spreadBy(o.rows, keys, o.y);
  let dropped = 0;
  if (o.log) {
    const kept = data.filter((r) => r.min > 0);
    dropped = data.length - kept.length;
    data = kept;
  }
  const kinds = o.kinds.filter((k) => data.some((r) => r.kind === k));
  const seeds = Math.max(0, ...data.map((r) => r.n));
  const yScale = o.log ? { type: 'log' } : { zero: false };
  const yAxis = o.percent ? { format: '.0%' } : {};
  // The line layer first: the legend takes its symbols from the first layer.
  const layers = [
    {
      mark: { type: 'line', point: { size: 18 } },
      encoding: {
        y: { field: 'mean', type: 'quantitative', title: o.yTitle, scale: yScale, axis: yAxis },
        strokeDash: kindDash(kinds, { title: 'Dynamics' }),
      },
    },
    {
      mark: { type: 'area', opacity: 0.15 },
      encoding: { y: { field: 'min', type: 'quantitative', scale: yScale }, y2: { field: 'max' } },
    },
  ];
  const inner = {
    width: o.width ?? 460,
    height: o.height ?? 280,
    encoding: { x: { field: x, type: 'quantitative', title: o.xTitle ?? 'iteration' }, color: kindColor(kinds, { title: 'Dynamics' }) },
    layer: layers,
  };
  const spec = o.column
    ? {
        title: { text: o.title, subtitle: o.subtitle },
        facet: { column: { field: o.column.field, type: 'nominal', title: o.column.title } },
        spec: { ...inner, width: o.width ?? 320 },
      }
    : { title: { text: o.title, subtitle: o.subtitle }, ...inner };
  const notes = [seeds > 1 ? `Lines: mean over ${seeds} seeds; bands: their range.` : 'One seed.'];
  if (dropped) notes.push(`${dropped} points with a non-positive value are not shown on the log axis.`);
  return { id: o.id, title: o.title, caption: `${o.caption} ${notes.join(' ')}`, data, spec };
}
