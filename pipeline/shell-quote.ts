/** Quoting for /bin/sh, for job scripts and for the command lines sgd-noise prints for the user to type. */

/**
 * `s` quoted for /bin/sh: bare when it holds only plain characters, else in single quotes (which keep everything).
 *
 * ```ts
 * shellQuote('slow.ms=1'); // slow.ms=1
 * shellQuote("a 'b'");     // 'a '\''b'\'''
 * ```
 */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
