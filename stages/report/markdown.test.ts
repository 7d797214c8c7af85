import test from 'ava';
import { provenanceSection } from './figures/provenance.ts';
import { escapeMarkdown, renderMarkdown } from './markdown.ts';
import { renderHtml } from './render/html.ts';
import { replaceCodeSpans } from './render/markup.ts';

const TITLE = 'a `tick` <script>alert(1)</script> &amp; **bold**';

function doc() {
  const overrides = [`report.title=${TITLE}`];
  return {
    title: TITLE,
    subtitle: `Profile quick, overrides ${overrides.join(' ')}`,
    sections: [provenanceSection({ run: { profile: 'quick', overrides }, config: { report: { title: TITLE } }, lineage: [], versions: {} })],
  };
}

test('escapeMarkdown keeps text literal: no raw HTML, code, emphasis or entities', (t) => {
  t.is(escapeMarkdown(TITLE), 'a \\`tick\\` \\<script>alert(1)\\</script> \\&amp; \\*\\*bold\\*\\*');
  t.is(escapeMarkdown('loss < 2× the start, gld_const, C:\\x'), 'loss < 2× the start, gld_const, C:\\x');
  t.is(escapeMarkdown('a\\*b'), 'a\\\\\\*b');
});

test('summary.md writes a title with backticks and HTML as text everywhere it appears', (t) => {
  const md = renderMarkdown(doc());
  t.notRegex(
    replaceCodeSpans(md.replace(/\\`/g, ''), () => 'CODE'),
    /(?<!\\)<script>/,
    'no raw HTML outside code spans',
  );
  t.true(md.startsWith('# a \\`tick\\` \\<script>'));
  // In the provenance text the override is one code span with a longer fence, so the backticks stay inside it.
  t.true(md.includes('`` report.title=a `tick` <script>alert(1)</script> &amp; **bold** ``'), md);
});

test('index.html escapes the title in the provenance code spans', (t) => {
  const html = renderHtml(doc(), new Map());
  t.false(html.includes('<script>alert'), 'no live script tag');
  t.true(html.includes('<code>report.title=a `tick` &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; **bold**</code>'));
});
