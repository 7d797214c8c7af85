/**
 * `mkdir -p` that reports the real cause: Node's recursive mkdir reports a read-only filesystem (EROFS) or a denied
 * parent as ENOENT ("check the path"), which sends the user after a typo that is not there. This creates each
 * missing component on its own, so the error is the one the kernel gave for the component that failed.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Creates `dir` and its missing parents; throws the error of the first component that cannot be created. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      mkdirSync(d); // not a directory: fails with EEXIST / ENOTDIR naming it
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.push(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
