/**
 * `npm run bench [-- suite…] [--backend auto|native|wasm|cpu|tensorflow|tensorflow-gpu]`: runs the benchmark suites and writes
 * bench/results/<suite>.json (no timing is asserted anywhere). A suite that returns null was skipped (it said why on
 * stderr) and writes nothing. `compare` puts its fields at the top level of its record (`threads`, `rows`, `check`).
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
const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: 'string', default: 'auto' } } });
const backend = (values.backend === 'auto' ? resolveAutoBackend() : values.backend) as BackendName;

const suites: Record<string, () => Promise<Record<string, unknown> | null>> = {
  engine: () => benchEngine(),
  numerics: () => benchNumerics(backend),
  compare: () => benchCompare({ backend }),
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
