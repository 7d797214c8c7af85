/**
 * The shape every configuration value must have before anything recursive (structuredClone, zod, canonical JSON)
 * touches it: at most {@link MAX_CONFIG_DEPTH} levels deep, no key that names a prototype property
 * ({@link RESERVED_KEYS}), only plain objects and arrays, and numbers that are finite and exact (within ±(2^53 − 1)).
 * The walk is iterative, so a value nested 100,000 levels deep is reported, not a stack overflow.
 *
 * ```ts
 * shapeIssues(JSON.parse('{"a":{"__proto__":1}}')); // ["a.__proto__: '__proto__' is a reserved key name (…)"]
 * shapeIssues({ seed: 2 ** 53 }, 'seed'); // ['seed: 9007199254740992 is beyond …']
 * ```
 */

/** Keys that name properties of every object (`Object.prototype`'s, a function's): never configuration keys. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The most levels of objects and arrays a configuration may nest (the project's profiles use five). */
export const MAX_CONFIG_DEPTH = 32;

/** Why a reserved key is refused (after `path: `). */
function reservedKeyIssue(key: string): string {
  return `'${key}' is a reserved key name (${[...RESERVED_KEYS].join(', ')} name built-in object properties, never settings)`;
}

/** Problems of a dotted config path, one line each: reserved segment names, more segments than a configuration may nest. */
export function pathIssues(dotted: string): string[] {
  const segments = dotted.split('.');
  const issues = segments.flatMap((s, i) => (RESERVED_KEYS.has(s) ? [`${segments.slice(0, i + 1).join('.')}: ${reservedKeyIssue(s)}`] : []));
  if (segments.length > MAX_CONFIG_DEPTH) issues.push(`${segments.slice(0, MAX_CONFIG_DEPTH + 1).join('.')}…: ${DEPTH_ISSUE}`);
  return issues;
}

/** How `shapeIssues` names an unsafe number: the text the user wrote for it, when known (JSON.parse has rounded it). */
export type NumberSource = (value: number) => string | undefined;

/** One shape problem: its line (starting with the dotted path), and whether the value must not reach a schema at all. */
export interface ShapeIssue {
  readonly line: string;
  /** The path the line names (`(root)` for the value itself). */
  readonly path: string;
  /** Too deep, a reserved key or a non-plain object: recursive code (zod, structuredClone) must not see the value. */
  readonly structural: boolean;
}

/**
 * Every shape problem of `value` (see the module comment), naming its dotted path below `at` (array elements by
 * index). `depth` is the nesting `value` already sits at (an override's path segments). Iterative; below a
 * too-deep object nothing more is reported.
 */
export function shapeIssues(value: unknown, at = '', depth = 0, source?: NumberSource): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  const add = (path: string, line: string, structural: boolean) => issues.push({ path, line: `${path}: ${line}`, structural });
  // Depth-first in key order, so lines come in the order of the value's text; a reserved key is an item of its own.
  const stack: { value: unknown; at: string; depth: number; reserved?: string }[] = [{ value, at, depth }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const where = item.at || '(root)';
    if (item.reserved !== undefined) {
      add(where, reservedKeyIssue(item.reserved), true);
      continue;
    }
    const v = item.value;
    if (typeof v === 'number') {
      const issue = numberIssue(v, source);
      if (issue) add(where, issue, false);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (item.depth >= MAX_CONFIG_DEPTH) {
      add(where, DEPTH_ISSUE, true);
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      const made =
        Object.hasOwn(proto, 'constructor') && typeof proto.constructor === 'function'
          ? `a ${proto.constructor.name} object`
          : 'an object with a prototype of its own';
      add(where, `expected a plain object, an array or a value, received ${made}`, true);
      continue;
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      const below = item.at ? `${item.at}.${k}` : k;
      stack.push({ value: x, at: below, depth: item.depth + 1, ...(RESERVED_KEYS.has(k) ? { reserved: k } : {}) });
    }
  }
  return issues;
}

/** The problem of one number: not finite (a cache key cannot hold it), or too large to be exact; else undefined. */
function numberIssue(n: number, source?: NumberSource): string | undefined {
  if (!Number.isFinite(n)) return `expected a finite number, received ${n}`;
  if (Math.abs(n) <= Number.MAX_SAFE_INTEGER) return undefined;
  const written = source?.(n);
  const shown = written !== undefined && written !== String(n) ? `${written} (read as ${n})` : String(n);
  return `${shown} lies beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1), where numbers lose digits and distinct values become equal; give a smaller number`;
}

const DEPTH_ISSUE = `nested deeper than ${MAX_CONFIG_DEPTH} levels (configurations nest a few; flatten the value)`;

/**
 * Maps a number JSON.parse read from `text` back to the number literal written there (the first whose value it is),
 * so errors show `9007199254740993`, not the `9007199254740992` it became.
 */
export function numberSource(text: string): NumberSource {
  const literals = [...text.matchAll(/"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g)].flatMap((m) => (m[1] ? [m[1]] : []));
  return (value) => literals.find((l) => Number(l) === value);
}
