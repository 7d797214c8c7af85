/**
 * No import cycle with runtime edges (issue 24): neither between folders (a folder imports one that imports it back,
 * tests left out: nothing imports a test) nor between files. `import type` does not count (test/fixtures/import-graph.ts).
 */
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { cycles, folderGraph, moduleGraph, runtimeImports } from './fixtures/import-graph.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKED = ['pipeline', 'cache', 'stages', 'reports', 'bench', 'gpu', 'test', 'pipeline.config.ts'];

const files = moduleGraph(ROOT, CHECKED);
const folders = folderGraph(files, (file) => !/\.test\.[cm]?[jt]s$/.test(file));
const edgeCount = (g: typeof files) => [...g.values()].reduce((n, s) => n + s.size, 0);
const folderCycles = cycles(folders);
const fileCycles = cycles(files);
const listed = (found: string[][]) => found.map((c) => `  ${c.join(' → ')}`).join('\n');

test(`no import cycle between folders (${folders.size} folders, ${edgeCount(folders)} edges; cycles found: ${folderCycles.length})`, (t) => {
  t.true(folders.has('stages/models') && folders.get('stages/dynamics')!.has('stages/models'), 'the graph sees stages/dynamics → stages/models');
  t.deepEqual(folderCycles, [], `import cycles between folders:\n${listed(folderCycles)}`);
});

test(`no import cycle between files (${files.size} modules, ${edgeCount(files)} edges; cycles found: ${fileCycles.length})`, (t) => {
  t.true(files.size > 300, `only ${files.size} modules found under ${CHECKED.join(', ')}`);
  t.deepEqual(fileCycles, [], `import cycles between files:\n${listed(fileCycles)}`);
});

test('runtime imports: type-only imports and exports and import types do not count, inline type imports do', (t) => {
  const text = [
    "import type { A } from './a.ts';",
    "import { type B } from './b.ts';",
    "import c, { d } from './c.ts';",
    "export * from './d.ts';",
    "export type { E } from './e.ts';",
    "export { f } from './f.ts';",
    "type G = import('./g.ts').G;",
    "const h = await import('./h.ts');",
    "import 'node:fs';",
  ].join('\n');
  t.deepEqual(runtimeImports(text), ['./b.ts', './c.ts', './d.ts', './f.ts', './h.ts', 'node:fs']);
});

test('cycles are listed as paths, each once, shortest through every edge', (t) => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
  t.deepEqual(cycles(g({ a: ['b'], b: ['c'], c: [] })), []);
  t.deepEqual(cycles(g({ b: ['a'], a: ['b'] })), [['a', 'b', 'a']]);
  t.deepEqual(cycles(g({ a: ['a'] })), [['a', 'a']]);
  t.deepEqual(cycles(g({ a: ['b'], b: ['c', 'a'], c: ['a'], d: ['a'] })), [
    ['a', 'b', 'a'],
    ['a', 'b', 'c', 'a'],
  ]);
});

test('the folder graph: tests and edges into a folder inside the importer (or around it) are left out', (t) => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
  const files = g({
    'x/a.ts': ['y/b.ts', 'x/sub/c.ts'],
    'x/sub/c.ts': ['x/a.ts'],
    'y/b.ts': [],
    'y/b.test.ts': ['x/a.ts'],
    'root.ts': ['x/a.ts'],
  });
  const folders = folderGraph(files, (f) => !f.endsWith('.test.ts'));
  t.deepEqual(Object.fromEntries([...folders].map(([k, v]) => [k, [...v]])), { x: ['y'], 'x/sub': [], y: [], 'root.ts': ['x'] });
  t.deepEqual(cycles(files), [['x/a.ts', 'x/sub/c.ts', 'x/a.ts']]);
});
