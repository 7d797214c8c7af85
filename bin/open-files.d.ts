/** Types of bin/open-files.js (the open-files limit, checked before anything else loads). */
/** Fewer open files than this and sgd-noise refuses to start. */
export const MIN_OPEN_FILES: number;
/** The limit the advice suggests. */
export const ADVISED_OPEN_FILES: number;
/** The soft and hard limits on open files from /proc/self/limits, or undefined where unknown. */
export function openFilesLimit(): { soft: number; hard: number } | undefined;
/** What to do about EMFILE: the current limit (where known) and `ulimit -n 4096`. */
export function emfileAdvice(): string;
/** One line saying the limit is too low to start, or undefined when it is high enough or unknown. */
export function lowOpenFilesLine(): string | undefined;
