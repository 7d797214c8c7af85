/**
 * The whole HTML report as files: `index.html` plus, per figure, its SVG, PNG, data (JSON, CSV) and full Vega-Lite
 * spec under `figures/`. Pure apart from rendering (same document ⇒ same bytes); `writeReportFiles` puts them on disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReportDocument, ReportFigure } from '../document.ts';
import { toCsv } from './csv.ts';
import { figureFiles, renderHtml, type RenderedFigure } from './html.ts';
import { svgToPng } from './png.ts';
import { fullSpec, renderSvg } from './vega.ts';

/** Relative path → contents of every file of a rendered report. */
export type ReportFiles = Record<string, string | Uint8Array>;

/** Options of `renderReportFiles`. */
export interface BundleOptions {
  /** PNG zoom over the SVG size (default 2). */
  pngScale?: number;
  /** Receives vega warnings, prefixed with the figure id (default `console.warn`). */
  onWarning?: (message: string) => void;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Every figure of a document, in document order. */
export function documentFigures(doc: ReportDocument): ReportFigure[] {
  return doc.sections.flatMap((s) => s.blocks.flatMap((b) => (b.type === 'figure' ? [b.figure] : [])));
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Render the report to files: `index.html`, and per figure `figures/<id>.svg|.png|.json|.csv|.vl.json`. Throws on a
 * figure id that is not file-name-safe or appears twice. Example: `await writeReportFiles(dir, await renderReportFiles(doc))`.
 */
export async function renderReportFiles(doc: ReportDocument, options: BundleOptions = {}): Promise<ReportFiles> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const files: ReportFiles = {};
  const rendered = new Map<string, RenderedFigure>();
  for (const fig of documentFigures(doc)) {
    if (!SAFE_ID.test(fig.id)) throw new Error(`figure id '${fig.id}' is not file-name-safe (expected ${SAFE_ID})`);
    if (rendered.has(fig.id)) throw new Error(`figure id '${fig.id}' appears twice`);
    let svg: string;
    try {
      svg = await renderSvg(fig.spec, fig.data, { onWarning: (m) => warn(`figure ${fig.id}: ${m}`) });
    } catch (e) {
      throw new Error(`figure ${fig.id}: ${(e as Error).message}`, { cause: e });
    }
    const paths = figureFiles(fig.id);
    files[`figures/${fig.id}.svg`] = svg;
    files[paths.png] = svgToPng(svg, { scale: options.pngScale ?? 2 });
    files[paths.json] = json(fig.data);
    files[paths.csv] = toCsv(fig.data);
    files[paths.spec] = json(fullSpec(fig.spec, fig.data));
    rendered.set(fig.id, { svg, files: paths });
  }
  return { 'index.html': renderHtml(doc, rendered), ...files };
}

/** Write report files under `dir` (creating folders); returns the absolute path of `index.html`. */
export async function writeReportFiles(dir: string, files: ReportFiles): Promise<string> {
  for (const [rel, contents] of Object.entries(files)) {
    if (rel.startsWith('/') || rel.split('/').includes('..')) throw new Error(`report file path '${rel}' escapes the report folder`);
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, contents);
  }
  return join(dir, 'index.html');
}
