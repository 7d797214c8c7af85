import test from 'ava';
import { codeSpan, escapeHtml, inlineToHtml, replaceCodeSpans, textToHtml } from './markup.ts';

test('escapeHtml escapes the five HTML specials', (t) => {
  t.is(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('a script tag in text stays text', (t) => {
  const html = textToHtml('before <script>alert(1)</script> after');
  t.is(html, '<p>before &lt;script&gt;alert(1)&lt;/script&gt; after</p>');
  t.false(html.includes('<script'));
});

test('code spans and bold are the only markup', (t) => {
  t.is(inlineToHtml('use `a<b` and **very** bold'), 'use <code>a&lt;b</code> and <strong>very</strong> bold');
  t.is(inlineToHtml('`**not bold**`'), '<code>**not bold**</code>');
  t.is(inlineToHtml('**bold `code`**'), '<strong>bold <code>code</code></strong>');
  t.is(inlineToHtml('2 ** 3 and *em* and <b>x</b>'), '2 ** 3 and *em* and &lt;b&gt;x&lt;/b&gt;');
  t.is(inlineToHtml('**<i>x</i>**'), '<strong>&lt;i&gt;x&lt;/i&gt;</strong>');
});

test('blank lines separate paragraphs; single newlines join lines', (t) => {
  t.is(textToHtml('one\nline\n\n  \n\ntwo\r\n\r\nthree'), '<p>one line</p>\n<p>two</p>\n<p>three</p>');
  t.is(textToHtml('\n\n'), '');
});

test('code spans hold backticks literally: codeSpan picks a longer fence, inlineToHtml reads it', (t) => {
  for (const text of ['report.title=a`b', '`x`', 'a``b`c', 'plain', ' spaced ']) {
    const span = codeSpan(text);
    t.is(inlineToHtml(span), `<code>${escapeHtml(text)}</code>`, span);
    t.is(
      replaceCodeSpans(span, (c) => `[${c}]`),
      `[${text}]`,
      span,
    );
  }
  t.is(codeSpan('plain'), '`plain`');
  t.is(inlineToHtml('a ` lone backtick'), 'a ` lone backtick');
  t.is(inlineToHtml(`title ${codeSpan('x`</code><script>alert(1)</script>')}`), 'title <code>x`&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;</code>');
});
