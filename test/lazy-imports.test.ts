/**
 * A command that runs no stage loads none of the stages' heavy libraries (tfjs, vega, vega-lite, resvg, ml-matrix,
 * execa, d3-contour): they are loaded on first use (stages/tf/tfjs.ts, stages/report/render/, pipeline/code-facts.ts),
 * which keeps a warm rerun of the whole pipeline near two seconds. Checked on the real command and project, by
 * recording every module the process loads (test/fixtures/record-loads.mjs).
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaNode } from 'execa';

const BIN = fileURLToPath(new URL('../bin/sgd-noise.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));

/** Packages a warm run must not load, by the folder name under node_modules. */
const HEAVY = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', 'vega', 'vega-lite', '@resvg/resvg-js', 'ml-matrix', 'execa', 'd3-contour'];

/** The packages (node_modules folder names) the command loaded, and how many modules it loaded in all. */
async function packagesLoaded(args: string[], dir: string): Promise<{ packages: Set<string>; modules: number; stderr: string; exitCode?: number }> {
  const record = path.join(dir, `loads-${args[0]}-${Date.now()}.txt`);
  const r = await execaNode(BIN, [...args, '--cache', path.join(dir, 'cache')], {
    nodeOptions: ['--import', RECORDER],
    env: { RECORD_LOADS_FILE: record },
    reject: false,
  });
  const lines = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  const packages = new Set<string>();
  for (const line of lines) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(decodeURIComponent(line));
    if (m) packages.add(m[1]!);
  }
  return { packages, modules: new Set(lines).size, stderr: r.stderr, exitCode: r.exitCode };
}

const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-lazy-'));

test('the recorder sees a heavy package when one is loaded (the check can fail)', async (t) => {
  const record = path.join(dir, 'probe.txt');
  await execaNode('--input-type=module', ['-e', "await import('vega'); (await import('node:module')).createRequire(import.meta.url)('ml-matrix');"], {
    nodeOptions: ['--import', RECORDER],
    env: { RECORD_LOADS_FILE: record },
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const text = readFileSync(record, 'utf8');
  t.regex(text, /node_modules\/vega\//);
  t.regex(text, /node_modules\/ml-matrix\//);
});

test('a run whose instances are all cached, and dag, load no tfjs, vega, resvg, ml-matrix, execa or d3-contour', async (t) => {
  const only = ['--only', 'toy2d.data[seed=0]', '--no-estimate'];
  const first = await packagesLoaded(['run', ...only], dir);
  t.is(first.exitCode, 0, first.stderr);
  const warm = await packagesLoaded(['run', ...only], dir);
  t.is(warm.exitCode, 0, warm.stderr);
  t.regex(warm.stderr, /0 ran, 1 cached/);
  t.true(warm.packages.has('lmdb') && warm.packages.has('zod'), `the recorder saw the cache and config libraries (${[...warm.packages].join(', ')})`);
  t.deepEqual(
    HEAVY.filter((p) => warm.packages.has(p)),
    [],
    `a warm run loaded ${warm.modules} modules`,
  );
  const dag = await packagesLoaded(['dag'], dir);
  t.is(dag.exitCode, 0, dag.stderr);
  t.deepEqual(
    HEAVY.filter((p) => dag.packages.has(p)),
    [],
  );
});
