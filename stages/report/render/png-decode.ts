/**
 * A minimal PNG reader for checking rendered images in tests: 8-bit greyscale/RGB/RGBA (± alpha), non-interlaced —
 * what resvg and Chromium screenshots write. Anything else is refused with the header values named.
 */
import { inflateSync } from 'node:zlib';

/** Decoded pixels, always as RGBA bytes (4 per pixel, row-major). */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decode PNG bytes to RGBA pixels. Example: `decodePng(svgToPng(svg)).width`. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('not a PNG: bad signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length; ) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const body = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const [depth, ct, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || CHANNELS[ct] === undefined || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${depth}, colour type ${ct}, interlace ${interlace}`);
      }
      colorType = ct;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + length;
  }
  if (colorType < 0) throw new Error('not a PNG: no IHDR chunk');
  const channels = CHANNELS[colorType];
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (stride + 1)) {
    throw new Error(`PNG data has ${raw.length} bytes, expected ${height * (stride + 1)} for ${width}x${height}`);
  }
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    if (filter > 4) throw new Error(`PNG row ${y} has unknown filter ${filter}`);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[row + x - channels] : 0;
      const b = y > 0 ? px[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? px[row - stride + x - channels] : 0;
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
      px[row + x] = (src[x] + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const grey = channels <= 2;
    rgba[i * 4] = px[s];
    rgba[i * 4 + 1] = grey ? px[s] : px[s + 1];
    rgba[i * 4 + 2] = grey ? px[s] : px[s + 2];
    rgba[i * 4 + 3] = channels === 2 ? px[s + 1] : channels === 4 ? px[s + 3] : 255;
  }
  return { width, height, rgba };
}

/** Number of pixels whose RGB differs from `background` (default white) by more than `tolerance` in some channel. */
export function countInkPixels(png: DecodedPng, background: [number, number, number] = [255, 255, 255], tolerance = 16): number {
  let n = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const o = i * 4;
    if (
      Math.abs(png.rgba[o] - background[0]) > tolerance ||
      Math.abs(png.rgba[o + 1] - background[1]) > tolerance ||
      Math.abs(png.rgba[o + 2] - background[2]) > tolerance
    )
      n++;
  }
  return n;
}
