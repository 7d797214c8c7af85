/**
 * Fashion-MNIST: where to find it and how to read it. Sources, in order: a configured directory; the installed
 * Debian package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist); a verified earlier fetch in the
 * download cache; the same package fetched from the Debian archive without root; the official URLs; otherwise an
 * error listing every source tried and why it failed.
 */
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UnexpectedFileError } from '../../cache/safe-file.ts';
import type { CommandRunner } from './command.ts';
import { fetchDebianPackageFiles } from './debian-archive.ts';
import { fetchToFile } from './download.ts';
import { DatasetFileError, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from './idx.ts';
import { installVerified, makeScratchDir, sha256OfGunzipped } from './verified-install.ts';

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

/** The Debian package that ships the four files, and where they lie inside it. */
export const DEBIAN_FASHION_PACKAGE = 'dataset-fashion-mnist';

/** Where the dataset was found. */
export interface FashionLocation {
  dir: string;
  source: 'configured' | 'debian' | 'download-cache' | 'debian-archive' | 'downloaded';
}

/** Options for {@link locateFashionMnist}. */
export interface LocateOptions {
  /** A directory the user configured; when set, it must hold the files. */
  configured?: string | null;
  /** Where verified downloads are kept (default ~/.cache/sgd-noise/fashion-mnist, or under $XDG_CACHE_HOME). */
  downloadDir?: string;
  /** Fetch (Debian archive, then the official URLs) when nothing local is found (default true). */
  download?: boolean;
  /** Base URL to download from (default: the official one). */
  baseUrl?: string;
  /** Expected checksums (default: the real dataset's); tests pass their own. */
  sha256?: Record<keyof typeof FASHION_FILES, string>;
  /** Debian directory to look in (default /usr/share/datasets/fashion-mnist). */
  debianDir?: string;
  /** The Debian package to fetch from the archive (default dataset-fashion-mnist). */
  debianPackage?: string;
  /** Runs apt-get and dpkg-deb (default: the real commands; tests inject a fake). */
  run?: CommandRunner;
  /** One line per fetch before it starts, and per failed fetch before the next source is tried. */
  log?: (line: string) => void;
  /** Byte progress of a fetch. */
  progress?: (done: number, total: number, note?: string) => void;
  signal?: AbortSignal;
}

/** The default download cache directory. */
export function defaultDownloadDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'sgd-noise', 'fashion-mnist');
}

const hasAll = (dir: string) => Object.values(FASHION_FILES).every((f) => existsSync(path.join(dir, f)));
const FILE_NAMES = Object.keys(FASHION_FILES) as (keyof typeof FASHION_FILES)[];

/**
 * Finds the dataset, or throws an error listing every source tried and why it failed. Sources, in order: the
 * configured directory (exclusively, when set); the installed Debian package; the download cache (verified); the
 * Debian archive (`apt-get download`, no root); the official URLs. Fetched files are verified before they are kept.
 */
export async function locateFashionMnist(opts: LocateOptions = {}): Promise<FashionLocation> {
  if (opts.configured) {
    const missing = Object.values(FASHION_FILES).filter((f) => !existsSync(path.join(opts.configured!, f)));
    if (missing.length) throw new DatasetFileError(opts.configured, `configured Fashion-MNIST directory lacks ${missing.join(', ')}`);
    return { dir: opts.configured, source: 'configured' };
  }
  const sha256 = opts.sha256 ?? FASHION_SHA256;
  const debian = opts.debianDir ?? DEBIAN_FASHION_DIR;
  const downloadDir = opts.downloadDir ?? defaultDownloadDir();
  const pkg = opts.debianPackage ?? DEBIAN_FASHION_PACKAGE;
  const tried: string[] = ['fashion.data.path: not set'];

  if (hasAll(debian)) return { dir: debian, source: 'debian' };
  tried.push(`installed Debian package (${debian}): not installed`);

  const cached = checkDownloadCache(downloadDir, sha256);
  if (cached === 'ok') return { dir: downloadDir, source: 'download-cache' };
  tried.push(`download cache (${downloadDir}): ${cached}`);

  if (opts.download === false) {
    tried.push('Debian archive and official URLs: not tried (fashion.data.download=false)');
    throw new Error(notFoundMessage(tried, debian, downloadDir));
  }
  const fetchers: [label: string, source: FashionLocation['source'], fetch: (scratch: string) => Promise<Record<keyof typeof FASHION_FILES, string>>][] = [
    [`Debian archive (apt-get download ${pkg})`, 'debian-archive', (scratch) => fetchFromArchive(scratch, pkg, opts)],
    [`official URLs (${opts.baseUrl ?? FASHION_OFFICIAL_URL})`, 'downloaded', (scratch) => fetchFromUrls(scratch, opts.baseUrl ?? FASHION_OFFICIAL_URL, opts)],
  ];
  for (const [label, source, fetchFiles] of fetchers) {
    const scratch = makeScratchDir(downloadDir);
    try {
      const files = await fetchFiles(scratch);
      installVerified(
        FILE_NAMES.map((name) => ({ from: files[name], to: path.join(downloadDir, FASHION_FILES[name]), expected: sha256[name], digest: sha256OfGunzipped })),
      );
      return { dir: downloadDir, source };
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      const reason = (err as Error).message;
      tried.push(`${label}: ${reason}`);
      opts.log?.(`${label} failed: ${reason}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  throw new Error(notFoundMessage(tried, debian, downloadDir));
}

/** 'ok' when all four files are in `dir` and verify; else why not (a file that fails its check is removed). */
function checkDownloadCache(dir: string, sha256: Record<keyof typeof FASHION_FILES, string>): string {
  const missing = FILE_NAMES.filter((n) => !existsSync(path.join(dir, FASHION_FILES[n])));
  if (missing.length === FILE_NAMES.length) return 'empty';
  if (missing.length) return `incomplete (lacks ${missing.map((n) => FASHION_FILES[n]).join(', ')})`;
  for (const name of FILE_NAMES) {
    const file = path.join(dir, FASHION_FILES[name]);
    let got: string;
    try {
      got = sha256OfGunzipped(file); // a FIFO, device or link there is refused, not read (cache/safe-file.ts)
    } catch (err) {
      if (!(err instanceof UnexpectedFileError))
        got = `unreadable: ${(err as Error).message}`; // not gzip: fails below
      else {
        rmSync(file, { force: true });
        return `${err.message} (removed)`;
      }
    }
    if (got !== sha256[name]) {
      rmSync(file, { force: true });
      return `${FASHION_FILES[name]} failed its checksum (removed)`;
    }
  }
  return 'ok';
}

/** The four files from the Debian package, unpacked in `scratch` (verified by the caller). */
async function fetchFromArchive(scratch: string, pkg: string, opts: LocateOptions): Promise<Record<keyof typeof FASHION_FILES, string>> {
  const members = Object.fromEntries(FILE_NAMES.map((n) => [n, `usr/share/datasets/fashion-mnist/${FASHION_FILES[n]}`]));
  const files = await fetchDebianPackageFiles({
    package: pkg,
    members,
    workDir: scratch,
    run: opts.run,
    signal: opts.signal,
    log: opts.log,
    progress: opts.progress,
  });
  return files as Record<keyof typeof FASHION_FILES, string>;
}

/** The four files from `baseUrl`, downloaded into `scratch` (verified by the caller). */
async function fetchFromUrls(scratch: string, baseUrl: string, opts: LocateOptions): Promise<Record<keyof typeof FASHION_FILES, string>> {
  const files = {} as Record<keyof typeof FASHION_FILES, string>;
  for (const name of FILE_NAMES) {
    files[name] = path.join(scratch, FASHION_FILES[name]);
    await fetchToFile(new URL(FASHION_FILES[name], baseUrl).href, files[name], 'sha256', {
      log: opts.log,
      progress: opts.progress,
      signal: opts.signal,
      timeoutMs: 120_000,
    });
  }
  return files;
}

function notFoundMessage(tried: readonly string[], debian: string, downloadDir: string): string {
  return [
    'Fashion-MNIST not found. Sources tried, in order:',
    ...tried.map((t) => `  - ${t}`),
    'Any one of these provides it:',
    `  - apt-get install ${DEBIAN_FASHION_PACKAGE}   (Debian, as root; installs into ${debian})`,
    `  - set fashion.data.path=DIR to a directory holding ${Object.values(FASHION_FILES).join(', ')}`,
    `  - run once where the Debian archive or the official URLs can be reached; the files are verified and kept in ${downloadDir}`,
  ].join('\n');
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
