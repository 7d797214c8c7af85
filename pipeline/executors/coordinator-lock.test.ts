/**
 * The one-coordinator lock: the holder is named to whoever is refused and to a probe; a lock released, or held by a
 * process killed with SIGKILL, lets the next coordinator start; a probe holds it only for a moment.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinatorBusyError, CoordinatorLock, probeCoordinator } from './coordinator-lock.ts';

const lockFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-coord-lock-')), 'jobs.json.lock');

test('the holder is named to a probe and to a second coordinator, which is refused; released, the next one takes it', (t) => {
  const file = lockFile();
  t.is(probeCoordinator(file), undefined, 'no lock file: no coordinator');
  const lock = CoordinatorLock.take(file, { runId: 'run-1', job: '42', label: 'Slurm' });
  t.like(probeCoordinator(file), { pid: process.pid, host: hostname(), runId: 'run-1', job: '42' });
  const err = t.throws(() => CoordinatorLock.take(file, { runId: 'run-2', label: 'Slurm' }), { instanceOf: CoordinatorBusyError });
  t.regex(
    err!.message,
    new RegExp(`^another coordinator is driving the Slurm jobs of this cache \\(pid ${process.pid} on ${hostname()}, Slurm job 42, run run-1 since `),
  );
  t.regex(err!.message, new RegExp(`sgd-noise cancel --cache ${path.dirname(file)}`));
  lock.release();
  lock.release(); // idempotent
  t.is(probeCoordinator(file), undefined);
  const next = CoordinatorLock.take(file, { runId: 'run-2', label: 'Slurm' });
  t.like(JSON.parse(readFileSync(file, 'utf8')), { runId: 'run-2' });
  t.false('job' in JSON.parse(readFileSync(file, 'utf8')));
  next.release();
});

test('a coordinator killed with SIGKILL leaves no lock behind', async (t) => {
  const file = lockFile();
  const module = fileURLToPath(new URL('./coordinator-lock.ts', import.meta.url));
  const ready = path.join(path.dirname(file), 'ready');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { writeFileSync } from 'node:fs'; import { CoordinatorLock } from ${JSON.stringify(module)};
       CoordinatorLock.take(${JSON.stringify(file)}, { runId: 'child', label: 'Slurm' }); writeFileSync(${JSON.stringify(ready)}, '');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: 'inherit' },
  );
  t.teardown(() => child.kill('SIGKILL'));
  while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
  t.like(probeCoordinator(file), { pid: child.pid, runId: 'child' });
  t.throws(() => CoordinatorLock.take(file, { runId: 'me', label: 'Slurm' }), { instanceOf: CoordinatorBusyError });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.is(probeCoordinator(file), undefined);
  CoordinatorLock.take(file, { runId: 'me', label: 'Slurm' }).release();
});
