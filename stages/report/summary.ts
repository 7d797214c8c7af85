/** The Markdown summary of a run: what was computed, from which configuration, under which cache keys. */

/** One upstream artifact the summary cites. */
export interface CitedStage {
  input: string;
  instance: string;
  key: string;
}

/** A result table: one row per record, columns from the records' keys. */
export interface SummaryTable {
  title: string;
  rows: Record<string, unknown>[];
}

/** Everything the summary shows; plain data so the renderer is a pure function. */
export interface SummaryInput {
  title: string;
  config: Record<string, unknown>;
  tables: SummaryTable[];
  stages: CitedStage[];
  versions: Record<string, string>;
}

/** Renders the summary as Markdown. */
export function renderSummary(input: SummaryInput): string {
  const lines = [`# ${input.title}`, '', '## Configuration', '', '| key | value |', '|---|---|'];
  for (const [k, v] of Object.entries(input.config)) lines.push(`| \`${k}\` | \`${JSON.stringify(v)}\` |`);
  for (const table of input.tables) {
    const cols = [...new Set(table.rows.flatMap((r) => Object.keys(r)))];
    lines.push('', `## ${table.title}`, '', `| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`);
    for (const row of table.rows) lines.push(`| ${cols.map((c) => formatCell(row[c])).join(' | ')} |`);
  }
  lines.push('', '## Stages', '');
  if (input.stages.length === 0) lines.push('No experiment stages are registered yet.');
  else {
    lines.push('| input | stage instance | cache key |', '|---|---|---|');
    for (const s of input.stages) lines.push(`| ${s.input} | \`${s.instance}\` | \`${s.key.slice(0, 16)}\` |`);
  }
  lines.push('', '## Software', '', '| package | version |', '|---|---|');
  for (const [k, v] of Object.entries(input.versions)) lines.push(`| ${k} | ${v} |`);
  return `${lines.join('\n')}\n`;
}

function formatCell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (Array.isArray(v)) return v.map(formatCell).join(', ');
  if (v === null || v === undefined) return '–';
  return String(v);
}
