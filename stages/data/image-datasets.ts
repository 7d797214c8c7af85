/**
 * CIFAR-10 and SVHN: found in a configured directory, else in the download cache, else downloaded from the
 * official URLs and verified by MD5 where a network exists, else an error saying how to get them.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CIFAR_OFFICIAL, CIFAR_TEST_FILES, CIFAR_TRAIN_FILES, readCifar10, type ImageSet } from './cifar10.ts';
import { downloadVerified, type FetchReport } from './download.ts';
import { readSvhn, SVHN_OFFICIAL } from './svhn.ts';
import { readTar } from './tar.ts';
import { FileError } from '../../pipeline/errors.ts';
import { makeDirs } from '../../pipeline/make-dirs.ts';

/** Where to look and whether to download. */
export interface ImageSourceOptions {
  configured?: string | null;
  downloadDir?: string;
  download?: boolean;
  /** Overrides of the official URL and MD5 (tests serve small files from loopback). */
  official?: { url: string; md5: string };
  /** Where a download reports (a line before it starts, byte progress) and its cancellation. */
  report?: FetchReport;
}

/** The default download cache of a dataset. */
export function imageDownloadDir(name: 'cifar10' | 'svhn'): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'sgd-noise', name);
}

/** The folder of the CIFAR-10 binary batches inside the official archive (and, optionally, a configured directory). */
export const CIFAR_DIR = 'cifar-10-batches-bin';
const hasCifar = (dir: string) => [...CIFAR_TRAIN_FILES, ...CIFAR_TEST_FILES].every((f) => existsSync(path.join(dir, f)));

/** The directory holding the CIFAR-10 binary batches (downloading and extracting them if allowed). */
export async function locateCifar10(o: ImageSourceOptions = {}): Promise<string> {
  if (o.configured) {
    for (const dir of [o.configured, path.join(o.configured, CIFAR_DIR)]) if (hasCifar(dir)) return dir;
    throw new Error(`${o.configured}: no CIFAR-10 binary batches (${CIFAR_TRAIN_FILES[0]} … ${CIFAR_TEST_FILES[0]}) here or in ${CIFAR_DIR}/`);
  }
  const cache = o.downloadDir ?? imageDownloadDir('cifar10');
  const dir = path.join(cache, CIFAR_DIR);
  if (hasCifar(dir)) return dir;
  const official = o.official ?? CIFAR_OFFICIAL;
  if (o.download === false) throw new Error(notFound('CIFAR-10', 'cifar10.data.path', `${official.url} (binary version)`, cache));
  const archive = path.join(cache, 'cifar-10-binary.tar.gz');
  try {
    await downloadVerified(official.url, archive, { algorithm: 'md5', hex: official.md5 }, o.report);
  } catch (err) {
    throw new Error(`${notFound('CIFAR-10', 'cifar10.data.path', official.url, cache)}\n(download failed: ${(err as Error).message})`);
  }
  for (const [name, bytes] of readTar(readFileSync(archive), archive)) {
    const base = path.basename(name);
    if (![...CIFAR_TRAIN_FILES, ...CIFAR_TEST_FILES].includes(base)) continue;
    const tmp = path.join(dir, `${base}.${process.pid}.tmp`);
    try {
      makeDirs(dir);
      writeFileSync(tmp, bytes);
      renameSync(tmp, path.join(dir, base));
    } catch (err) {
      throw new FileError(path.join(dir, base), err, 'downloads');
    }
  }
  if (!hasCifar(dir)) throw new Error(`${archive}: the archive does not contain the CIFAR-10 binary batches`);
  return dir;
}

/** The path of SVHN's `<split>_32x32.mat` (downloading and verifying it if allowed). */
export async function locateSvhn(split: 'train' | 'test', o: ImageSourceOptions = {}): Promise<string> {
  const file = `${split}_32x32.mat`;
  if (o.configured) {
    const p = path.join(o.configured, file);
    if (existsSync(p)) return p;
    throw new Error(`${o.configured}: no ${file}`);
  }
  const cache = o.downloadDir ?? imageDownloadDir('svhn');
  const p = path.join(cache, file);
  if (existsSync(p)) return p;
  const official = o.official ?? SVHN_OFFICIAL[split];
  if (o.download === false) throw new Error(notFound('SVHN', 'svhn.data.path', official.url, cache));
  try {
    await downloadVerified(official.url, p, { algorithm: 'md5', hex: official.md5 }, o.report);
  } catch (err) {
    throw new Error(`${notFound('SVHN', 'svhn.data.path', official.url, cache)}\n(download failed: ${(err as Error).message})`);
  }
  return p;
}

/** Reads `count` images of a split of a dataset (NHWC bytes, labels 0..9). */
export async function loadImageSet(name: 'cifar10' | 'svhn', split: 'train' | 'test', count: number, o: ImageSourceOptions): Promise<ImageSet> {
  const set = name === 'cifar10' ? readCifar10(await locateCifar10(o), split, count) : readSvhn(await locateSvhn(split, o), count);
  if (set.count < count) throw new Error(`${name} ${split}: ${count} images requested, the split has ${set.count}`);
  return set;
}

function notFound(name: string, key: string, url: string, cache: string): string {
  return `${name} not found. Download ${url} into ${cache} (or run once with network access), or set ${key}=DIR.`;
}
