/** Test helpers: tiny Fashion-MNIST files in the real IDX format, and a real `.deb` that ships them (dpkg-deb -b). */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { Rng } from '../numerics/random.ts';
import { FASHION_FILES } from './fashion-mnist.ts';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx } from './idx.ts';

/** Writes a tiny dataset (gzip IDX files) into `dir`: n train and m test images of 28×28; returns the raw bytes. */
export function writeTinyFashion(dir: string, n = 12, m = 5, seed = 3): Record<keyof typeof FASHION_FILES, Uint8Array> {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const bytes = (k: number) => Uint8Array.from({ length: k }, () => rng.int(256));
  const labels = (k: number) => Uint8Array.from({ length: k }, () => rng.int(10));
  const raw = {
    trainImages: encodeIdx(IDX_IMAGES_MAGIC, [n, 28, 28], bytes(n * 784)),
    trainLabels: encodeIdx(IDX_LABELS_MAGIC, [n], labels(n)),
    testImages: encodeIdx(IDX_IMAGES_MAGIC, [m, 28, 28], bytes(m * 784)),
    testLabels: encodeIdx(IDX_LABELS_MAGIC, [m], labels(m)),
  };
  for (const [k, v] of Object.entries(raw)) writeFileSync(path.join(dir, FASHION_FILES[k as keyof typeof FASHION_FILES]), gzipSync(v));
  return raw;
}

/** SHA-256 of each raw (decompressed) file, as the loader's expected checksums are defined. */
export function sha256Of(raw: Record<keyof typeof FASHION_FILES, Uint8Array>): Record<keyof typeof FASHION_FILES, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex')])) as Record<
    keyof typeof FASHION_FILES,
    string
  >;
}

/** Builds `<dir>/<pkg>_<version>_all.deb` holding a tiny dataset under usr/share/datasets/fashion-mnist/. */
export async function buildFashionDeb(
  dir: string,
  pkg: string,
  version: string,
  seed = 3,
): Promise<{ deb: string; raw: Record<keyof typeof FASHION_FILES, Uint8Array> }> {
  const tree = path.join(dir, `${pkg}-tree`);
  const raw = writeTinyFashion(path.join(tree, 'usr/share/datasets/fashion-mnist'), 12, 5, seed);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  writeFileSync(
    path.join(tree, 'DEBIAN', 'control'),
    `Package: ${pkg}\nVersion: ${version}\nArchitecture: all\nMaintainer: sgd-noise tests <tests@localhost>\nDescription: tiny Fashion-MNIST for tests\n`,
  );
  const deb = path.join(dir, `${pkg}_${version}_all.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', tree, deb]);
  return { deb, raw };
}
