/**
 * The README and docs/*.md link to each other by relative paths: every such link must name a file that exists, every
 * `#anchor` into a Markdown file a heading it has (GitHub's heading ids), and every document in docs/ must be linked
 * from the README, so that moving or renaming a section cannot leave a dead link behind.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = path.join(ROOT, 'docs');
const FILES = [
  'README.md',
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
];

/** The text outside fenced code blocks and inline code spans (links there are not links). */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets: inline links and images `[text](target)`, and reference definitions `[label]: target`. */
function linkTargets(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defs = [...body.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...defs];
}

/** GitHub's id for a heading: its text lower-cased, punctuation dropped, blanks as '-', repeats suffixed -1, -2, …. */
function headingIds(text: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  for (const m of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const plain = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of withoutFences.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) ids.add(m[1]!);
  return ids;
}

/** Every broken relative link of the Markdown file `file` (relative to the repository root), as readable lines. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const broken: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …: not relative
    const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = rawPath === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURI(rawPath));
    if (!resolved.startsWith(ROOT)) {
      broken.push(`${file}: ${target} leaves the repository`);
    } else if (!existsSync(resolved)) {
      broken.push(`${file}: ${target} names ${path.relative(ROOT, resolved)}, which does not exist`);
    } else if (anchor !== undefined && resolved.endsWith('.md') && statSync(resolved).isFile()) {
      if (!headingIds(readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${file}: ${target}: ${path.relative(ROOT, resolved)} has no heading with the id '${anchor}'`);
      }
    }
  }
  return broken;
}

test('every relative link in README.md and docs/*.md names an existing file and, with #anchor, one of its headings', (t) => {
  t.true(FILES.length > 5, `found only ${FILES.join(', ')}`);
  t.deepEqual(FILES.flatMap(brokenLinks), []);
});

test('every document in docs/ is linked from the README', (t) => {
  const linked = new Set(linkTargets(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map((l) => path.normalize(l.split('#')[0]!)));
  t.deepEqual(
    FILES.filter((f) => f.startsWith('docs') && !linked.has(f)),
    [],
  );
});

test('the heading ids follow GitHub: code, punctuation and repeats', (t) => {
  const ids = headingIds(
    '# The GPU check: `npm run gpu:pack`, then `bash run.sh`\n## Backends: CNN value + gradient, N = 1200\n## A\n## A\n```\n# not a heading\n```\n',
  );
  t.deepEqual([...ids], ['the-gpu-check-npm-run-gpupack-then-bash-runsh', 'backends-cnn-value--gradient-n--1200', 'a', 'a-1']);
});

test('links inside code are not links; schemes and same-file anchors are recognised', (t) => {
  const targets = linkTargets('see [a](docs/a.md#x) and `[b](nope.md)`\n```\n[c](nope2.md)\n```\n[d]: ../e.md\n![f](g.svg "t")\n[h](#local)\n');
  t.deepEqual(targets, ['docs/a.md#x', 'g.svg', '#local', '../e.md']);
});
