/**
 * ReportDocument + rendered figures → one self-contained HTML page (inline CSS and SVG, no scripts, no external
 * resources; a Content-Security-Policy forbids both), readable when opened straight from disk.
 */
import type { ReportDocument, ReportFigure, ReportSection, ReportTable } from '../document.ts';
import { formatCell, isNumericColumn } from './format.ts';
import { escapeHtml, textToHtml } from './markup.ts';

/** Relative links from index.html to a figure's exported files. */
export interface FigureFiles {
  json: string;
  csv: string;
  spec: string;
  png: string;
}

/** A figure as rendered: its SVG and where its files are. */
export interface RenderedFigure {
  svg: string;
  files: FigureFiles;
}

/** The relative paths bundle.ts writes for figure `id` (`figures/<id>.json`, …). */
export function figureFiles(id: string): FigureFiles {
  return { json: `figures/${id}.json`, csv: `figures/${id}.csv`, spec: `figures/${id}.vl.json`, png: `figures/${id}.png` };
}

/**
 * Prefix every id an SVG defines (and every `url(#…)`/`href="#…"` pointing at one), so several inline SVGs on one
 * page cannot collide (vega names clip paths `clip1`, `clip2`, … in every figure).
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (ids.size === 0) return svg;
  const ns = (id: string): string => (ids.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${ns(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${ns(id)})`)
    .replace(/((?:xlink:)?href=")#([^"]+)"/g, (_m, a: string, id: string) => `${a}#${ns(id)}"`);
}

const CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #d9d9d9; --accent: #0b5cad; --code: #f3f3f3; }
* { box-sizing: border-box; }
html { font-size: 17px; }
body { margin: 0 auto; max-width: 56rem; padding: 2rem 1.25rem 4rem; color: var(--ink); background: #fff;
  font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; line-height: 1.55; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .5rem; }
h2 { font-size: 1.4rem; margin: 2.5rem 0 .75rem; padding-top: .5rem; border-top: 1px solid var(--rule); }
p { margin: .6rem 0; }
a { color: var(--accent); }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; background: var(--code);
  padding: .05em .3em; border-radius: 3px; }
.subtitle { color: var(--muted); margin-bottom: 1.5rem; }
nav.toc { background: #fafafa; border: 1px solid var(--rule); border-radius: 6px; padding: .75rem 1.25rem; }
nav.toc h2 { border: 0; margin: 0 0 .25rem; padding: 0; font-size: 1.05rem; }
nav.toc ol { margin: .25rem 0; padding-left: 1.4rem; }
nav.toc ol ol { font-size: .9rem; color: var(--muted); }
figure.report-figure { margin: 1.75rem 0; }
.figure-graphic { overflow-x: auto; }
.figure-graphic svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .92rem; color: var(--ink); margin-top: .5rem; }
.caption-label, .table-label { font-weight: bold; }
.figure-links { display: block; margin-top: .2rem; color: var(--muted); font-size: .85rem; }
.table-wrap { overflow-x: auto; margin: 1.5rem 0; }
table { border-collapse: collapse; font-size: .9rem; min-width: 50%; }
table caption { caption-side: top; text-align: left; padding-bottom: .4rem; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #999; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
@media print { nav.toc { display: none; } figure, .table-wrap { break-inside: avoid; } }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

interface Numbering {
  figures: Map<string, number>;
  tables: Map<string, number>;
}

function numbering(doc: ReportDocument): Numbering {
  const figures = new Map<string, number>();
  const tables = new Map<string, number>();
  for (const s of doc.sections) {
    for (const b of s.blocks) {
      if (b.type === 'figure') {
        if (figures.has(b.figure.id)) throw new Error(`figure id '${b.figure.id}' appears twice (section '${s.id}')`);
        figures.set(b.figure.id, figures.size + 1);
      } else if (b.type === 'table') {
        if (tables.has(b.table.id)) throw new Error(`table id '${b.table.id}' appears twice (section '${s.id}')`);
        tables.set(b.table.id, tables.size + 1);
      }
    }
  }
  return { figures, tables };
}

function renderFigure(fig: ReportFigure, n: number, rendered: RenderedFigure | undefined): string {
  if (!rendered) throw new Error(`figure '${fig.id}' has no rendered SVG; pass it in the figures map`);
  const anchor = `fig-${fig.id}`;
  const f = rendered.files;
  const link = (href: string, label: string): string => `<a href="${escapeHtml(href)}">${label}</a>`;
  return [
    `<figure id="${escapeHtml(anchor)}" class="report-figure">`,
    `<div class="figure-graphic">${namespaceSvgIds(rendered.svg, anchor)}</div>`,
    `<figcaption><span class="caption-label">Figure ${n}.</span> <strong>${escapeHtml(fig.title)}</strong> ${escapeHtml(fig.caption)}`,
    `<span class="figure-links">Data: ${link(f.json, 'JSON')} · ${link(f.csv, 'CSV')} · ${link(f.spec, 'Vega-Lite spec')} · ${link(f.png, 'PNG')}</span>`,
    `</figcaption>`,
    `</figure>`,
  ].join('\n');
}

function renderTable(table: ReportTable, n: number): string {
  const numeric = table.columns.map((c) => isNumericColumn(c, table.rows));
  const cls = (i: number): string => (numeric[i] ? ' class="num"' : '');
  const head = table.columns.map((c, i) => `<th scope="col"${cls(i)}>${escapeHtml(c.label)}</th>`).join('');
  const body = table.rows
    .map((r) => `<tr>${table.columns.map((c, i) => `<td${cls(i)}>${escapeHtml(formatCell(r[c.key], c.format))}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = table.caption ? ` ${escapeHtml(table.caption)}` : '';
  return [
    `<div class="table-wrap">`,
    `<table id="tab-${escapeHtml(table.id)}" class="report-table">`,
    `<caption><span class="table-label">Table ${n}.</span> <strong>${escapeHtml(table.title)}</strong>${caption}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    `</table>`,
    `</div>`,
  ].join('\n');
}

function renderSection(s: ReportSection, num: Numbering, figures: ReadonlyMap<string, RenderedFigure>): string {
  const blocks = s.blocks.map((b) => {
    if (b.type === 'figure') return renderFigure(b.figure, num.figures.get(b.figure.id)!, figures.get(b.figure.id));
    if (b.type === 'table') return renderTable(b.table, num.tables.get(b.table.id)!);
    return textToHtml(b.text);
  });
  return [`<section id="sec-${escapeHtml(s.id)}">`, `<h2>${escapeHtml(s.title)}</h2>`, ...blocks, `</section>`].join('\n');
}

function renderToc(doc: ReportDocument, num: Numbering): string {
  const items = doc.sections.map((s) => {
    const sub = s.blocks.flatMap((b) => {
      if (b.type === 'figure') {
        return [`<li><a href="#fig-${escapeHtml(b.figure.id)}">Figure ${num.figures.get(b.figure.id)}: ${escapeHtml(b.figure.title)}</a></li>`];
      }
      if (b.type === 'table') {
        return [`<li><a href="#tab-${escapeHtml(b.table.id)}">Table ${num.tables.get(b.table.id)}: ${escapeHtml(b.table.title)}</a></li>`];
      }
      return [];
    });
    const nested = sub.length > 0 ? `<ol>${sub.join('')}</ol>` : '';
    return `<li><a href="#sec-${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>${nested}</li>`;
  });
  return `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>\n${items.join('\n')}\n</ol></nav>`;
}

/**
 * The whole report as one HTML page. `figures` maps every figure id of `doc` to its SVG and file links (throws
 * naming a figure that is missing). Example: `renderHtml(doc, new Map([[id, {svg, files: figureFiles(id)}]]))`.
 */
export function renderHtml(doc: ReportDocument, figures: ReadonlyMap<string, RenderedFigure>): string {
  const num = numbering(doc);
  const sectionIds = new Set<string>();
  for (const s of doc.sections) {
    if (sectionIds.has(s.id)) throw new Error(`section id '${s.id}' appears twice`);
    sectionIds.add(s.id);
  }
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(doc.subtitle)}</p>`,
    '</header>',
    renderToc(doc, num),
    '<main>',
    ...doc.sections.map((s) => renderSection(s, num, figures)),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
