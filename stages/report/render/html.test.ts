import test from 'ava';
import type { ReportDocument } from '../document.ts';
import { figureFiles, namespaceSvgIds, renderHtml, type RenderedFigure } from './html.ts';
import { sampleReportDocument } from './sample-document.ts';

const fakeSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><clipPath id="clip1"><rect/></clipPath></defs><path clip-path="url(#clip1)" d="M0,0"/></svg>';

function figuresOf(doc: ReportDocument): Map<string, RenderedFigure> {
  const map = new Map<string, RenderedFigure>();
  for (const s of doc.sections) for (const b of s.blocks) if (b.type === 'figure') map.set(b.figure.id, { svg: fakeSvg, files: figureFiles(b.figure.id) });
  return map;
}

const doc = sampleReportDocument();
const html = renderHtml(doc, figuresOf(doc));

test('the page is self-contained: inline CSS, no scripts, no external resources', (t) => {
  t.true(html.startsWith('<!doctype html>'));
  t.regex(html, /<style>[\s\S]*max-width[\s\S]*<\/style>/);
  t.false(/<script/i.test(html), 'no script element, even from text that contains one');
  t.regex(html, /A &lt;script&gt;alert\(1\)&lt;\/script&gt; tag stays text/);
  t.false(/(src|href)="(https?:)?\/\//.test(html), 'no absolute URLs');
  t.false(/<link\b/.test(html));
  t.regex(html, /Content-Security-Policy" content="default-src 'none'/);
  t.regex(html, /<title>Sample report &lt;renderer check&gt;<\/title>/);
});

test('each figure has its anchor, inline SVG, numbered caption and relative links to its files', (t) => {
  const figures = [...html.matchAll(/<figure id="fig-([^"]+)" class="report-figure">([\s\S]*?)<\/figure>/g)];
  t.deepEqual(
    figures.map((m) => m[1]),
    ['sample-loss', 'sample-scatter', 'sample-escape'],
  );
  const [, id, body] = figures[1];
  t.regex(body, /<svg /);
  t.regex(body, /<span class="caption-label">Figure 2\.<\/span> <strong>Sharpness against test accuracy<\/strong> One point per run/);
  for (const ext of ['json', 'csv', 'vl.json', 'png']) t.true(body.includes(`href="figures/${id}.${ext}"`), ext);
  t.regex(body, /id="fig-sample-scatter-clip1"[\s\S]*url\(#fig-sample-scatter-clip1\)/, 'SVG ids are per figure');
});

test('the table of contents links every section, figure and table', (t) => {
  const toc = /<nav class="toc"[\s\S]*?<\/nav>/.exec(html)![0];
  for (const a of ['#sec-dynamics', '#sec-escape', '#fig-sample-loss', '#fig-sample-scatter', '#fig-sample-escape', '#tab-escape-summary']) {
    t.true(toc.includes(`href="${a}"`), a);
  }
  t.regex(toc, /Table 1: Escape summary/);
});

test('tables format cells by column and right-align numbers', (t) => {
  const table = /<table id="tab-escape-summary"[\s\S]*?<\/table>/.exec(html)![0];
  t.regex(table, /<th scope="col">Kind<\/th><th scope="col" class="num">Escape rate<\/th>/);
  t.regex(table, /<tr><td>sgd<\/td><td class="num">81\.3%<\/td><td class="num">16<\/td><td class="num">1\.836<\/td><td class="num">1, 2, 3<\/td><\/tr>/);
  t.regex(table, /<td class="num">1\.235e-5<\/td><td class="num">–<\/td>/);
  t.regex(table, /<td>gd<\/td><td class="num">0\.0%<\/td><td class="num">16<\/td><td class="num">–<\/td><td class="num">–<\/td>/);
});

test('text blocks keep bold and code, in paragraphs', (t) => {
  t.regex(html, /<p>Loss of <strong>four kinds<\/strong> with <code>lr = 0\.1<\/code>\.<\/p>\n<p>A &lt;script&gt;/);
});

test('a figure without a rendered SVG, or a repeated id, fails naming it', (t) => {
  const figures = figuresOf(doc);
  figures.delete('sample-escape');
  t.throws(() => renderHtml(doc, figures), { message: /figure 'sample-escape' has no rendered SVG/ });
  const twice: ReportDocument = { ...doc, sections: [doc.sections[0], { ...doc.sections[0], id: 'again' }] };
  t.throws(() => renderHtml(twice, figuresOf(doc)), { message: /figure id 'sample-loss' appears twice/ });
});

test('namespaceSvgIds prefixes ids and their references only', (t) => {
  const svg = '<svg><clipPath id="c1"/><g clip-path="url(#c1)"/><use xlink:href="#c1"/><a href="#other"/></svg>';
  t.is(namespaceSvgIds(svg, 'fig-x'), '<svg><clipPath id="fig-x-c1"/><g clip-path="url(#fig-x-c1)"/><use xlink:href="#fig-x-c1"/><a href="#other"/></svg>');
  t.is(namespaceSvgIds('<svg/>', 'p'), '<svg/>');
});
