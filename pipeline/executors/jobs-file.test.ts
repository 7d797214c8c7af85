/** The jobs file: written atomically and read back whole; a file whose job ids could reach a command as options is refused. */
import test from 'ava';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isOpen, readJobsFile, readJobsFileChecked, writeJobsFile, type JobsFile } from './jobs-file.ts';

const sample = (): JobsFile => ({
  format: 1,
  runId: 'r1',
  pid: 7,
  host: 'login1',
  job: '41',
  startedAt: '2026-01-01T00:00:00.000Z',
  leftAt: '2026-01-01T01:00:00.000Z',
  logDir: '/logs/r1',
  jobs: [
    { instance: 'slow', key: 'k1', jobId: '42', attempt: 1, phase: 'running', slurmState: 'RUNNING', log: '/logs/r1/001-slow.1.log', submittedAt: 'x' },
    { instance: 'fan[kind=a]', key: 'k2', jobId: '43_1', attempt: 2, phase: 'done', slurmState: 'COMPLETED', log: '/l', submittedAt: 'x', fromRun: 'r0' },
  ],
});

test('written atomically (nothing but the file left beside it) and read back whole', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-jobs-file-'));
  const file = path.join(dir, 'slurm-jobs.json');
  t.is(readJobsFileChecked(file), undefined, 'no file');
  writeJobsFile(file, sample());
  t.deepEqual(readdirSync(dir), ['slurm-jobs.json']);
  t.deepEqual(readJobsFileChecked(file), sample());
  t.deepEqual(sample().jobs.map(isOpen), [true, false]);
});

test('a file that is not a jobs file is refused, naming the field; job ids must not look like options or hold blanks', (t) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-jobs-file-')), 'slurm-jobs.json');
  const bad = (edit: (f: JobsFile) => void, field: RegExp) => {
    const f = sample();
    edit(f);
    writeFileSync(file, JSON.stringify(f));
    t.throws(() => readJobsFileChecked(file), { message: field });
    t.is(readJobsFile(file), undefined);
  };
  bad((f) => (f.jobs[0]!.jobId = '--user=root'), /is not a jobs file: jobs\.0\.jobId: a job id/);
  bad((f) => (f.jobs[1]!.jobId = '42 43'), /jobs\.1\.jobId/);
  bad((f) => (f.jobs[0]!.jobId = '42\n'), /jobs\.0\.jobId/);
  bad((f) => (f.job = '-1'), /: job: a job id/);
  bad((f) => ((f.jobs[0] as { phase: string }).phase = 'lost'), /jobs\.0\.phase/);
  writeFileSync(file, '{"format": 1,');
  t.throws(() => readJobsFileChecked(file), { message: /slurm-jobs\.json is not a jobs file: .*JSON/ });
});
