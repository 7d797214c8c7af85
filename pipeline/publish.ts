/**
 * Writes selected stage outputs to files (reports, figures) atomically: temp file, then rename. A file error names
 * the published file and `--publish-dir`, the option that moves published files. `publishOutputs` publishes what a
 * stage's `publish` names, once its entry is in the cache (the runner calls it after every hit and run).
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CacheStore } from '../cache/store.ts';
import { NDArray, type Json } from '../cache/values.ts';
import { getPath } from './config.ts';
import { FileError } from './errors.ts';
import { makeDirs } from './make-dirs.ts';
import type { PlanNode } from './plan.ts';

/**
 * Writes one output value to `file`: strings as text, byte arrays as bytes, other JSON pretty-printed. A file that
 * already holds exactly these bytes is left as it is (a run with every instance cached republishes the whole report).
 */
export function writeOutputFile(file: string, value: NDArray | Json): void {
  let bytes: Uint8Array | string;
  if (value instanceof NDArray) {
    if (value.dtype !== 'uint8') throw new Error(`cannot publish ${value.dtype} array to ${file}; only uint8 bytes or JSON`);
    bytes = value.data as Uint8Array;
  } else if (typeof value === 'string') bytes = value;
  else bytes = `${JSON.stringify(value, null, 2)}\n`;
  if (holds(file, bytes)) return;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    makeDirs(path.dirname(file));
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const failed = (err as { path?: string }).path;
    throw new FileError(failed === undefined || failed === tmp ? file : failed, err, 'publish');
  }
}

/** Whether `file` is a regular file whose content is exactly `bytes` (false when it cannot be read). */
function holds(file: string, bytes: Uint8Array | string): boolean {
  const expected = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size !== expected.byteLength) return false;
    return Buffer.compare(readFileSync(file), expected) === 0;
  } catch {
    return false;
  }
}

/**
 * Writes the files the stage of `node` publishes (`publish(params, cfg)`: output → path relative to `root`; an
 * output `name/*` is every output under `name/`, written into a directory), a sweep point's under its own name
 * ({@link pointPath}); `published` gets each file, or the directory with a trailing separator. A stage that
 * publishes nothing writes nothing.
 */
export function publishOutputs(node: PlanNode, cache: CacheStore, config: Record<string, unknown>, root: string, published: (file: string) => void): void {
  if (!node.stage.publish) return;
  const files = node.stage.publish(node.params, <T>(p: string) => getPath(config, p) as T);
  const manifest = cache.getManifest(node.key)!;
  const write = (output: string, rel: string): string => {
    const ref = manifest.outputs[output];
    if (!ref) throw new Error(`${node.instance}: publish names output '${output}', which the stage did not produce`);
    const file = path.resolve(root, rel);
    writeOutputFile(file, cache.readOutput(node.key, output, ref));
    return file;
  };
  for (const [output, declared] of Object.entries(files)) {
    const rel = node.point ? pointPath(declared, node.point.label) : declared;
    if (!output.endsWith('/*')) {
      published(write(output, rel));
      continue;
    }
    const prefix = output.slice(0, -1);
    const dir = path.resolve(root, rel);
    for (const name of Object.keys(manifest.outputs).filter((o) => o.startsWith(prefix))) {
      const target = path.resolve(dir, name.slice(prefix.length));
      if (!target.startsWith(dir + path.sep)) throw new Error(`${node.instance}: output '${name}' would be published outside ${dir}`);
      write(name, target);
    }
    published(`${dir}${path.sep}`);
  }
}

/**
 * Where a sweep point's instance publishes a declared path: `@label` before the extension of its last segment
 * (`out/summary.json` → `out/summary@left.scale=2.json`, `reports/quick` → `reports/quick@left.scale=2`), so points
 * never overwrite each other; path separators in the label become `_`.
 */
export function pointPath(rel: string, label: string): string {
  const trimmed = rel.replace(/[\\/]+$/, '');
  const ext = path.extname(trimmed);
  const safe = label.replace(/[\\/]/g, '_');
  return `${trimmed.slice(0, trimmed.length - ext.length)}@${safe}${ext}`;
}
