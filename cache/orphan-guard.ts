/**
 * Children that die with their parent. Every Node child that sgd-noise starts (stage workers, the cost measurement,
 * salvage readers, the WebGPU probe) gets the preload exit-with-parent.js through {@link EXIT_WITH_PARENT_OPTIONS};
 * every external program (apt-get, dpkg-deb, the Slurm commands) is started through {@link dieWithParent}.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of the preload that makes a Node process exit when its parent dies. */
export const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.js', import.meta.url));

/** `--import` of {@link EXIT_WITH_PARENT}, for a child's Node options (before its other `--import`s). */
export const EXIT_WITH_PARENT_OPTIONS: readonly string[] = ['--import', EXIT_WITH_PARENT];

/** The path of the executable `file` on $PATH (first match; `file` itself when it holds a `/`), or undefined. */
function onPath(file: string, searchPath: string): string | undefined {
  if (file.includes('/')) return file;
  for (const dir of searchPath.split(':')) {
    if (dir === '') continue;
    try {
      accessSync(path.join(dir, file), constants.X_OK);
      return path.join(dir, file);
    } catch {
      // not here
    }
  }
  return undefined;
}

let setpriv: string | null | undefined;

/**
 * `[file, args]` for an external (non-Node) program that is to die with this process: started through util-linux's
 * `setpriv --pdeathsig KILL`, which asks the kernel to kill it when its parent dies (a kill -9 of the runner), then
 * execs the program (same pid, arguments and exit code). Unchanged where setpriv is missing (not Linux, no
 * util-linux) or the program is not on PATH, so that callers still see ENOENT for a missing program.
 * `searchPath` is the PATH the program is looked up in (the child's, where its environment sets one).
 * Example: `execa(...dieWithParent('apt-get', ['download', 'dataset-fashion-mnist']))`.
 */
export function dieWithParent(file: string, args: readonly string[], searchPath: string = process.env.PATH ?? ''): [string, string[]] {
  if (setpriv === undefined) setpriv = process.platform === 'linux' ? (onPath('setpriv', `${process.env.PATH ?? ''}:/usr/bin:/bin`) ?? null) : null;
  const program = onPath(file, searchPath);
  if (setpriv === null || program === undefined) return [file, [...args]];
  return [setpriv, ['--pdeathsig', 'KILL', '--', program, ...args]];
}
