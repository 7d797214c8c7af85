/**
 * The single-node Slurm test cluster itself (test/fixtures/slurm-cluster.ts): two clusters side by side get their
 * own ports and directories, and stop() leaves no process behind — not even a job's background child, which
 * proctrack/linuxproc loses once the job's shell dies — and removes the directory. Logs the skip reason and passes
 * where Slurm cannot start (fails on CI).
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { processGone, processesWithConf, type SlurmCluster, startSlurmCluster } from './fixtures/slurm-cluster.ts';

const started: SlurmCluster[] = [];
test.after.always(async () => {
  for (const c of started) await c.stop();
});

const port = (c: SlurmCluster, key: string): string => new RegExp(`^${key}=(\\d+)$`, 'm').exec(readFileSync(c.conf, 'utf8'))![1]!;

test('two clusters side by side, and stop() leaves no process and no directory', async (t) => {
  const [a, b] = await Promise.all([startSlurmCluster(), startSlurmCluster()]);
  for (const c of [a, b]) if (!('skip' in c)) started.push(c);
  if ('skip' in a! || 'skip' in b!) {
    const reason = 'skip' in a! ? a.skip : (b as { skip: string }).skip;
    if (process.env.CI) return t.fail(`the Slurm test cluster must start on CI (.ci/run installs slurm-wlm and munge): ${reason}`);
    t.log(`skipped: ${reason}`);
    return t.pass();
  }
  t.log(`started side by side in ${a.startupMs.toFixed(0)} and ${b.startupMs.toFixed(0)} ms`);
  t.not(a.dir, b.dir);
  t.not(port(a, 'SlurmctldPort'), port(b, 'SlurmctldPort'));
  t.not(port(a, 'SlurmdPort'), port(b, 'SlurmdPort'));
  for (const c of [a, b]) {
    const sinfo = await execa('sinfo', ['--noheader', '--format=%P %T %c'], { env: c.env });
    t.is(sinfo.stdout.trim(), `${c.partition}* idle ${c.cpus}`);
  }
  // a job whose shell leaves a background child, both still running when the cluster stops
  const pidFile = path.join(a.dir, 'pids');
  await execa('sbatch', ['--parsable', '--mem=50', `--output=${a.dir}/job.log`, `--wrap=sleep 300 & echo $! $$ > ${pidFile}; wait`], { env: a.env });
  const t0 = Date.now();
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
    if (Date.now() - t0 > 30_000) return t.fail(`the job did not start within 30 s\n${a.logTail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
  t.true(processesWithConf(a.conf).length >= 4, 'daemons, step, shell and sleep carry SLURM_CONF');
  const stopStart = performance.now();
  await a.stop();
  t.log(`stopped with a running job in ${(performance.now() - stopStart).toFixed(0)} ms`);
  t.deepEqual(processesWithConf(a.conf), []);
  for (const pid of pids) t.true(processGone(pid), `job process ${pid} is gone (or a zombie waiting for pid 1)`);
  t.false(existsSync(a.dir));
  // the other cluster is untouched
  t.is((await execa('sinfo', ['--noheader', '--format=%T'], { env: b.env })).stdout.trim(), 'idle');
  await a.stop(); // idempotent
});
