/** Turning cache entries into things a person or a script reads: summaries, tables, JSON and CSV exports. */
import type { Manifest } from '../cache/manifest.ts';
import type { CacheStore } from '../cache/store.ts';
import { NDArray, type Json } from '../cache/values.ts';
import { matchInstances, type Plan } from './plan.ts';
import { pointLabel } from './sweep.ts';

/** Summary statistics of an array output. */
export interface ArrayStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  nonFinite: number;
}

/** min, max, mean, std (population) and the number of NaN/±Inf entries, over the finite entries. */
export function arrayStats(data: ArrayLike<number>): ArrayStats {
  let n = 0;
  let nonFinite = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  return n === 0 ? { min: NaN, max: NaN, mean: NaN, std: NaN, nonFinite } : { min, max, mean, std: Math.sqrt(m2 / n), nonFinite };
}

/** A manifest with per-output summaries, for `show`. */
export function describeEntry(cache: CacheStore, manifest: Manifest): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(manifest.outputs)) {
    const value = cache.readOutput(manifest.key, name, ref);
    if (value instanceof NDArray) {
      outputs[name] = { kind: 'array', dtype: value.dtype, shape: value.shape, bytes: ref.bytes, ...arrayStats(value.data) };
    } else {
      outputs[name] = { kind: 'json', type: jsonType(value), bytes: ref.bytes, preview: preview(value) };
    }
  }
  return {
    key: manifest.key,
    instance: manifest.instance,
    stage: manifest.stage,
    version: manifest.version,
    params: manifest.params,
    seed: manifest.seed,
    createdAt: manifest.createdAt,
    durationMs: manifest.durationMs,
    host: manifest.host,
    config: manifest.config,
    inputs: manifest.inputs,
    meta: manifest.meta,
    outputs,
  };
}

/** A human-readable rendering of {@link describeEntry} (with a `point:` line for a sweep point's instance). */
export function formatEntry(d: Record<string, unknown>): string {
  const lines = [
    `${d.instance}  key ${d.key}`,
    ...(d.point ? [`  point: ${pointLabel(d.point as Record<string, Json>)}`] : []),
    `  stage ${d.stage} v${d.version}, seed ${d.seed ?? '-'}, ran ${d.createdAt} for ${d.durationMs} ms on ${(d.host as { platform: string }).platform}`,
    '  config:',
    ...Object.entries(d.config as object).map(([k, v]) => `    ${k} = ${JSON.stringify(v)}`),
    '  inputs:',
    ...Object.entries(d.inputs as object).map(([k, v]) => `    ${k} ← ${String(v).slice(0, 12)}`),
  ];
  if (Object.keys(d.meta as object).length) lines.push('  meta:', ...Object.entries(d.meta as object).map(([k, v]) => `    ${k} = ${JSON.stringify(v)}`));
  lines.push('  outputs:');
  for (const [name, o] of Object.entries(d.outputs as Record<string, Record<string, unknown>>)) {
    if (o.kind === 'array') {
      const f = (x: unknown) => (typeof x === 'number' ? Number(x.toPrecision(6)) : x);
      lines.push(
        `    ${name}: ${o.dtype}[${(o.shape as number[]).join('×')}] min ${f(o.min)} max ${f(o.max)} mean ${f(o.mean)} std ${f(o.std)}${o.nonFinite ? ` NON-FINITE ${o.nonFinite}` : ''}`,
      );
    } else lines.push(`    ${name}: ${o.type} ${o.preview}`);
  }
  return lines.join('\n');
}

/** Resolves a user's target (instance id, `id@point`, stage id, glob, or key prefix) to cache keys. */
export function resolveTarget(target: string, plan: Plan, cache: CacheStore): { key: string; instance: string }[] {
  const fromPlan = matchInstances(plan, target);
  if (fromPlan.length > 0) return fromPlan.map((id) => ({ key: plan.nodes.get(id)!.key, instance: id }));
  if (/^[0-9a-f]{4,64}$/.test(target)) {
    return cache.keysWithPrefix(target).map((key) => ({ key, instance: cache.getManifest(key)?.instance ?? '?' }));
  }
  return [];
}

/** All outputs of an entry as plain JSON (arrays as {dtype, shape, data}). */
export function exportJson(cache: CacheStore, manifest: Manifest, only?: string): Json {
  const outputs: Record<string, Json> = {};
  for (const [name, ref] of Object.entries(manifest.outputs)) {
    if (only && name !== only) continue;
    const v = cache.readOutput(manifest.key, name, ref);
    outputs[name] = v instanceof NDArray ? { dtype: v.dtype, shape: [...v.shape], data: Array.from(v.data) } : v;
  }
  if (only && !Object.hasOwn(outputs, only))
    throw new Error(`${manifest.instance} has no output '${only}' (outputs: ${Object.keys(manifest.outputs).join(', ')})`);
  return { key: manifest.key, instance: manifest.instance, outputs };
}

/** One output as CSV: arrays by rows, arrays of records, or records of equal-length columns. */
export function exportCsv(cache: CacheStore, manifest: Manifest, output: string): string {
  const ref = Object.hasOwn(manifest.outputs, output) ? manifest.outputs[output] : undefined;
  if (!ref) throw new Error(`${manifest.instance} has no output '${output}' (outputs: ${Object.keys(manifest.outputs).join(', ')})`);
  const v = cache.readOutput(manifest.key, output, ref);
  if (v instanceof NDArray) {
    if (v.shape.length <= 1)
      return toCsv(
        ['index', output],
        Array.from(v.data, (x, i) => [i, x]),
      );
    const cols = v.data.length / v.shape[0]!;
    const rows = Array.from({ length: v.shape[0]! }, (_, r) => Array.from(v.data.subarray(r * cols, (r + 1) * cols)));
    return toCsv(
      Array.from({ length: cols }, (_, c) => `c${c}`),
      rows,
    );
  }
  if (Array.isArray(v) && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
    const header = [...new Set(v.flatMap((r) => Object.keys(r as object)))];
    return toCsv(
      header,
      v.map((r) => header.map((h) => (r as Record<string, Json>)[h] ?? '')),
    );
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const cols = Object.entries(v).filter(([, c]) => Array.isArray(c)) as [string, Json[]][];
    const n = cols[0]?.[1].length ?? 0;
    if (cols.length > 0 && cols.every(([, c]) => c.length === n)) {
      return toCsv(
        cols.map(([h]) => h),
        Array.from({ length: n }, (_, i) => cols.map(([, c]) => c[i] ?? '')),
      );
    }
  }
  throw new Error(`output '${output}' of ${manifest.instance} has no tabular shape; export it as JSON`);
}

function toCsv(header: string[], rows: unknown[][]): string {
  const cell = (x: unknown) => {
    const s = typeof x === 'string' ? x : JSON.stringify(x);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[header.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n')}\n`;
}

function jsonType(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === 'object') return `object{${Object.keys(v).slice(0, 8).join(', ')}${Object.keys(v).length > 8 ? ', …' : ''}}`;
  return typeof v;
}

function preview(v: Json): string {
  const s = JSON.stringify(v);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
