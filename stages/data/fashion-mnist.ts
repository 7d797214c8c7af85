/**
 * Fashion-MNIST: where to find it and how to read it. Sources, in order: a configured directory; the Debian package
 * `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist); a verified earlier download in the download cache;
 * otherwise a download from the official URLs when a network exists; otherwise an error saying how to get it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetFileError, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from './idx.ts';

/** The four files of the dataset. */
export const FASHION_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** SHA-256 of each file's decompressed bytes (the same for the Debian package and the official files). */
export const FASHION_SHA256: Record<keyof typeof FASHION_FILES, string> = {
  trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
};

/** The official download location of the dataset's files. */
export const FASHION_OFFICIAL_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
/** Where the Debian package installs the files. */
export const DEBIAN_FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** Where the dataset was found. */
export interface FashionLocation {
  dir: string;
  source: 'configured' | 'debian' | 'download-cache' | 'downloaded';
}

/** Options for {@link locateFashionMnist}. */
export interface LocateOptions {
  /** A directory the user configured; when set, it must hold the files. */
  configured?: string | null;
  /** Where verified downloads are kept (default ~/.cache/sgd-noise/fashion-mnist). */
  downloadDir?: string;
  /** Try downloading when nothing local is found (default true). */
  download?: boolean;
  /** Base URL to download from (default: the official one). */
  baseUrl?: string;
  /** Expected checksums (default: the real dataset's); tests pass their own. */
  sha256?: Record<keyof typeof FASHION_FILES, string>;
  /** Debian directory to look in (default /usr/share/datasets/fashion-mnist). */
  debianDir?: string;
}

/** The default download cache directory. */
export function defaultDownloadDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'sgd-noise', 'fashion-mnist');
}

const hasAll = (dir: string) => Object.values(FASHION_FILES).every((f) => existsSync(path.join(dir, f)));

/** Finds the dataset (downloading and verifying it if allowed), or throws an error saying how to get it. */
export async function locateFashionMnist(opts: LocateOptions = {}): Promise<FashionLocation> {
  if (opts.configured) {
    const missing = Object.values(FASHION_FILES).filter((f) => !existsSync(path.join(opts.configured!, f)));
    if (missing.length) throw new DatasetFileError(opts.configured, `configured Fashion-MNIST directory lacks ${missing.join(', ')}`);
    return { dir: opts.configured, source: 'configured' };
  }
  const debian = opts.debianDir ?? DEBIAN_FASHION_DIR;
  if (hasAll(debian)) return { dir: debian, source: 'debian' };
  const downloadDir = opts.downloadDir ?? defaultDownloadDir();
  if (hasAll(downloadDir)) return { dir: downloadDir, source: 'download-cache' };
  if (opts.download !== false) {
    try {
      await downloadFashionMnist(downloadDir, opts.baseUrl ?? FASHION_OFFICIAL_URL, opts.sha256 ?? FASHION_SHA256);
      return { dir: downloadDir, source: 'downloaded' };
    } catch (err) {
      throw new Error(`${notFoundMessage(debian, downloadDir)}\n(download failed: ${(err as Error).message})`);
    }
  }
  throw new Error(notFoundMessage(debian, downloadDir));
}

function notFoundMessage(debian: string, downloadDir: string): string {
  return [
    'Fashion-MNIST not found. Any one of these provides it:',
    '  - apt-get install dataset-fashion-mnist   (Debian; installs into ' + debian + ')',
    '  - set fashion.data.path=DIR to a directory holding ' + Object.values(FASHION_FILES).join(', '),
    `  - run once with network access; the files are downloaded, verified and kept in ${downloadDir}`,
  ].join('\n');
}

/** Downloads the four files, verifies each decompressed file's SHA-256, and only then moves it into `dir`. */
export async function downloadFashionMnist(dir: string, baseUrl: string, sha256: Record<keyof typeof FASHION_FILES, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, file] of Object.entries(FASHION_FILES) as [keyof typeof FASHION_FILES, string][]) {
    const target = path.join(dir, file);
    if (existsSync(target)) continue;
    const url = new URL(file, baseUrl).href;
    const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const gz = new Uint8Array(await response.arrayBuffer());
    const digest = createHash('sha256').update(gunzipSync(gz)).digest('hex');
    if (digest !== sha256[name]) throw new Error(`${url}: checksum mismatch (sha256 of contents ${digest}, expected ${sha256[name]})`);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, gz);
    renameSync(tmp, target);
  }
}

/** Images (N×28×28 bytes) and labels (N bytes) of one split, checked for consistent counts and label range. */
export interface FashionSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Reads one split from `dir`, optionally only its first `limit` examples. */
export function readFashionSplit(dir: string, split: 'train' | 'test', limit?: number): FashionSplit {
  const imgFile = path.join(dir, split === 'train' ? FASHION_FILES.trainImages : FASHION_FILES.testImages);
  const lblFile = path.join(dir, split === 'train' ? FASHION_FILES.trainLabels : FASHION_FILES.testLabels);
  const img = readIdx(imgFile, IDX_IMAGES_MAGIC);
  const lbl = readIdx(lblFile, IDX_LABELS_MAGIC);
  if (img.shape.length !== 3) throw new DatasetFileError(imgFile, `expected 3 dimensions, found [${img.shape.join(', ')}]`);
  const [n, rows, cols] = img.shape as [number, number, number];
  if (lbl.shape[0] !== n) throw new DatasetFileError(lblFile, `${lbl.shape[0]} labels for ${n} images in ${imgFile}`);
  const count = Math.min(n, limit ?? n);
  const labels = lbl.data.subarray(0, count);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new DatasetFileError(lblFile, `label ${labels[bad]} at index ${bad} is outside 0..9`);
  return { images: img.data.subarray(0, count * rows * cols), labels, count, rows, cols };
}
