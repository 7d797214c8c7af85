/**
 * The Slurm executor tails each job's log in a shared directory: a FIFO there must not block the coordinator (the old
 * synchronous open did, freezing its event loop), and a symbolic link must not make it read another file. A fake
 * Slurm plants them where the job's log goes; the job then fails, and its failure message names what was found.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirRemote } from '../../../cache/remote-dir.ts';
import { CacheStore } from '../../../cache/store.ts';
import toy from '../../../test/fixtures/toy-project.ts';
import { executeStage, StageFailure, type ExecHooks } from '../../execute.ts';
import { buildPlan } from '../../plan.ts';
import { resolveConfig } from '../../project.ts';
import type { SlurmJobInfo, SlurmJobSpec } from './client.ts';
import { SlurmExecutor } from './executor.ts';

const made: string[] = [];
const tmp = (p: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `sgdn-exec-log-${p}-`));
  made.push(dir);
  return dir;
};
test.after.always(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fake Slurm whose one job plants `plant(logPath)` and then fails: it removes the empty log the executor created
 * first, as a hostile user of a group-writable log directory could.
 */
function failingSlurm(plant: (log: string) => void) {
  return {
    async submit(spec: SlurmJobSpec): Promise<string> {
      rmSync(spec.output!, { force: true });
      plant(spec.output!);
      return '100';
    },
    async states(ids: readonly string[]): Promise<Map<string, SlurmJobInfo>> {
      return new Map(ids.map((id) => [id, { jobId: id, state: 'FAILED', exitCode: 1, source: 'scontrol' } as SlurmJobInfo]));
    },
    async cancel(): Promise<void> {},
  };
}

async function runOneJob(plant: (log: string) => void, before: (runDir: string) => void = () => undefined): Promise<StageFailure> {
  const { config } = resolveConfig(toy, undefined, []);
  const plan = buildPlan(toy.stages, config);
  const cache = CacheStore.open(tmp('cache'));
  const quiet: ExecHooks = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
  await executeStage(plan.nodes.get('source')!, cache, quiet);
  const remote = DirRemote.open(tmp('remote'));
  const logDir = tmp('logs');
  before(path.join(logDir, 'run1'));
  const executor = new SlurmExecutor({
    client: failingSlurm(plant) as never,
    cache,
    remote,
    remoteLocation: remote.location,
    logDir,
    runId: 'run1',
    command: ['node', 'sgd-noise.js'],
    planArgs: [],
    pollMs: 20,
    retries: 0,
  });
  const node = plan.nodes.get('slow')!;
  try {
    await executor.run({ node, config, cacheDir: cache.dir, threads: 1, run: { profile: 'quick', overrides: [] } }, { ...quiet, job: () => undefined });
    throw new Error('the job did not fail');
  } catch (err) {
    if (!(err instanceof StageFailure)) throw err;
    return err;
  } finally {
    await executor.close();
    await cache.close();
  }
}

test('a FIFO where a job log belongs is named in the failure and never blocks the coordinator', async (t) => {
  let log = '';
  const err = await runOneJob((file) => execFileSync('mkfifo', [(log = file)]));
  t.true(err.message.includes(`cannot read the job's log: ${log} is a FIFO (named pipe), expected a regular file`), err.message);
});

test('a job log that is a symbolic link to another file is not followed', async (t) => {
  const secret = path.join(tmp('outside'), 'secret');
  writeFileSync(secret, 'SECRET CONTENT\n');
  let log = '';
  const err = await runOneJob((file) => symlinkSync(secret, (log = file)));
  t.false(err.message.includes('SECRET'), err.message);
  t.true(err.message.includes(`${log} is a symbolic link (to ${secret}), expected a regular file`), err.message);
});

for (const planted of ['001-slow.1.sh', '001-slow.1.log']) {
  test(`a link planted at the job's ${planted.endsWith('.sh') ? 'script' : 'log'} name (${planted}) is never written through: the job fails naming it`, async (t) => {
    const victim = path.join(tmp('victim'), 'bashrc');
    writeFileSync(victim, 'precious\n');
    let submitted = false;
    const err = await runOneJob(
      () => void (submitted = true),
      (runDir) => {
        execFileSync('mkdir', ['-p', runDir]);
        symlinkSync(victim, path.join(runDir, planted));
      },
    );
    t.true(err.message.includes(`cannot write ${path.sep}`) && err.message.includes(`${path.sep}run1${path.sep}${planted}`), err.message);
    t.regex(err.message, /something is already there/);
    t.false(submitted, 'nothing was submitted');
    t.is(readFileSync(victim, 'utf8'), 'precious\n');
  });
}
