/** The report as Markdown: the same sections and tables as the HTML page, figures as links to their PNG and data. */
import type { ReportDocument, ReportTable } from './document.ts';
import { formatCell } from './render/format.ts';

/**
 * Plain text as Markdown that shows it literally: backslashes before punctuation, backticks and `*` are escaped, and
 * so are `<` where it would open raw HTML and `&` where it would start an entity. Example: `escapeMarkdown('<b>')`
 * is `\<b>`.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\')
    .replace(/[`*]/g, (c) => `\\${c}`)
    .replace(/<(?=[A-Za-z/!?])/g, '\\<')
    .replace(/&(?=#?\w+;)/g, '\\&');
}

/** Escapes a Markdown table cell: the characters of {@link escapeMarkdown}, `|`, and newlines. */
function cell(text: string): string {
  return escapeMarkdown(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One table in GitHub-flavoured Markdown. */
export function tableToMarkdown(table: ReportTable): string[] {
  const lines = [`### ${escapeMarkdown(table.title)}`, ''];
  if (table.caption) lines.push(escapeMarkdown(table.caption), '');
  lines.push(`| ${table.columns.map((c) => cell(c.label)).join(' | ')} |`, `|${table.columns.map(() => '---').join('|')}|`);
  for (const row of table.rows) lines.push(`| ${table.columns.map((c) => cell(formatCell(row[c.key], c.format))).join(' | ')} |`);
  if (table.rows.length === 0) lines.push(`| ${table.columns.map(() => '–').join(' | ')} |`);
  lines.push('');
  return lines;
}

/** The whole document as Markdown; figure links are relative to the report folder. */
export function renderMarkdown(doc: ReportDocument): string {
  const lines = [`# ${escapeMarkdown(doc.title)}`, '', escapeMarkdown(doc.subtitle), '', 'Open `index.html` next to this file for the figures.', ''];
  for (const section of doc.sections) {
    lines.push(`## ${escapeMarkdown(section.title)}`, '');
    for (const block of section.blocks) {
      if (block.type === 'text') lines.push(block.text, '');
      else if (block.type === 'table') lines.push(...tableToMarkdown(block.table));
      else {
        const f = block.figure;
        lines.push(
          `### Figure: ${escapeMarkdown(f.title)}`,
          '',
          `![${escapeMarkdown(f.title).replace(/[[\]]/g, '\\$&')}](figures/${f.id}.png)`,
          '',
          `${escapeMarkdown(f.caption)} Data: [JSON](figures/${f.id}.json), [CSV](figures/${f.id}.csv); spec: [Vega-Lite](figures/${f.id}.vl.json).`,
          '',
        );
      }
    }
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
