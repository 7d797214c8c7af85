/**
 * The slow Slurm cases, run only with SGDN_SLURM_SLOW=1 (otherwise each logs why it is skipped): a job past its
 * time limit (Slurm's limits are whole minutes and slurmctld checks them on a timer, so this takes 60–100 s), and how
 * long a finished job stays visible to `scontrol show job` with MinJobAge=5 (the purge also runs on a timer).
 */
import test from 'ava';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { isTerminal, SlurmClient } from './client.ts';
import { useSlurmCluster, waitForState, withCluster } from '../../../test/fixtures/slurm-test.ts';

const slow = process.env.SGDN_SLURM_SLOW === '1';
const cluster = slow ? useSlurmCluster({ minJobAgeS: 5 }) : () => ({ skip: 'slow Slurm tests run only with SGDN_SLURM_SLOW=1 (over a minute each)' });
const skipUnlessSlow = slow
  ? withCluster
  : async (t: Parameters<typeof withCluster>[0]) => {
      t.log('skipped: slow Slurm tests run only with SGDN_SLURM_SLOW=1 (over a minute each)');
      t.pass();
    };

test('a job past its time limit ends as TIMEOUT', (t) =>
  skipUnlessSlow(t, cluster, async (c) => {
    t.timeout(200_000);
    const dir = path.join(c.dir, 'jobs', 'timeout');
    mkdirSync(dir, { recursive: true });
    const slurm = new SlurmClient({ env: c.env });
    const id = await slurm.submit({ command: 'sleep 600', jobName: 'timeout', memMB: 50, timeLimitMin: 1, output: path.join(dir, 'log') });
    const { info, ms, seen } = await waitForState(slurm, id, (i) => isTerminal(i.state), { timeoutMs: 180_000, intervalMs: 500 });
    t.log(`time limit 1 min: ${JSON.stringify(info)} after ${(ms / 1000).toFixed(1)} s (${seen.join(' → ')})`);
    t.is(info.state, 'TIMEOUT');
  }));

test('a finished job stays visible for about MinJobAge, then is UNKNOWN', (t) =>
  skipUnlessSlow(t, cluster, async (c) => {
    t.timeout(200_000);
    const dir = path.join(c.dir, 'jobs', 'purge');
    mkdirSync(dir, { recursive: true });
    const slurm = new SlurmClient({ env: c.env });
    const id = await slurm.submit({ command: 'true', jobName: 'purge', memMB: 50, output: path.join(dir, 'log') });
    const done = await waitForState(slurm, id, (i) => isTerminal(i.state));
    t.is(done.info.state, 'COMPLETED');
    const gone = await waitForState(slurm, id, (i) => i.state === 'UNKNOWN', { timeoutMs: 180_000, intervalMs: 500 });
    t.log(`COMPLETED job visible for ${(gone.ms / 1000).toFixed(1)} s with MinJobAge=5 (${gone.seen.join(' → ')})`);
    t.is(gone.info.source, 'none');
  }));
