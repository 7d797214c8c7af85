/**
 * The report as plain data: sections of figures, tables and text. Builders turn cached artifacts into a
 * `ReportDocument`; renderers (HTML, Markdown) turn the document into files. Nothing here computes experiments.
 */

/** A Vega-Lite specification (kept structural so the document model does not depend on vega-lite's types). */
export type VegaLiteSpec = Record<string, unknown>;

/** One figure: a Vega-Lite spec whose data are `data` (inlined by the renderer as `data.values`). */
export interface ReportFigure {
  /** File-name-safe id, unique in the report, e.g. `fashion-test-accuracy`. */
  id: string;
  title: string;
  /** One or two sentences: what is plotted and how to read it. */
  caption: string;
  /** The records the figure plots; also exported as JSON and CSV next to the report. */
  data: Record<string, unknown>[];
  /** The spec without `data` (the renderer adds `data: {values}`), title, axes with units, legend. */
  spec: VegaLiteSpec;
  /**
   * How a comparison of runs shows it (stages/report/compare-figure.ts): `overlay` (default) draws every run in one
   * chart, `panels` one chart per run side by side (maps such as loss contours, which overlaid runs would hide).
   */
  compare?: 'overlay' | 'panels';
}

/** One column of a table: the record key, its header and an optional number format. */
export interface TableColumn {
  key: string;
  label: string;
  /** How numbers print: significant digits (default 4), a percentage of a fraction, or as is. */
  format?: 'sig' | 'percent' | 'integer' | 'text';
}

/** A table of records. */
export interface ReportTable {
  id: string;
  title: string;
  caption?: string;
  columns: TableColumn[];
  rows: Record<string, unknown>[];
  /** The columns that name a row (default: the first), by which a comparison of runs matches rows across them. */
  keys?: string[];
}

/** A block of a section. */
export type ReportBlock = { type: 'figure'; figure: ReportFigure } | { type: 'table'; table: ReportTable } | { type: 'text'; text: string };

/** A section of the report (one experiment, the claims, provenance). */
export interface ReportSection {
  id: string;
  title: string;
  blocks: ReportBlock[];
}

/** The whole report. */
export interface ReportDocument {
  title: string;
  /** One paragraph under the title (profile, backend, when). */
  subtitle: string;
  sections: ReportSection[];
}
