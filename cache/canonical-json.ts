/**
 * Canonical JSON: objects with recursively sorted keys, no whitespace, so that equal values always give equal text.
 * Used for every cache key; rejects values JSON cannot represent faithfully instead of silently changing them.
 */

/** Serialises `value` with recursively sorted object keys. Example: `canonicalJson({b: 1, a: [2]})` → `{"a":[2],"b":1}`. */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value} at ${path}`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
      if (ArrayBuffer.isView(value)) throw new TypeError(`canonicalJson: typed array at ${path}; hash its bytes instead`);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: non-plain object (${proto?.constructor?.name ?? 'unknown'}) at ${path}`);
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialise ${typeof value} at ${path}`);
  }
}
