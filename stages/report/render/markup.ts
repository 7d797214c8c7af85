/**
 * Escaping, and the tiny safe text markup of report text blocks: paragraphs separated by blank lines, `code` spans
 * and **bold**. Everything else is escaped, so text can never inject tags, attributes or scripts.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. Example: `escapeHtml('<b>') === '&lt;b&gt;'`. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * A code span of the report markup (and of Markdown) that holds `text` literally, backticks included: the fence is
 * one backtick longer than the longest run inside, padded with spaces when needed. Example: codeSpan('a`b') is
 * "`` a`b ``".
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || (text.length >= 2 && text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Replaces every code span (an opening run of n backticks up to the next run of exactly n; one space stripped from
 * each side when both are there, as in CommonMark) by `replace(content)`; unmatched backticks stay text.
 */
export function replaceCodeSpans(text: string, replace: (code: string) => string): string {
  const runAt = (i: number) => {
    let n = 0;
    while (text[i + n] === '`') n++;
    return n;
  };
  let out = '';
  let i = 0;
  for (let open = text.indexOf('`'); open >= 0; open = text.indexOf('`', i)) {
    const n = runAt(open);
    let close = -1;
    for (let k = text.indexOf('`', open + n); k >= 0; k = text.indexOf('`', k + runAt(k))) {
      if (runAt(k) === n) {
        close = k;
        break;
      }
    }
    if (close < 0) {
      out += text.slice(i, open + n);
      i = open + n;
      continue;
    }
    let code = text.slice(open + n, close);
    if (code.length >= 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
    out += text.slice(i, open) + replace(code);
    i = close + n;
  }
  return out + text.slice(i);
}

/** One paragraph's inline markup: `code` spans (content literal) and **bold** (may contain code); the rest escaped. */
export function inlineToHtml(text: string): string {
  // Code spans become placeholders first, so that `**` inside them stays literal and bold may contain them.
  const spans: string[] = [];
  const rest = replaceCodeSpans(text.replace(/\u0000/g, ''), (code) => `\u0000${spans.push(code) - 1}\u0000`);
  const html = escapeHtml(rest).replace(/\*\*(?=\S)([^*]+?)\*\*/g, '<strong>$1</strong>');
  return html.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => `<code>${escapeHtml(spans[Number(i)]!)}</code>`);
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
