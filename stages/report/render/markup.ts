/**
 * Escaping, and the tiny safe text markup of report text blocks: paragraphs separated by blank lines, `code` spans
 * and **bold**. Everything else is escaped, so text can never inject tags, attributes or scripts.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. Example: `escapeHtml('<b>') === '&lt;b&gt;'`. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** One paragraph's inline markup: `code` spans (content literal) and **bold** (may contain code); the rest escaped. */
export function inlineToHtml(text: string): string {
  const code = (s: string): string => s.replace(/`([^`]+)`/g, (_m, c: string) => `<code>${c}</code>`);
  let out = '';
  let last = 0;
  // Bold first so that `**` inside a code span stays literal: split on code spans, then bold only outside them.
  const pattern = /`[^`]+`|\*\*(?=\S)((?:`[^`]+`|[^*`])+?)\*\*/g;
  for (const m of text.matchAll(pattern)) {
    out += escapeHtml(text.slice(last, m.index));
    if (m[0].startsWith('`')) out += `<code>${escapeHtml(m[0].slice(1, -1))}</code>`;
    else out += `<strong>${code(escapeHtml(m[1]))}</strong>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** A text block as HTML paragraphs (`<p>` per blank-line-separated paragraph; single newlines become spaces). */
export function textToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim().replace(/\s*\n\s*/g, ' '))
    .filter((p) => p.length > 0)
    .map((p) => `<p>${inlineToHtml(p)}</p>`)
    .join('\n');
}
