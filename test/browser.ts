/**
 * Opens a rendered HTML report in Debian's headless Chromium (through playwright-core, no downloaded browser) and
 * checks it as a reader would see it: no console or page errors, no request leaving the disk, every figure an SVG
 * of non-zero size with data marks; then saves a full-page screenshot next to the report.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Where the Chromium binary is looked for (`CHROMIUM_PATH` overrides; Debian's package installs /usr/bin/chromium). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium flags: headless in a container, and no background traffic (updates, sync, QUIC) on a closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Whether the Chromium binary exists. */
export function chromiumAvailable(executablePath: string = CHROMIUM_PATH): boolean {
  return existsSync(executablePath);
}

/** What the page showed for one `figure.report-figure`. */
export interface FigureInBrowser {
  id: string;
  /** Rendered size of its first `<svg>` in CSS pixels (0 when it has none). */
  width: number;
  height: number;
  /** Shapes inside vega data-mark groups (`g.role-mark`): lines, points, bars, … */
  marks: number;
}

/** Result of `checkReportInBrowser`. */
export interface BrowserCheck {
  /** Number of `figure.report-figure` elements. */
  figures: number;
  /** Everything wrong, one line each: console errors, page errors, failed or external requests, broken figures. */
  errors: string[];
  /** Absolute path of the full-page screenshot. */
  screenshot: string;
  details: FigureInBrowser[];
}

/** Options of `checkReportInBrowser`. */
export interface BrowserCheckOptions {
  executablePath?: string;
  /** Screenshot path (default `screenshot.png` next to index.html). */
  screenshot?: string;
  /** Viewport width in CSS pixels (default 1100). */
  width?: number;
  /** Per-action timeout (default 20 s). */
  timeoutMs?: number;
}

// Runs in the page. A string, not a function: tsx/esbuild may wrap functions in helpers that the page lacks.
const INSPECT_FIGURES = `[...document.querySelectorAll('figure.report-figure')].map((fig) => {
  const svg = fig.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  const marks = svg ? svg.querySelectorAll(
    'g.role-mark > path, g.role-mark > rect, g.role-mark > circle, g.role-mark > line, g.role-mark > text, g.role-mark > image'
  ).length : 0;
  return { id: fig.id, width: box.width, height: box.height, marks };
})`;

/**
 * Open `indexHtmlPath` from disk in headless Chromium, collect errors, check every figure and save a screenshot.
 * Throws only when the browser cannot run; problems with the page are returned in `errors`.
 * Example: `const r = await checkReportInBrowser('reports/quick/index.html'); assert(r.errors.length === 0)`.
 */
export async function checkReportInBrowser(indexHtmlPath: string, options: BrowserCheckOptions = {}): Promise<BrowserCheck> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!chromiumAvailable(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}; install Debian's 'chromium' package (or set CHROMIUM_PATH)`);
  }
  const index = resolve(indexHtmlPath);
  if (!existsSync(index)) throw new Error(`report page ${index} does not exist`);
  const screenshot = resolve(options.screenshot ?? join(dirname(index), 'screenshot.png'));
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  const errors: string[] = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: options.width ?? 1100, height: 800 },
  });
  try {
    context.setDefaultTimeout(options.timeoutMs ?? 20_000);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      errors.push(`external request blocked: ${url}`);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      if (req.failure()?.errorText !== 'net::ERR_BLOCKED_BY_CLIENT') errors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
    });
    await page.goto(pathToFileURL(index).href, { waitUntil: 'load' });
    const details = (await page.evaluate(INSPECT_FIGURES)) as FigureInBrowser[];
    for (const f of details) {
      if (f.width <= 0 || f.height <= 0) errors.push(`figure ${f.id}: no visible <svg> (size ${f.width}×${f.height})`);
      else if (f.marks === 0) errors.push(`figure ${f.id}: the SVG has no data marks`);
    }
    await page.screenshot({ path: screenshot, fullPage: true });
    return { figures: details.length, errors, screenshot, details };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
