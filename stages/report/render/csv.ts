/**
 * Records → CSV for figure data. (pipeline/inspect.ts has a CSV writer, but it is private and reads cache entries.)
 * Columns are the union of record keys in first-seen order; fields are quoted as RFC 4180 says (comma, quote, CR or
 * LF inside ⇒ wrapped in quotes, quotes doubled); rows end with `\n`, and the file ends with one.
 */

/** One CSV field: null/undefined → empty, numbers/booleans as `String`, objects and arrays JSON-encoded. */
export function csvField(value: unknown): string {
  let s: string;
  if (value === null || value === undefined) s = '';
  else if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') s = String(value);
  else if (value instanceof Date) s = value.toISOString();
  else if (ArrayBuffer.isView(value))
    s = JSON.stringify(Object.values(value)); // a typed array's elements, in order
  else s = JSON.stringify(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The column names of `records`: every key, in the order first seen. */
export function csvColumns(records: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** Records as CSV text with a header row. Example: `toCsv([{a: 1, b: 'x,y'}]) === 'a,b\n1,"x,y"\n'`. */
export function toCsv(records: readonly Record<string, unknown>[], columns: readonly string[] = csvColumns(records)): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of records) {
    const line = columns.map((c) => csvField(r[c])).join(',');
    // A lone empty field would be a blank line, which readers skip; quote it so the row survives.
    lines.push(line === '' && columns.length === 1 ? '""' : line);
  }
  return `${lines.join('\n')}\n`;
}
