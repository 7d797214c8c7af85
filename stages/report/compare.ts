/**
 * Several runs' report documents merged into one (`report --compare`), as pure data: sections and blocks united in
 * order, each figure over every run that has it (compare-figure.ts), each table with one value column per run where
 * the runs differ (rows matched by their key columns), each text once when the runs agree and once per run when not.
 */
import { type RunFigure, compareFigure } from './compare-figure.ts';
import type { ReportBlock, ReportDocument, ReportSection, ReportTable, TableColumn } from './document.ts';
import { formatCell } from './render/format.ts';
import { codeSpan } from './render/markup.ts';

/** One run's report document with the run's label (unique among the compared runs). */
export interface RunDocument {
  readonly label: string;
  readonly doc: ReportDocument;
}

/** What the merged document starts with: its title, its subtitle and sections of its own (the runs compared). */
export interface ComparisonHead {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly ReportSection[];
}

/**
 * The items of several ordered lists in one order: the first list's, then each new item of a later list placed before
 * the next item of its own list already placed (else after the last one placed), never before an item that preceded
 * it in its own list. Example: `unionInOrder([['a', 'b', 'd'], ['a', 'c', 'd', 'e']])` is a, b, c, d, e.
 */
export function unionInOrder(lists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const list of lists) {
    let at = 0;
    list.forEach((item, j) => {
      const found = out.indexOf(item);
      if (found >= 0) {
        at = Math.max(at, found + 1);
        return;
      }
      const next = list.slice(j + 1).find((x) => out.includes(x));
      const where = next === undefined ? at : Math.max(at, out.indexOf(next));
      out.splice(where, 0, item);
      at = where + 1;
    });
  }
  return out;
}

/** A block's identity across runs: its figure or table id, or a text's place among the section's texts. */
function blockIds(section: ReportSection): string[] {
  let texts = 0;
  return section.blocks.map((b) => (b.type === 'figure' ? `figure:${b.figure.id}` : b.type === 'table' ? `table:${b.table.id}` : `text:${texts++}`));
}

/** The runs' documents as one: `head`'s sections, then every section of any run, in order. */
export function mergeReports(runs: readonly RunDocument[], head: ComparisonHead): ReportDocument {
  if (runs.length < 2) throw new Error(`a comparison needs two or more runs, got ${runs.length}`);
  const labels = runs.map((r) => r.label);
  if (new Set(labels).size !== labels.length) throw new Error(`run labels must be unique, got ${labels.join(', ')}`);
  const ids = unionInOrder(runs.map((r) => r.doc.sections.map((s) => s.id)));
  const sections = ids.map((id) =>
    mergeSection(
      runs.flatMap((r, index) => {
        const section = r.doc.sections.find((s) => s.id === id);
        return section ? [{ label: r.label, index, section }] : [];
      }),
      labels,
    ),
  );
  return { title: head.title, subtitle: head.subtitle, sections: [...head.sections, ...sections] };
}

interface RunSection {
  label: string;
  index: number;
  section: ReportSection;
}

function mergeSection(present: readonly RunSection[], labels: readonly string[]): ReportSection {
  const first = present[0]!.section;
  const perRun = present.map((p) => ({ ...p, ids: blockIds(p.section) }));
  const blocks: ReportBlock[] = unionInOrder(perRun.map((p) => p.ids)).map((id) => {
    const having = perRun.flatMap((p) => {
      const i = p.ids.indexOf(id);
      return i >= 0 ? [{ label: p.label, index: p.index, block: p.section.blocks[i]! }] : [];
    });
    return mergeBlock(having);
  });
  const absent = labels.filter((l) => !present.some((p) => p.label === l));
  if (absent.length > 0) {
    blocks.unshift({
      type: 'text',
      text: `Not in ${absent.map(codeSpan).join(', ')}: ${absent.length === 1 ? 'that run’s report has' : 'their reports have'} no such section.`,
    });
  }
  return { id: first.id, title: first.title, blocks };
}

function mergeBlock(having: readonly { label: string; index: number; block: ReportBlock }[]): ReportBlock {
  const first = having[0]!.block;
  if (first.type === 'figure') {
    const figures: RunFigure[] = having.map((h) => ({ label: h.label, index: h.index, figure: (h.block as typeof first).figure }));
    return { type: 'figure', figure: compareFigure(figures) };
  }
  if (first.type === 'table') {
    return { type: 'table', table: compareTable(having.map((h) => ({ label: h.label, table: (h.block as typeof first).table }))) };
  }
  const texts = having.map((h) => (h.block as typeof first).text);
  if (texts.every((t) => t === texts[0])) return first;
  return { type: 'text', text: having.map((h, i) => `${codeSpan(h.label)}: ${texts[i]}`).join('\n\n') };
}

/** One run's copy of a table. */
export interface RunTable {
  readonly label: string;
  readonly table: ReportTable;
}

/** The key of each row: its key columns' values, and which occurrence of them it is (keys need not be unique). */
function rowKeys(table: ReportTable, keys: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return table.rows.map((row) => {
    const id = JSON.stringify(keys.map((k) => row[k] ?? null));
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    return `${id}#${n}`;
  });
}

/** How many of the rows only some runs have a table's caption names. */
const MAX_NAMED_ROWS = 5;

/** The key of a run's copy of column `key` in a merged table. */
export function runColumnKey(key: string, run: number): string {
  return `${key}\u0001run${run}`;
}

/**
 * One table over several runs: rows matched by the key columns (`table.keys`, default the first column), a value
 * column once where every run shows the same (formatted) values in it and once per run (`label — run`) where they
 * differ; a row one run lacks shows `–` there. Example: the claims table gains `this run — A`, `this run — B`,
 * `verdict — A`, `verdict — B` and keeps one `paper` and one `criterion` column.
 */
export function compareTable(runs: readonly RunTable[]): ReportTable {
  const first = runs[0]!.table;
  if (runs.length === 1) return { ...first, caption: `${first.caption ?? ''} Only run ${runs[0]!.label} has this table.`.trim() };
  const keys = first.keys ?? [first.columns[0]?.key].filter((k): k is string => k !== undefined);
  const columns = new Map<string, TableColumn>();
  for (const r of runs) for (const c of r.table.columns) if (!columns.has(c.key)) columns.set(c.key, c);
  const indexed = runs.map((r) => {
    const ids = rowKeys(r.table, keys);
    return { ...r, ids, byId: new Map(ids.map((id, i) => [id, r.table.rows[i]!])) };
  });
  const order = unionInOrder(indexed.map((r) => r.ids));
  const keyColumns = keys.map((k) => columns.get(k)).filter((c): c is TableColumn => c !== undefined);
  const describe = (id: string) => {
    const row = indexed.map((r) => r.byId.get(id)).find((x) => x !== undefined)!;
    const having = indexed.filter((r) => r.byId.has(id)).map((r) => r.label);
    return `${keyColumns.map((c) => formatCell(row[c.key], c.format)).join(' / ')} (only ${having.join(', ')})`;
  };
  // A column differs when a row two runs both have prints differently in it; rows only some runs have decide nothing.
  const cells = (id: string, c: TableColumn) =>
    indexed.flatMap((r) => {
      const row = r.byId.get(id);
      return row === undefined ? [] : [formatCell(row[c.key], c.format)];
    });
  const differs = (c: TableColumn) => order.some((id) => new Set(cells(id, c)).size > 1);
  const merged: TableColumn[] = [];
  const split = new Set<string>();
  for (const c of columns.values()) {
    if (keys.includes(c.key) || !differs(c)) merged.push(c);
    else {
      split.add(c.key);
      runs.forEach((r, i) => merged.push({ ...c, key: runColumnKey(c.key, i), label: `${c.label} — ${r.label}` }));
    }
  }
  const rows = order.map((id) => {
    const row: Record<string, unknown> = {};
    for (const c of columns.values()) {
      if (split.has(c.key)) indexed.forEach((r, i) => (row[runColumnKey(c.key, i)] = r.byId.get(id)?.[c.key]));
      else row[c.key] = indexed.map((r) => r.byId.get(id)).find((x) => x !== undefined)?.[c.key];
    }
    return row;
  });
  const partial = order.filter((id) => indexed.some((r) => !r.byId.has(id)));
  const notes = [
    split.size > 0
      ? 'Where the runs differ, a column is shown once per run (“— run”); the other columns hold what every run shows.'
      : 'Every run shows the same values here.',
  ];
  if (partial.length > 0)
    notes.push(
      `Rows only some runs have: ${partial.slice(0, MAX_NAMED_ROWS).map(describe).join('; ')}${partial.length > MAX_NAMED_ROWS ? `; and ${partial.length - MAX_NAMED_ROWS} more` : ''}.`,
    );
  const note = notes.join(' ');
  const captions = [...new Set(runs.map((r) => r.table.caption).filter((c): c is string => c !== undefined))];
  const caption = captions.length <= 1 ? captions[0] : runs.map((r) => `${r.label}: ${r.table.caption ?? ''}`).join(' ');
  return { ...first, caption: caption ? `${caption} ${note}` : note, columns: merged, rows };
}
