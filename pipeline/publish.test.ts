import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NDArray } from '../cache/values.ts';
import { writeOutputFile } from './publish.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'sgdn-publish-'));

test('writes text, bytes and JSON, creating the directory, with no temporary file left', (t) => {
  const d = dir();
  writeOutputFile(path.join(d, 'a/b/x.txt'), 'hello');
  writeOutputFile(path.join(d, 'y.bin'), new NDArray(Uint8Array.of(1, 2, 3), [3]));
  writeOutputFile(path.join(d, 'z.json'), { k: [1, 2] });
  t.is(readFileSync(path.join(d, 'a/b/x.txt'), 'utf8'), 'hello');
  t.deepEqual([...readFileSync(path.join(d, 'y.bin'))], [1, 2, 3]);
  t.is(readFileSync(path.join(d, 'z.json'), 'utf8'), '{\n  "k": [\n    1,\n    2\n  ]\n}\n');
  t.deepEqual(readdirSync(d).sort(), ['a', 'y.bin', 'z.json']);
});

test('a file that already holds the bytes is left as it is; a changed, shorter or longer one is rewritten', (t) => {
  const d = dir();
  const file = path.join(d, 'r.html');
  writeOutputFile(file, 'same content');
  const inode = statSync(file).ino;
  writeOutputFile(file, 'same content');
  t.is(statSync(file).ino, inode, 'not replaced: same inode');
  writeFileSync(file, 'same contenT'); // edited in place, same size
  writeOutputFile(file, 'same content');
  t.is(readFileSync(file, 'utf8'), 'same content');
  t.not(statSync(file).ino, inode, 'replaced by rename');
  for (const stale of ['same', 'same content and more']) {
    writeFileSync(file, stale);
    writeOutputFile(file, 'same content');
    t.is(readFileSync(file, 'utf8'), 'same content');
  }
  writeOutputFile(file, new NDArray(Uint8Array.from(Buffer.from('same content')), [12]));
  t.is(readFileSync(file, 'utf8'), 'same content');
});

test('a directory or a dangling link where the file should be is not taken for the file', (t) => {
  const d = dir();
  const link = path.join(d, 'l.txt');
  symlinkSync(path.join(d, 'missing'), link);
  writeOutputFile(link, 'x');
  t.is(readFileSync(link, 'utf8'), 'x');
  const error = t.throws(() => writeOutputFile(d, 'x'));
  t.true(error.message.includes(d), error.message);
});
