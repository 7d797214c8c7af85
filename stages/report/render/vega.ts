/**
 * Vega-Lite spec + records → SVG string, headless and offline: `vega-lite` compiles, `vega` renders with no renderer
 * attached (`renderer: 'none'`), text measured by vega's font-size estimate (no canvas), so the same input gives the
 * same bytes on every machine and run.
 */
import type * as Vega from 'vega';
import type { VegaLiteSpec } from '../document.ts';
import { THEME_CONFIG } from './theme.ts';

/** The Vega-Lite schema URL stamped on exported specs (an identifier only; nothing is fetched). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects: keys of `over` win, nested objects merge, arrays and scalars replace. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeConfig(b, v) : v;
  }
  return out;
}

/**
 * The spec as exported (`<id>.vl.json`): schema, the spec's own keys, `data: {values}` and the theme config with the
 * spec's `config` merged over it. Throws if the spec brings its own `data` (the figure's records are the data).
 */
export function fullSpec(spec: VegaLiteSpec, data: readonly Record<string, unknown>[]): VegaLiteSpec {
  if ('data' in spec) throw new Error('a figure spec must not carry its own data; put the records in ReportFigure.data');
  const own = spec.config;
  if (own !== undefined && !isPlainObject(own)) throw new Error(`spec.config must be an object, got ${JSON.stringify(own)}`);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...spec,
    data: { values: data },
    config: mergeConfig(THEME_CONFIG, own ?? {}),
  };
}

/** A vega loader that refuses every load (and notes the uri), so a spec with a `url` never reaches the network. */
function offlineLoader(refused: string[]): Vega.Loader {
  const refuse = async (uri: string): Promise<never> => {
    refused.push(uri);
    throw new Error(`figure data must be inlined; refusing to load '${uri}'`);
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/** Renders run one at a time: vega numbers clip paths with a module-wide counter that `resetSVGDefIds` restarts. */
let queue: Promise<unknown> = Promise.resolve();

/** Options of `renderSvg`. */
export interface RenderSvgOptions {
  /** Receives vega/vega-lite warnings (default: `console.warn`). */
  onWarning?: (message: string) => void;
}

/**
 * Render a Vega-Lite spec with its records to an SVG string (theme applied, data inlined). Deterministic: clip-path
 * and gradient ids restart for every figure. Example: `await renderSvg({mark: 'bar', encoding: {...}}, rows)`.
 */
export function renderSvg(spec: VegaLiteSpec, data: readonly Record<string, unknown>[], options: RenderSvgOptions = {}): Promise<string> {
  const run = queue.then(() => renderOne(spec, data, options));
  queue = run.catch(() => undefined);
  return run;
}

async function renderOne(spec: VegaLiteSpec, data: readonly Record<string, unknown>[], options: RenderSvgOptions): Promise<string> {
  // Loaded on the first render: vega and vega-lite are about 300 modules, which a run with every figure cached skips.
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const onWarning = options.onWarning ?? ((m: string) => console.warn(`vega: ${m}`));
  const errors: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, level, input) => {
    const message = input.map((x) => (x instanceof Error ? x.message : String(x))).join(' ');
    if (level === 'ERROR') errors.push(message);
    else onWarning(message);
  });
  // vega-lite's TopLevelSpec type is far stricter than the document's structural spec; vega-lite validates it here.
  const compiled = vl.compile(fullSpec(spec, data) as unknown as Parameters<typeof vl.compile>[0], { logger });
  const refused: string[] = [];
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', loader: offlineLoader(refused), logger });
  try {
    vega.resetSVGDefIds();
    const svg = await view.toSVG();
    // vega reports a failed load as a warning and renders without the data; a figure must not.
    if (refused.length > 0) throw new Error(`figure data must be inlined; the spec asked to load ${refused.join(', ')}`);
    if (errors.length > 0) throw new Error(`vega reported errors: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}
