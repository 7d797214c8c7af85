/**
 * SVG → PNG with resvg. Fonts come from the `dejavu-fonts-ttf` npm package (DejaVu Sans/Serif/Mono TTFs), and system
 * fonts are NOT loaded: text renders the same on any machine after `npm ci`, with no fontconfig or Debian font package.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as ResvgJs from '@resvg/resvg-js';
import { lazyRequire } from '../../../pipeline/lazy-require.ts';

const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-BoldOblique.ttf', 'DejaVuSerif.ttf', 'DejaVuSansMono.ttf'];

/** resvg, required on first use (a native addon): a run with every figure cached does not load it. */
const loadResvg = lazyRequire<typeof ResvgJs>('@resvg/resvg-js');

let fontPaths: string[] | undefined;

/** Absolute paths of the bundled TTFs the PNG renderer loads; throws naming the missing file. */
export function bundledFontFiles(): string[] {
  if (fontPaths) return fontPaths;
  const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const paths = FONT_FILES.map((f) => join(dir, f));
  const missing = paths.find((p) => !existsSync(p));
  if (missing) throw new Error(`font file ${missing} is missing; is the npm package dejavu-fonts-ttf installed?`);
  fontPaths = paths;
  return paths;
}

/** Options of `svgToPng`. */
export interface PngOptions {
  /** Zoom factor over the SVG's own size (default 2: crisp on high-density screens and in print). */
  scale?: number;
  /** Background colour painted under the SVG (default white, so transparent SVGs stay readable). */
  background?: string;
}

/** Rasterise an SVG string to PNG bytes. Example: `writeFileSync('fig.png', svgToPng(svg, {scale: 2}))`. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) throw new Error(`PNG scale must be in (0, 16], got ${scale}`);
  const { Resvg } = loadResvg();
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: bundledFontFiles(),
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
      serifFamily: 'DejaVu Serif',
      monospaceFamily: 'DejaVu Sans Mono',
    },
    fitTo: { mode: 'zoom', value: scale },
    background: options.background ?? '#ffffff',
    logLevel: 'error',
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
