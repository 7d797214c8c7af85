/** Provenance facts for reports: versions of the packages that compute results, and the Node runtime. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Packages whose versions affect results or their storage. */
export const TRACKED_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  'lmdb',
  'rxjs',
  'zod',
  'ml-matrix',
  'vega',
  'vega-lite',
  '@resvg/resvg-js',
] as const;

/** The installed version of each tracked package (or "missing"), plus node and the platform. */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version, platform: `${process.platform}-${process.arch}` };
  for (const name of TRACKED_PACKAGES) {
    out[name] = installedVersion(name) ?? 'missing';
  }
  return out;
}

/** The version in the package.json of the installed package `name` (found from its resolved entry point). */
function installedVersion(name: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(name));
  } catch {
    return undefined;
  }
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version;
  }
  return undefined;
}
