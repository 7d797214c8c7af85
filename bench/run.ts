/**
 * `npm run bench [-- suite…] [--backend auto|native|wasm|cpu|webgpu|tensorflow|tensorflow-gpu]`: runs the benchmark suites and writes
 * bench/results/<suite>.json (no timing is asserted anywhere). A suite that returns null was skipped (it said why on
 * stderr) and writes nothing. `compare` puts its fields at the top level of its record (`threads`, `rows`, `check`).
 * `compare` takes sizes for slow backends (a software WebGPU adapter): `--train N --test N --gd-steps N --reps N
 * --rounds N --lanczos-k K --lanczos-max-iter N` (defaults 1200, 10000, 60, 5, 3, 20, lanczos's own).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendName } from '../stages/tf/backend.ts';
import { resolveAutoBackend } from '../stages/tf/auto.ts';
import { benchCompare } from './compare.ts';
import { benchEngine } from './engine.ts';
import { benchNumerics } from './numerics.ts';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'auto' },
    train: { type: 'string' },
    test: { type: 'string' },
    'gd-steps': { type: 'string' },
    reps: { type: 'string' },
    rounds: { type: 'string' },
    'lanczos-k': { type: 'string' },
    'lanczos-max-iter': { type: 'string' },
  },
});
/** A positive integer option, or undefined when not given; anything else is an error naming the option. */
const count = (name: keyof typeof values): number | undefined => {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n >= (name === 'gd-steps' ? 0 : 1)))
    throw new Error(`bench: --${name} must be a ${name === 'gd-steps' ? 'non-negative' : 'positive'} integer, got '${String(raw)}'`);
  return n;
};
const backend = (values.backend === 'auto' ? resolveAutoBackend() : values.backend) as BackendName;

const suites: Record<string, () => Promise<Record<string, unknown> | null>> = {
  engine: () => benchEngine(),
  numerics: () => benchNumerics(backend),
  compare: () =>
    benchCompare({
      backend,
      train: count('train'),
      test: count('test'),
      gdSteps: count('gd-steps'),
      reps: count('reps'),
      rounds: count('rounds'),
      lanczosK: count('lanczos-k'),
      lanczosMaxIter: count('lanczos-max-iter'),
    }),
};
/** Suites whose results form the record itself rather than its `results` field. */
const flat = new Set(['compare']);

const unknown = positionals.filter((p) => !(p in suites));
if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')} (suites: ${Object.keys(suites).join(', ')})`);
mkdirSync(OUT, { recursive: true });
for (const [name, fn] of Object.entries(suites)) {
  if (positionals.length && !positionals.includes(name)) continue;
  process.stderr.write(`bench ${name}...\n`);
  const results = await fn();
  if (results === null) continue;
  const header = { suite: name, at: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length };
  const record = flat.has(name) ? { ...header, ...results } : { ...header, results };
  const file = path.join(OUT, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  process.stderr.write(`wrote ${file}\n`);
}
