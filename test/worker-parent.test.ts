/** Row 1 of issue 11: a worker stuck in a long synchronous loop dies with its runner (kill -9 of the main process). */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, waitFor, workspace } from './fixtures/cli-workspace.ts';

test('kill -9 of the runner stops a worker busy in a synchronous loop: no worker is alive 5 s later', async (t) => {
  const w = workspace();
  // 60 busy steps of 1 s: a minute of synchronous work that only reports progress.
  const run = w.cli(['run', 'slow.busy=true', 'slow.ms=1000', 'slow.steps=60']);
  await waitFor(() => existsSync(w.env.TOY_PID_FILE), 'the worker to start');
  const worker = Number(readFileSync(w.env.TOY_PID_FILE, 'utf8'));
  t.teardown(() => {
    if (alive(worker)) process.kill(worker, 'SIGKILL');
  });
  await sleep(300);
  t.true(alive(worker), 'the worker runs');
  run.kill('SIGKILL');
  await run;
  await sleep(5000);
  t.false(alive(worker), `worker ${worker} is still alive 5 s after its runner was killed`);
});
