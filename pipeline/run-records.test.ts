import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { createRunRecord, listRunRecords, newRunId, runsDir, updateRunRecord, type RunStart } from './run-records.ts';

const START: RunStart = {
  profile: 'quick',
  overrides: ['a.b=1'],
  sweeps: [],
  config: { a: { b: 1 } },
  points: [],
  instances: { x: 'k'.repeat(64) },
  code: { commit: null, dirty: null, reason: 'not a git checkout', lockfileSha256: null },
  backend: null,
};

const cacheDir = () => mkdtempSync(path.join(tmpdir(), 'sgdn-records-'));

test('ids sort by their UTC start time and end in a random suffix', (t) => {
  const id = newRunId(new Date('2026-12-07T19:45:12.345Z'));
  t.regex(id, /^20261207T194512Z-[0-9a-f]{4}$/);
  t.true(newRunId(new Date('2026-12-07T19:45:13Z')) > id);
});

test('a record is written running with pid and host, and rewritten with its outcome', (t) => {
  const dir = cacheDir();
  const record = createRunRecord(dir, START);
  const [listed] = listRunRecords(dir).records;
  t.is(listed!.id, record.id);
  t.is(listed!.outcome, 'running');
  t.is(listed!.pid, process.pid);
  updateRunRecord(dir, { ...record, outcome: 'ok', wallMs: 12, finishedAt: new Date().toISOString() });
  const after = listRunRecords(dir).records[0]!;
  t.is(after.outcome, 'ok');
  t.is(after.wallMs, 12);
  t.deepEqual(after.instances, START.instances);
  t.deepEqual(readdirSync(runsDir(dir)), [`${record.id}.json`], 'no temporary file is left');
});

test('runs started in the same second on one cache each get their own record; the list is newest first', (t) => {
  const dir = cacheDir();
  const now = new Date('2026-12-07T19:45:12Z');
  const ids = Array.from({ length: 50 }, () => createRunRecord(dir, START, now).id);
  t.is(new Set(ids).size, 50);
  const later = createRunRecord(dir, START, new Date('2026-12-07T19:46:00Z'));
  const { records } = listRunRecords(dir);
  t.is(records.length, 51);
  t.is(records[0]!.id, later.id);
});

test('a running record whose process is gone reads as interrupted; another host’s is left as it is', async (t) => {
  const dir = cacheDir();
  const child = execa('true');
  const gone = child.pid!;
  await child;
  const record = createRunRecord(dir, START);
  updateRunRecord(dir, { ...record, pid: gone, pidStart: null });
  t.is(listRunRecords(dir).records[0]!.outcome, 'interrupted');
  updateRunRecord(dir, { ...record, pid: gone, host: 'elsewhere.example.org' });
  t.is(listRunRecords(dir).records[0]!.outcome, 'running');
  // The pid of a live process that started at another time (a reused pid) is not the run's.
  updateRunRecord(dir, { ...record, pidStart: record.pidStart === null ? null : record.pidStart + 1 });
  t.is(listRunRecords(dir).records[0]!.outcome, record.pidStart === null ? 'running' : 'interrupted');
});

test('a torn temporary file is ignored and a damaged record is reported, never trusted', (t) => {
  const dir = cacheDir();
  const record = createRunRecord(dir, START);
  writeFileSync(path.join(runsDir(dir), `.${record.id}.json.tmp-1-abcd`), '{"format":1,"id":');
  writeFileSync(path.join(runsDir(dir), '20261207T000000Z-dead.json'), '{"format":1,"id":"20261207T0');
  writeFileSync(path.join(runsDir(dir), '20261207T000001Z-beef.json'), JSON.stringify({ ...record, id: '20261207T000001Z-beef', outcome: 'maybe' }));
  const { records, unreadable } = listRunRecords(dir);
  t.deepEqual(
    records.map((r) => r.id),
    [record.id],
  );
  t.deepEqual(unreadable.map((u) => path.basename(u.file)).sort(), ['20261207T000000Z-dead.json', '20261207T000001Z-beef.json']);
  t.regex(unreadable.find((u) => u.file.endsWith('beef.json'))!.reason, /outcome/);
  t.true(JSON.parse(readFileSync(path.join(runsDir(dir), `${record.id}.json`), 'utf8')).id === record.id);
});

test('a cache without records lists none', (t) => {
  t.deepEqual(listRunRecords(cacheDir()), { records: [], unreadable: [] });
});
