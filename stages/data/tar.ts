/** Reading regular files out of a (gzipped) ustar archive in memory, e.g. cifar-10-binary.tar.gz. */
import { gunzipSync } from 'node:zlib';
import { DatasetFileError } from './idx.ts';

/** The regular files of a tar archive (gzip-compressed or not), by path. */
export function readTar(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  let data = bytes;
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data);
    } catch (err) {
      throw new DatasetFileError(file, `corrupt gzip stream (${(err as Error).message})`);
    }
  }
  const out = new Map<string, Uint8Array>();
  const text = (from: number, len: number) => new TextDecoder('latin1').decode(data.subarray(from, from + len)).replace(/\0.*$/s, '');
  let offset = 0;
  while (offset + 512 <= data.byteLength) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = text(offset, 100);
    const prefix = text(offset + 345, 155);
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (!Number.isFinite(size)) throw new DatasetFileError(file, `bad tar header at byte ${offset}`);
    const start = offset + 512;
    if (start + size > data.byteLength) throw new DatasetFileError(file, `truncated: tar member ${name} needs ${size} bytes at byte ${start}`);
    if (type === '0' || type === '\0') out.set(prefix ? `${prefix}/${name}` : name, data.subarray(start, start + size));
    offset = start + Math.ceil(size / 512) * 512;
  }
  return out;
}
