/** `npm run bench`: runs every benchmark and writes bench/results/<name>.json (no timing is asserted anywhere). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEngine } from './engine.ts';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

const suites: Record<string, () => Promise<Record<string, unknown>>> = { engine: () => benchEngine() };

mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
for (const [name, fn] of Object.entries(suites)) {
  if (only.length && !only.includes(name)) continue;
  const results = await fn();
  const record = { suite: name, at: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, results };
  const file = path.join(OUT, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  process.stderr.write(`wrote ${file}\n`);
}
