/**
 * The HTML report in a real browser: render the sample document with bundle.ts into a temp folder, open index.html
 * from disk in Debian's headless Chromium, and check what a reader sees. Without /usr/bin/chromium the test is
 * skipped locally and fails on CI (where .ci/run installs it).
 */
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentFigures, renderReportFiles, writeReportFiles } from '../stages/report/render/bundle.ts';
import { countInkPixels, decodePng } from '../stages/report/render/png-decode.ts';
import { sampleReportDocument, sampleScatterFigure } from '../stages/report/render/sample-document.ts';
import { CHROMIUM_PATH, checkReportInBrowser, chromiumAvailable } from './fixtures/browser.ts';

const available = chromiumAvailable();
const missing = `Chromium is not installed at ${CHROMIUM_PATH}`;
// Skip only off CI: on CI a missing browser must fail, since .ci/run is meant to install it.
const browserTest = available || process.env.CI ? test.serial : test.skip;
if (!available && !process.env.CI) console.warn(`report-browser tests skipped: ${missing} (apt-get install chromium)`);

browserTest('the rendered report opens from disk with every figure drawn and no errors', async (t) => {
  if (!available) return t.fail(`${missing}; .ci/run must apt-get install chromium`);
  t.timeout(30_000);
  const dir = await mkdtemp(join(tmpdir(), 'report-browser-'));
  const doc = sampleReportDocument();
  const index = await writeReportFiles(dir, await renderReportFiles(doc, { onWarning: (m) => t.log(m) }));
  const result = await checkReportInBrowser(index);
  t.deepEqual(result.errors, []);
  t.is(result.figures, documentFigures(doc).length);
  t.deepEqual(
    result.details.map((f) => f.id),
    documentFigures(doc).map((f) => `fig-${f.id}`),
  );
  for (const f of result.details) {
    t.true(f.width > 100 && f.height > 100, `${f.id}: ${f.width}×${f.height}`);
    t.true(f.marks > 0, `${f.id} has no marks`);
  }
  t.is(result.details.find((f) => f.id === 'fig-sample-scatter')?.marks, sampleScatterFigure().data.length, 'every point of the scatter (12 per kind)');
  t.is(result.screenshot, join(dir, 'screenshot.png'));
  const shot = decodePng(await readFile(result.screenshot));
  t.is(shot.width, 1100);
  t.true(shot.height > 1500, `full page, got height ${shot.height}`);
  t.true(countInkPixels(shot) > 20_000, 'the screenshot shows text and figures');
  if (t.passed) await rm(dir, { recursive: true, force: true });
  else t.log(`report kept at ${dir}`);
});

browserTest('the check reports console errors, page errors, external requests and empty figures', async (t) => {
  if (!available) return t.fail(`${missing}; .ci/run must apt-get install chromium`);
  t.timeout(30_000);
  const dir = await mkdtemp(join(tmpdir(), 'report-browser-bad-'));
  try {
    const index = join(dir, 'index.html');
    await writeFile(
      index,
      `<!doctype html><html><body>
<figure class="report-figure" id="fig-none"><p>no svg</p></figure>
<figure class="report-figure" id="fig-empty"><svg width="50" height="50"></svg></figure>
<img src="http://127.0.0.1:9/x.png">
<script>console.error('boom'); throw new Error('kaput');</script>
</body></html>`,
    );
    const result = await checkReportInBrowser(index);
    t.is(result.figures, 2);
    const all = result.errors.join('\n');
    t.regex(all, /console error: boom/);
    t.regex(all, /page error: .*kaput/);
    t.regex(all, /external request blocked: http:\/\/127\.0\.0\.1:9\/x\.png/);
    t.regex(all, /figure fig-none: no visible <svg>/);
    t.regex(all, /figure fig-empty: the SVG has no data marks/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
