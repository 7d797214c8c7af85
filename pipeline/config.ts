/**
 * Configuration handling that knows no experiment: profiles, `key.path=value` overrides, zod validation with errors
 * that name the exact path, and dotted-path access.
 */
import type { z } from 'zod';
import type { Json } from '../cache/values.ts';
import { pathIssues, numberSource, shapeIssues, type NumberSource } from './config-shape.ts';

/** A configuration error; `issues` holds one line per problem, each starting with the config path. */
export class ConfigError extends Error {
  /** Builds the error from its per-path lines: one problem is one line, several a list. */
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? `invalid configuration: ${issues[0]}` : `invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** Reads a dotted path from a plain object; `undefined` when any segment is missing. */
export function getPath(root: unknown, dotted: string): unknown {
  if (dotted === '') return root;
  let node: unknown = root;
  for (const segment of dotted.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Whether a dotted path exists in `root`. */
export function hasPath(root: unknown, dotted: string): boolean {
  const parts = dotted.split('.');
  const parent = getPath(root, parts.slice(0, -1).join('.'));
  return parent !== null && typeof parent === 'object' && Object.hasOwn(parent, parts.at(-1)!);
}

/** One parsed `key.path=value` override. */
export interface Override {
  path: string;
  value: Json;
}

/**
 * Parses `a.b=value`: the value is JSON when it parses as JSON (numbers, booleans, arrays…), else a plain string.
 * Rejects reserved key names (`__proto__`, `constructor`, `prototype`) in the path and in the value, values nested
 * too deep, and numbers that are not finite or not exact (`seed=9007199254740993`), naming the path and the text given.
 */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError([`${text}: an override must look like key.path=value`]);
  const path = text.slice(0, eq).trim();
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(path)) throw new ConfigError([`${path}: not a valid dotted key path`]);
  const raw = text.slice(eq + 1);
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    value = raw;
  }
  const override = { path, value };
  const issues = overrideIssues(override, typeof value === 'string' ? undefined : numberSource(raw));
  if (issues.length > 0) throw new ConfigError(issues);
  return override;
}

/** Parses every override (see {@link parseOverride}), reporting the problems of all of them in one ConfigError. */
export function parseOverrides(texts: readonly string[]): Override[] {
  const issues: string[] = [];
  const parsed = texts.flatMap((text) => {
    try {
      return [parseOverride(text)];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
      return [];
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed;
}

/** The shape problems of an override, one line each (see config-shape.ts): its path's, then its value's at that depth. */
export function overrideIssues({ path, value }: Override, source?: NumberSource): string[] {
  const issues = pathIssues(path);
  return issues.length > 0 ? issues : shapeIssues(value, path, path.split('.').length, source).map((i) => i.line);
}

/**
 * Returns a deep copy of `base` with each override set (missing parents are created so that validation names them).
 * `base` and the overrides are shape-checked first (iteratively), so nothing too deep reaches structuredClone.
 */
export function applyOverrides<T>(base: T, overrides: readonly Override[]): T {
  const issues = [...shapeIssues(base).map((i) => i.line), ...overrides.flatMap((o) => overrideIssues(o))];
  if (issues.length > 0) throw new ConfigError(issues);
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const { path, value } of overrides) {
    const parts = path.split('.');
    let node: Record<string, unknown> = copy;
    parts.slice(0, -1).forEach((segment, i) => {
      const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        if (next !== undefined) {
          throw new ConfigError([`${parts.slice(0, i + 1).join('.')}: is a ${typeof next}, cannot set ${path} below it`]);
        }
        node[segment] = {};
      }
      node = node[segment] as Record<string, unknown>;
    });
    node[parts.at(-1)!] = value;
  }
  return copy as T;
}

/**
 * Validates `raw` against `schema`, throwing a ConfigError whose lines name each failing path and expected type.
 * Its shape is checked first and whatever its schema says (config-shape.ts): every number finite and exact (a cache
 * key cannot hold NaN or ±Infinity, and no setting means them), no reserved key, a bounded depth; a value too deep or
 * with a reserved key never reaches zod.
 */
export function validateConfig<S extends z.ZodTypeAny>(schema: S, raw: unknown, reference: unknown = raw): z.infer<S> {
  const shape = shapeIssues(raw);
  if (shape.some((i) => i.structural)) throw new ConfigError(shape.map((i) => i.line));
  const parsed = schema.safeParse(raw);
  if (parsed.success && shape.length === 0) return parsed.data;
  const flagged = new Set(shape.map((i) => i.path));
  const issues = parsed.success ? [] : parsed.error.issues.filter((issue) => !flagged.has(issue.path.join('.') || '(root)'));
  throw new ConfigError([...shape.map((i) => i.line), ...issues.map((issue) => describeIssue(issue, reference))]);
}

function describeIssue(issue: z.ZodIssue, reference: unknown): string {
  const at = issue.path.join('.') || '(root)';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.received === 'undefined') return `${at}: required ${issue.expected} is missing`;
      return `${at}: expected ${issue.expected}, received ${issue.received}`;
    case 'unrecognized_keys': {
      const parent = getPath(reference, issue.path.join('.'));
      const known = parent && typeof parent === 'object' ? Object.keys(parent).filter((k) => !issue.keys.includes(k)) : [];
      return issue.keys.map((k) => `${[...issue.path, k].join('.')}: unknown key${known.length ? ` (known here: ${known.join(', ')})` : ''}`).join('\n  - ');
    }
    case 'invalid_enum_value':
      return `${at}: expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, received ${JSON.stringify(issue.received)}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

/** The keys of every leaf of a plain object, as dotted paths (arrays count as leaves). */
export function leafPaths(root: unknown, prefix = ''): string[] {
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return prefix ? [prefix] : [];
  return Object.entries(root).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

/**
 * Flattens nested config objects into dotted keys; arrays and scalars are leaves (JSON-encoded). Example:
 * `flattenConfig({ a: { b: 1, c: [2] } })` is `[{ key: 'a.b', value: '1' }, { key: 'a.c', value: '[2]' }]`.
 */
export function flattenConfig(value: unknown, prefix = ''): { key: string; value: string }[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenConfig(v, prefix ? `${prefix}.${k}` : k));
  }
  return [{ key: prefix, value: JSON.stringify(value) }];
}
