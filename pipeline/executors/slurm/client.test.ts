/**
 * SlurmClient against a real single-node cluster (test/fixtures/slurm-cluster.ts): completion, a non-zero exit,
 * a job killed with SIGKILL from outside, cancelling a running and a pending job, an afterok dependency (met and
 * never met), and sbatch's own errors. Each test logs `skipped: <reason>` and passes where the cluster cannot start
 * (not root, slurm-wlm or munge missing). The time-limit case takes over a minute (Slurm's limits are whole minutes)
 * and lives in client-slow.test.ts, which runs only with SGDN_SLURM_SLOW=1.
 */
import test from 'ava';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal, SlurmClient, SlurmCommandError } from './client.ts';
import { useSlurmCluster, waitForState, withCluster } from '../../../test/fixtures/slurm-test.ts';
import { processGone, type SlurmCluster } from '../../../test/fixtures/slurm-cluster.ts';

const cluster = useSlurmCluster();

function setup(c: SlurmCluster, name: string): { slurm: SlurmClient; dir: string } {
  const dir = path.join(c.dir, 'jobs', name);
  mkdirSync(dir, { recursive: true });
  return { slurm: new SlurmClient({ env: c.env }), dir };
}

const ended = (i: { state: Parameters<typeof isTerminal>[0] }): boolean => isTerminal(i.state) || i.state === 'UNKNOWN';

async function waitForFile(file: string, timeoutMs = 30_000): Promise<string> {
  const t0 = Date.now();
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return readFileSync(file, 'utf8').trim();
}

test('a job that writes a file completes with exit code 0', (t) =>
  withCluster(t, cluster, async (c) => {
    const { slurm, dir } = setup(c, 'ok');
    const t0 = performance.now();
    const id = await slurm.submit({
      command: 'echo "hello $GREETING" > out.txt',
      jobName: 'ok',
      cpus: 1,
      memMB: 50,
      timeLimitMin: 5,
      output: path.join(dir, 'log'),
      workdir: dir,
      env: { GREETING: 'slurm' },
    });
    const { info, ms, seen } = await waitForState(slurm, id, ended);
    t.log(`sbatch → COMPLETED seen by states(): ${(performance.now() - t0).toFixed(0)} ms (polling ${ms.toFixed(0)} ms; ${seen.join(' → ')})`);
    t.deepEqual(info, { jobId: id, state: 'COMPLETED', exitCode: 0, source: 'scontrol' });
    t.is(readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'hello slurm\n', 'ran in workdir with the given env');
  }));

test('a job that exits 3 is FAILED with exit code 3, and its output is in the log', (t) =>
  withCluster(t, cluster, async (c) => {
    const { slurm, dir } = setup(c, 'exit3');
    const log = path.join(dir, 'log');
    const id = await slurm.submit({ script: '#!/bin/sh\necho about to fail >&2\nexit 3\n', jobName: 'exit3', memMB: 50, output: log });
    const { info } = await waitForState(slurm, id, ended);
    t.is(info.state, 'FAILED');
    t.is(info.exitCode, 3);
    t.is(info.reason, 'NonZeroExitCode');
    t.is(info.signal, undefined);
    t.is(readFileSync(log, 'utf8'), 'about to fail\n', 'stderr goes to --output when no --error is given');
  }));

test('a job killed with SIGKILL from outside is FAILED with signal 9', (t) =>
  withCluster(t, cluster, async (c) => {
    const { slurm, dir } = setup(c, 'killed');
    const pidFile = path.join(dir, 'pid');
    // exec: the batch shell becomes the sleep, so the pid is the job's own process
    const id = await slurm.submit({ command: `echo $$ > ${pidFile}; exec sleep 300`, jobName: 'killed', memMB: 50, output: path.join(dir, 'log') });
    const pid = Number(await waitForFile(pidFile));
    t.is((await slurm.states([id])).get(id)!.state, 'RUNNING');
    process.kill(pid, 'SIGKILL');
    const { info, ms } = await waitForState(slurm, id, ended);
    t.log(`after kill -9: ${JSON.stringify(info)} seen ${ms.toFixed(0)} ms later`);
    t.is(info.state, 'FAILED');
    t.is(info.signal, 9);
  }));

test('cancel() of a running and a pending job leaves squeue without them', (t) =>
  withCluster(t, cluster, async (c) => {
    const { slurm, dir } = setup(c, 'cancel');
    const pidFile = path.join(dir, 'pid');
    const running = await slurm.submit({ command: `echo $$ > ${pidFile}; exec sleep 300`, jobName: 'running', memMB: 50, output: path.join(dir, 'log1') });
    const pending = await slurm.submit({ command: 'true', jobName: 'pending', memMB: 50, output: path.join(dir, 'log2'), extraOptions: ['--begin=now+1hour'] });
    const pid = Number(await waitForFile(pidFile));
    const before = await slurm.states([running, pending]);
    t.is(before.get(running)!.state, 'RUNNING');
    t.is(before.get(pending)!.state, 'PENDING');
    t.is(before.get(pending)!.reason, 'BeginTime');
    const t0 = performance.now();
    await slurm.cancel([running, pending]);
    const live = async (): Promise<string[]> => {
      const s = await slurm.states([running, pending]);
      return [...s.values()].filter((i) => !ended(i)).map((i) => `${i.jobId} ${i.state}`);
    };
    while ((await live()).length > 0) {
      if (performance.now() - t0 > 20_000) return void t.fail(`still live after cancel: ${(await live()).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    t.log(`cancel → both ended: ${(performance.now() - t0).toFixed(0)} ms`);
    const after = await slurm.states([running, pending]);
    t.is(after.get(running)!.state, 'CANCELLED');
    t.is(after.get(pending)!.state, 'CANCELLED');
    t.true(processGone(pid), 'the running job process is gone (or a zombie waiting for pid 1)');
    await slurm.cancel([running]); // cancelling a finished job is no error
  }));

test('an afterok job runs after its dependency; one whose dependency fails is cancelled', (t) =>
  withCluster(t, cluster, async (c) => {
    const { slurm, dir } = setup(c, 'dependency');
    const first = await slurm.submit({ command: `sleep 1; date +%s.%N > ${dir}/first`, jobName: 'first', memMB: 50, output: path.join(dir, 'log1') });
    const second = await slurm.submit({
      command: `test -s ${dir}/first && date +%s.%N > ${dir}/second`,
      jobName: 'second',
      memMB: 50,
      output: path.join(dir, 'log2'),
      dependency: { afterok: [first] },
    });
    const waiting = (await slurm.states([second])).get(second)!;
    t.is(waiting.state, 'PENDING');
    t.is(waiting.reason, 'Dependency');
    const { info } = await waitForState(slurm, second, ended);
    t.is(info.state, 'COMPLETED');
    t.true(Number(readFileSync(`${dir}/second`, 'utf8')) >= Number(readFileSync(`${dir}/first`, 'utf8')));

    const failing = await slurm.submit({ command: 'exit 1', jobName: 'failing', memMB: 50, output: path.join(dir, 'log3') });
    const never = await slurm.submit({
      command: `touch ${dir}/never`,
      jobName: 'never',
      memMB: 50,
      output: path.join(dir, 'log4'),
      dependency: { afterok: [failing] },
    });
    const { info: neverInfo } = await waitForState(slurm, never, ended);
    t.log(`dependant of a failed job: ${JSON.stringify(neverInfo)}`);
    t.is(neverInfo.state, 'CANCELLED');
    t.false(existsSync(`${dir}/never`));
  }));

test('states() of an id Slurm never had is UNKNOWN; sbatch errors are one line with the exit code', (t) =>
  withCluster(t, cluster, async (c) => {
    const { slurm, dir } = setup(c, 'errors');
    const s = await slurm.states(['999999']);
    t.like(s.get('999999'), { state: 'UNKNOWN', source: 'none' });
    const e = await t.throwsAsync(
      slurm.submit({ command: 'true', jobName: 'bad', output: path.join(dir, 'log'), extraOptions: ['--partition=no-such-partition'] }),
      { instanceOf: SlurmCommandError },
    );
    t.is(e!.message, 'sbatch failed (exit code 1): sbatch: error: Batch job submission failed: Invalid partition name specified');
  }));

test('largestNodeCpus reads the node CPU count from sinfo (what the executor caps --cpus-per-task at)', (t) =>
  withCluster(t, cluster, async (c) => {
    const slurm = new SlurmClient({ env: c.env });
    t.is(await slurm.largestNodeCpus(), c.cpus);
    t.is(await slurm.largestNodeCpus(c.partition), c.cpus);
    t.is(await slurm.largestNodeCpus('no-such-partition'), undefined);
  }));
