/**
 * `sgd-noise diff`'s three outputs of a {@link RunDiff}: a plain aligned table (the default), a Markdown block for a
 * pull request (`--md`), and JSON (`--json`, every row with its `changed` flag). The table and the Markdown show only
 * what changed unless `all` is set; then every row, changed ones marked `*`.
 */
import type { InstanceRow, MetricRow, RunDiff, VerdictRow } from './run-diff.ts';

/** Which rows to show. */
export interface DiffFormatOptions {
  /** Also the rows that did not change. */
  readonly all?: boolean;
}

/** How many hex digits of a cache key the table and the Markdown show. */
const KEY_DIGITS = 12;

/** A number as the diff prints it: integers whole, others to 4 significant digits; null as `–`. */
export function formatNumber(x: number | null): string {
  if (x === null) return '–';
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  return String(Number(x.toPrecision(4)));
}

const signed = (x: number | null) => (x === null ? '–' : `${x > 0 ? '+' : ''}${formatNumber(x)}`);
const percent = (x: number | null) => (x === null ? '–' : `${x > 0 ? '+' : ''}${(100 * x).toFixed(1)}%`);
const withUnit = (m: MetricRow) => (m.unit ? `${m.label} (${m.unit})` : m.label);
const shortKey = (k: string | null) => (k === null ? '–' : k.slice(0, KEY_DIGITS));

/** One sentence per section: how many rows changed, of how many. */
function counts(d: RunDiff) {
  const n = <T>(rows: readonly T[], changed: (r: T) => boolean) => ({ changed: rows.filter(changed).length, total: rows.length });
  return {
    params: n(d.params, (r) => r.changed),
    metrics: n(d.metrics, (r) => r.changed),
    claims: n(d.claims, (r) => r.changed),
    deviations: n(d.deviations, (r) => r.changed),
    instances: n(d.instances, (r) => !r.shared),
  };
}

/** The rows of a section to show: the changed ones, or all with `all`. */
function shown<T>(rows: readonly T[], changed: (r: T) => boolean, o: DiffFormatOptions): T[] {
  return o.all ? [...rows] : rows.filter(changed);
}

/** A side's head as one line: `run record; profile quick, overrides a=1; outcome ok; commit 3f9a2c1`. */
function headLine(h: RunDiff['a']): string {
  const source = h.source === 'record' ? 'run record' : h.source === 'profile' ? 'profile now' : 'point now';
  const parts = [
    source,
    `profile ${h.profile}`,
    `overrides ${h.overrides.length ? h.overrides.join(' ') : '–'}`,
    ...h.about.map((x) => `${x.name} ${x.value}`),
  ];
  return parts.join('; ');
}

/** The default output: aligned plain-text tables, one per section. */
export function diffText(d: RunDiff, o: DiffFormatOptions = {}): string {
  const c = counts(d);
  const mark = (changed: boolean) => (o.all ? [changed ? '*' : ' '] : []);
  const lines = [`A  ${d.a.label}  (${headLine(d.a)})`, `B  ${d.b.label}  (${headLine(d.b)})`, ''];
  const section = (title: string, header: string[], rows: string[][]) => {
    lines.push(title);
    if (rows.length) lines.push(...align([[...(o.all ? [' '] : []), ...header], ...rows]).map((l) => `  ${l}`));
    lines.push('');
  };
  section(
    `params: ${c.params.changed} of ${c.params.total} keys differ`,
    ['key', 'A', 'B'],
    shown(d.params, (r) => r.changed, o).map((r) => [...mark(r.changed), r.key, r.a ?? '–', r.b ?? '–']),
  );
  if (!d.hasHeadlines) lines.push('metrics, claims, deviations: the project declares no headlines', '');
  else {
    section(
      `metrics: ${c.metrics.changed} of ${c.metrics.total} changed`,
      ['metric', 'A', 'B', 'change', 'relative'],
      shown(d.metrics, (r) => r.changed, o).map((m) => [
        ...mark(m.changed),
        withUnit(m),
        formatNumber(m.a),
        formatNumber(m.b),
        signed(m.change),
        percent(m.relative),
      ]),
    );
    section(`claims: ${c.claims.changed} of ${c.claims.total} verdicts changed`, ['claim', 'A', 'B'], verdicts(d.claims, o, mark));
    section(`deviations: ${c.deviations.changed} of ${c.deviations.total} rows differ`, ['row', 'A', 'B'], verdicts(d.deviations, o, mark));
  }
  section(
    `instances: ${c.instances.total - c.instances.changed} shared, ${c.instances.changed} differ`,
    ['instance', 'A', 'B'],
    instances(d.instances, o).map((r) => [...mark(!r.shared), r.instance, shortKey(r.a), shortKey(r.b)]),
  );
  return `${lines.join('\n').trimEnd()}\n`;
}

function verdicts(rows: readonly VerdictRow[], o: DiffFormatOptions, mark: (changed: boolean) => string[]): string[][] {
  return shown(rows, (r) => r.changed, o).map((r) => [...mark(r.changed), r.id, r.a ?? '–', r.b ?? '–']);
}

function instances(rows: readonly InstanceRow[], o: DiffFormatOptions): InstanceRow[] {
  return shown(rows, (r) => !r.shared, o);
}

/** `--md`: a Markdown block (GitHub-flavoured tables) that a CI job can post on a pull request. */
export function diffMarkdown(d: RunDiff, o: DiffFormatOptions = {}): string {
  const c = counts(d);
  const lines = [
    `### sgd-noise diff: ${code(d.a.label)} → ${code(d.b.label)}`,
    '',
    '| | A | B |',
    '|---|---|---|',
    `| run | ${code(d.a.label)} (${sourceWord(d.a.source)}) | ${code(d.b.label)} (${sourceWord(d.b.source)}) |`,
    `| profile | ${cell(d.a.profile)} | ${cell(d.b.profile)} |`,
    `| overrides | ${d.a.overrides.map(code).join(' ') || '–'} | ${d.b.overrides.map(code).join(' ') || '–'} |`,
  ];
  for (const name of [...new Set([...d.a.about, ...d.b.about].map((x) => x.name))]) {
    const value = (h: RunDiff['a']) => cell(h.about.find((x) => x.name === name)?.value ?? '–');
    lines.push(`| ${cell(name)} | ${value(d.a)} | ${value(d.b)} |`);
  }
  lines.push('');
  const mark = (changed: boolean) => (o.all ? (changed ? '**≠** ' : '') : '');
  const table = (title: string, none: string, header: string, align: string, rows: string[]) => {
    lines.push(`#### ${title}`, '');
    if (rows.length === 0) lines.push(none, '');
    else lines.push(header, align, ...rows, '');
  };
  table(
    `Params: ${c.params.changed} of ${c.params.total} keys differ`,
    'No resolved config key differs.',
    '| key | A | B |',
    '|---|---|---|',
    shown(d.params, (r) => r.changed, o).map((r) => `| ${mark(r.changed)}${code(r.key)} | ${codeOrDash(r.a)} | ${codeOrDash(r.b)} |`),
  );
  if (!d.hasHeadlines) lines.push('The project declares no headlines: no metrics, claims or deviations to compare.', '');
  else {
    table(
      `Metrics: ${c.metrics.changed} of ${c.metrics.total} changed`,
      'No headline metric changed.',
      '| metric | A | B | change | relative |',
      '|---|---:|---:|---:|---:|',
      shown(d.metrics, (r) => r.changed, o).map(
        (m) => `| ${mark(m.changed)}${cell(withUnit(m))} | ${formatNumber(m.a)} | ${formatNumber(m.b)} | ${signed(m.change)} | ${percent(m.relative)} |`,
      ),
    );
    const verdictTable = (title: string, none: string, what: string, rows: readonly VerdictRow[]) =>
      table(
        title,
        none,
        `| ${what} | A | B |`,
        '|---|---|---|',
        shown(rows, (r) => r.changed, o).map((r) => `| ${mark(r.changed)}${code(r.id)} | ${cell(r.a ?? '–')} | ${cell(r.b ?? '–')} |`),
      );
    verdictTable(`Claims: ${c.claims.changed} of ${c.claims.total} verdicts changed`, 'No verdict changed.', 'claim', d.claims);
    verdictTable(`Deviations: ${c.deviations.changed} of ${c.deviations.total} rows differ`, 'No deviation row differs.', 'row', d.deviations);
  }
  table(
    `Instances: ${c.instances.total - c.instances.changed} shared, ${c.instances.changed} differ`,
    'Every instance is shared (the same cache key in both).',
    '| instance | A | B |',
    '|---|---|---|',
    instances(d.instances, o).map((r) => `| ${mark(!r.shared)}${code(r.instance)} | ${codeOrDash(shortKey(r.a))} | ${codeOrDash(shortKey(r.b))} |`),
  );
  return `${lines.join('\n').trimEnd()}\n`;
}

/** `--json`: the whole comparison, every row with its `changed` (instances: `shared`) flag, and the counts. */
export function diffJson(d: RunDiff): unknown {
  return { ...d, counts: counts(d) };
}

function sourceWord(source: RunDiff['a']['source']): string {
  return source === 'record' ? 'run record' : source === 'profile' ? 'profile, planned now' : 'point, planned now';
}

/** Text as a Markdown table cell: pipes escaped, newlines as spaces, characters that would format escaped. */
function cell(text: string): string {
  return text
    .replace(/[\\`*<[\]]/g, (ch) => `\\${ch}`)
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

/** Text as a code span in a table cell: a fence longer than any run of backticks in it, pipes escaped. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|').replace(/\n/g, ' ')}${pad}${fence}`;
}

const codeOrDash = (text: string | null) => (text === null || text === '–' ? '–' : code(text));

/** Rows of cells as lines with every column padded to its widest cell (the last column unpadded). */
function align(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((row) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
      .join('  ')
      .trimEnd(),
  );
}
