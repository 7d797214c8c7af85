// The process's limit on open files, read from /proc/self/limits, and the one-line advice when it is too low.
// Plain JavaScript: bin/sgd-noise.js checks the limit before loading anything else (module loading opens one file per
// module, and under a low limit it fails in random places with random messages).
import { readFileSync } from 'node:fs';

/** Fewer open files than this and sgd-noise refuses to start (the report's dependencies alone are hundreds of modules). */
export const MIN_OPEN_FILES = 256;
/** The limit the advice suggests. */
export const ADVISED_OPEN_FILES = 4096;

/**
 * The soft and hard limits on open files from /proc/self/limits ("unlimited" as Infinity), or undefined where that
 * file does not exist or cannot be parsed (not Linux). Read when this module loads and kept: once EMFILE has happened
 * the file cannot be opened any more.
 * @returns {{ soft: number, hard: number } | undefined}
 */
export function openFilesLimit() {
  readAtLoad ??= readOpenFilesLimit();
  return readAtLoad;
}

/** @type {{ soft: number, hard: number } | undefined} */
let readAtLoad = readOpenFilesLimit();

/** @returns {{ soft: number, hard: number } | undefined} */
function readOpenFilesLimit() {
  let text;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return undefined;
  const value = (/** @type {string} */ s) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: value(m[1]), hard: value(m[2]) };
}

/**
 * What to do about EMFILE: the current limit (where known) and `ulimit -n 4096`.
 * @returns {string}
 */
export function emfileAdvice() {
  const limit = openFilesLimit();
  const now = limit ? `the open-files limit is ${limit.soft} (soft; hard ${limit.hard}; /proc/self/limits); ` : '';
  return `${now}raise it with \`ulimit -n ${ADVISED_OPEN_FILES}\` in the shell that runs sgd-noise`;
}

/**
 * One line saying the limit is too low to start, or undefined when it is high enough or unknown.
 * @returns {string | undefined}
 */
export function lowOpenFilesLine() {
  const limit = openFilesLimit();
  if (!limit || limit.soft >= MIN_OPEN_FILES) return undefined;
  return `sgd-noise: the open-files limit is ${limit.soft} (soft; hard ${limit.hard}; /proc/self/limits), below the ${MIN_OPEN_FILES} sgd-noise needs (too many open files, EMFILE, would stop it while loading); raise it with \`ulimit -n ${ADVISED_OPEN_FILES}\` in the shell that runs sgd-noise`;
}
