/**
 * Row 9 of issue 11: a stage's declared input files are part of its key. Replacing a file's content reruns exactly
 * that stage and those below it; touching it reruns nothing; an unchanged file is not read again (stat cache).
 */
import test from 'ava';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { workspace } from './fixtures/cli-workspace.ts';

/** Writes through a new inode (temp + rename), with an mtime `ageS` seconds ago, as a copied-in dataset would be. */
function writeAged(file: string, content: string, ageS: number): void {
  writeFileSync(`${file}.tmp`, content);
  const t = Date.now() / 1000 - ageS;
  utimesSync(`${file}.tmp`, t, t);
  renameSync(`${file}.tmp`, file);
}

test('replacing a declared input file reruns exactly its stage and the stages below it; touching it reruns nothing', async (t) => {
  const w = workspace();
  const table = path.join(w.dir, 'table.bin');
  writeAged(table, 'first dataset', 120);
  const args = ['run', '--json', 'slow.ms=1', `right.file=${table}`];
  const run = async () => {
    const before = w.executed().length;
    const r = await w.cli(args);
    t.is(r.exitCode, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { hits: string[]; inputFiles: { hashed: number; reused: number } };
    return { ran: w.executed().slice(before).sort(), hits: summary.hits.length, files: summary.inputFiles };
  };

  const cold = await run();
  t.is(cold.ran.length, 9);
  t.deepEqual(cold.files, { hashed: 1, reused: 0 });

  const warm = await run();
  t.deepEqual(warm.ran, []);
  t.deepEqual(warm.files, { hashed: 0, reused: 1 }, 'an unchanged file is not read again');

  writeAged(table, 'other dataset', 90);
  const status = await w.cli(['status', '--json', 'slow.ms=1', `right.file=${table}`]);
  const right = (JSON.parse(status.stdout) as { instances: { instance: string; reasons: string[] }[] }).instances.find((s) => s.instance === 'right');
  t.deepEqual(right?.reasons, [`input file table (${table}) changed`]);
  const replaced = await run();
  t.deepEqual(replaced.ran, ['fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'join', 'right', 'summary']);
  t.is(replaced.hits, 3, 'source, left and slow are cache hits');

  const touched = Date.now() / 1000 - 60;
  utimesSync(table, touched, touched);
  const afterTouch = await run();
  t.deepEqual(afterTouch.ran, [], 'same content: nothing reruns');
  t.deepEqual(afterTouch.files, { hashed: 1, reused: 0 }, 'a new mtime is hashed once (the stat no longer proves the content)');
  t.deepEqual((await run()).files, { hashed: 0, reused: 1 });
});

test('a declared input file that does not exist is a plan error naming the stage and the file', async (t) => {
  const w = workspace();
  const missing = path.join(w.dir, 'nope.bin');
  const r = await w.cli(['run', `right.file=${missing}`]);
  t.is(r.exitCode, 2, r.stderr);
  t.is(r.stderr.trim(), `sgd-noise: right reads input file 'table' = ${missing}, which does not exist`);
  t.deepEqual(w.executed(), []);
});
