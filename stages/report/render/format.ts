/** How table cells print, per `TableColumn.format`; plain text out (the HTML renderer escapes it). */
import type { TableColumn } from '../document.ts';

/** The column formats. */
export type CellFormat = NonNullable<TableColumn['format']>;

/** What an empty cell (null, undefined, empty array) shows. */
export const EMPTY_CELL = '–';

/** A number to `digits` significant digits; integers print exactly, tiny/huge ones in `1.235e-7` form. */
export function formatSig(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '-∞';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e6) {
    const s = x.toPrecision(digits);
    // toPrecision switches to exponent form once the integer part has more than `digits` digits: 12345.6 → 1.235e+4.
    return s.includes('e') ? String(Number(s)) : s;
  }
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e');
  return `${mantissa}e${exponent.replace('+', '')}`;
}

function formatScalar(v: unknown, format: CellFormat | undefined): string {
  if (v === null || v === undefined) return EMPTY_CELL;
  if (typeof v === 'number') {
    if (format === 'text') return String(v);
    if (format === 'percent') return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : formatSig(v);
    if (format === 'integer') return Number.isFinite(v) ? String(Math.round(v)) : formatSig(v);
    return formatSig(v);
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/**
 * One cell as text: `sig` (default for numbers) = 4 significant digits, `percent` = fraction × 100 with one decimal
 * and `%`, `integer` = rounded, `text` = as is; null/undefined → `–`; arrays joined with `, `.
 * Example: `formatCell(0.1234, 'percent') === '12.3%'`.
 */
export function formatCell(value: unknown, format?: CellFormat): string {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const items = Array.from(value as ArrayLike<unknown>);
    return items.length === 0 ? EMPTY_CELL : items.map((x) => formatScalar(x, format)).join(', ');
  }
  return formatScalar(value, format);
}

/** Whether a column holds numbers (right-aligned): a numeric format, or no format and only numeric values. */
export function isNumericColumn(column: TableColumn, rows: readonly Record<string, unknown>[]): boolean {
  if (column.format === 'text') return false;
  if (column.format !== undefined) return true;
  const values = rows.map((r) => r[column.key]).filter((v) => v !== null && v !== undefined);
  const isNum = (v: unknown): boolean => typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
  return values.length > 0 && values.every(isNum);
}
