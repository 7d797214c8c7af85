import test from 'ava';
import { countInkPixels, decodePng } from './png-decode.ts';
import { bundledFontFiles, svgToPng } from './png.ts';
import { sampleLineFigure } from './sample-document.ts';
import { renderSvg } from './vega.ts';

const textOnly = (font: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="28" font-family="${font}" font-size="20" fill="#000">Iteration 1e-3</text></svg>`;

test('text renders with the bundled fonts, for named and generic families', (t) => {
  t.true(bundledFontFiles().length >= 4);
  for (const font of ['DejaVu Sans, Helvetica, Arial, sans-serif', 'sans-serif', 'monospace', 'NoSuchFont']) {
    const png = decodePng(svgToPng(textOnly(font), { scale: 1 }));
    t.is(png.width, 200);
    t.is(png.height, 40);
    const ink = countInkPixels(png);
    t.true(ink > 300, `font '${font}': only ${ink} text pixels`);
  }
});

test('an SVG with nothing drawn gives a white PNG of the scaled size', (t) => {
  const png = decodePng(svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"></svg>', { scale: 3 }));
  t.is(png.width, 90);
  t.is(png.height, 60);
  t.is(countInkPixels(png), 0);
  t.deepEqual([...png.rgba.subarray(0, 4)], [255, 255, 255, 255]);
});

test('a rendered figure rasterises at twice its size with its line colours, identically every time', async (t) => {
  const fig = sampleLineFigure();
  const svg = await renderSvg(fig.spec, fig.data, { onWarning: () => {} });
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const bytes = svgToPng(svg);
  t.deepEqual(svgToPng(svg), bytes);
  const png = decodePng(bytes);
  t.is(png.width, 2 * width);
  let vermillion = 0;
  for (let i = 0; i < png.rgba.length; i += 4) {
    if (Math.abs(png.rgba[i] - 0xd5) < 8 && Math.abs(png.rgba[i + 1] - 0x5e) < 8 && Math.abs(png.rgba[i + 2] - 0x00) < 8) vermillion++;
  }
  t.true(vermillion > 500, `SGD line: ${vermillion} vermillion pixels`);
});

test('a bad scale is refused', (t) => {
  t.throws(() => svgToPng(textOnly('sans-serif'), { scale: 0 }), { message: /scale must be in \(0, 16\], got 0/ });
});
