/**
 * `sgd-noise run --executor slurm` against a real single-node Slurm cluster (test/fixtures/slurm-cluster.ts), on the
 * toy project and on the real pipeline's 2-D toy experiment with tiny overrides. Every job pulls into a fresh
 * node-local cache; only the remote (a temporary directory) is shared. The coordinator is the CLI, run as a child
 * process; job states are polled every 250 ms ($SGD_NOISE_SLURM_POLL_MS) instead of 5 s. Each test logs
 * `skipped: <reason>` and passes where the cluster cannot start (not root, slurm-wlm or munge missing), and fails on CI.
 * The node has one fake GPU, so that a GPU stage's request can be submitted, granted and read back.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaNode } from 'execa';
import { compareEntries, openRemote } from '../cache/remote.ts';
import { CacheStore } from '../cache/store.ts';
import type { JobsFile } from '../pipeline/executors/slurm/executor.ts';
import { BIN, TOY, waitFor, workspace } from './fixtures/cli-workspace.ts';
import { processGone, type SlurmCluster } from './fixtures/slurm-cluster.ts';
import { useSlurmCluster, withCluster } from './fixtures/slurm-test.ts';

// The node has one fake GPU (a GRES whose device file is /dev/null): GPU requests are accepted and granted.
const cluster = useSlurmCluster({ fakeGpu: true });
const REAL = fileURLToPath(new URL('../pipeline.config.ts', import.meta.url));
const ALL = ['source', 'left', 'right', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'slow', 'summary'];
// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, read field by field by the assertions
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

/** A toy workspace with a remote and a `run --executor slurm` on the cluster. */
function slurmWorkspace(c: SlurmCluster, remote = mkdtempSync(path.join(tmpdir(), 'sgdn-slurm-remote-'))) {
  const w = workspace();
  const env = { ...w.env, ...c.env, SGD_NOISE_SLURM_POLL_MS: '250' };
  const slurm = (args: string[], extraEnv: Record<string, string> = {}) =>
    execaNode(BIN, ['run', '--executor', 'slurm', '--remote', remote, ...args, '--project', TOY, '--cache', w.cache], {
      env: { ...env, ...extraEnv },
      reject: false,
    });
  const cli = (args: string[]) => execaNode(BIN, [...args, '--project', TOY, '--cache', w.cache], { env, reject: false });
  const jobs = (): JobsFile => JSON.parse(readFileSync(path.join(w.cache, 'slurm-jobs.json'), 'utf8')) as JobsFile;
  return { ...w, remote, env, slurm, cli, jobs };
}

/** instance → key and each output's blob hash, from a cache (opened after every CLI process has exited). */
async function entries(cacheDir: string): Promise<Map<string, { key: string; outputs: Record<string, string> }>> {
  const cache = CacheStore.open(cacheDir);
  try {
    const out = new Map<string, { key: string; outputs: Record<string, string> }>();
    for (const { key, manifest } of cache.entries()) {
      if (!manifest) continue;
      check(cache.lookup(key).status === 'hit', `entry ${key} of ${manifest.instance} does not verify`);
      out.set(manifest.instance, { key, outputs: Object.fromEntries(Object.entries(manifest.outputs).map(([n, r]) => [n, r.blob])) });
    }
    return out;
  } finally {
    await cache.close();
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Every key of `cacheDir` compared with the remote: both sides present and verified. */
async function assertRemoteVerifies(t: ExecutionContext, cacheDir: string, remoteDir: string, count: number): Promise<void> {
  const cache = CacheStore.open(cacheDir);
  try {
    const keys = [...cache.entries()].map((e) => e.key);
    t.is(keys.length, count);
    const rows = await compareEntries(cache, await openRemote(remoteDir), keys);
    t.deepEqual(
      rows.filter((r) => r.local !== 'present' || r.remote !== 'present'),
      [],
      'every entry present and verified on both sides',
    );
  } finally {
    await cache.close();
  }
}

const sorted = (xs: string[]) => [...xs].sort();

test.serial('toy: a Slurm run gives the keys and bytes of a local run; a second run submits nothing', (t) =>
  withCluster(t, cluster, async (c) => {
    const local = workspace();
    let t0 = performance.now();
    const l = await local.cli(['run', '--json']);
    const localMs = performance.now() - t0;
    t.is(l.exitCode, 0, l.stderr);

    const s = slurmWorkspace(c);
    t0 = performance.now();
    const r = await s.slurm(['--json']);
    const slurmMs = performance.now() - t0;
    t.is(r.exitCode, 0, r.stderr);
    t.log(`toy run: local ${localMs.toFixed(0)} ms, via Slurm ${slurmMs.toFixed(0)} ms (CLI wall time, one job)`);
    const summary = json(r.stdout);
    t.deepEqual(sorted(summary.ran), sorted(ALL));
    t.deepEqual(summary.failed, []);
    const jobs = s.jobs();
    t.deepEqual(
      jobs.jobs.map((j) => [j.instance, j.phase, j.slurmState, j.attempt]),
      [['slow', 'done', 'COMPLETED', 1]],
      'only the isolated stage became a job',
    );
    t.regex(r.stderr, /start {4}slow \(missing, slurm job\)/);
    t.regex(r.stderr, new RegExp(`job {6}slow: ${jobs.jobs[0]!.jobId} running`));
    t.regex(r.stderr, /progress slow \d+\/5/, 'progress lines tailed from the job log');
    t.regex(readFileSync(jobs.jobs[0]!.log, 'utf8'), /^@sgd-noise \{"type":"done"/m, 'the job log ends with its outcome');

    t.deepEqual(await entries(s.cache), await entries(local.cache), 'same keys, byte-identical outputs');
    t.is(readFileSync(path.join(s.dir, 'out/summary.json'), 'utf8'), readFileSync(path.join(local.dir, 'out/summary.json'), 'utf8'));
    t.is(s.executed().filter((i) => i === 'slow').length, 1, 'slow ran once, in the job');

    // again on the same cache: everything is a local hit, no job
    const again = await s.slurm(['--json']);
    t.is(again.exitCode, 0, again.stderr);
    t.deepEqual(sorted(json(again.stdout).hits), sorted(ALL));
    t.deepEqual(s.jobs().jobs, []);
    // on a fresh cache with the same remote: everything is pulled, nothing computed or submitted
    const fresh = slurmWorkspace(c, s.remote);
    const pulled = await fresh.slurm(['--json']);
    t.is(pulled.exitCode, 0, pulled.stderr);
    t.deepEqual(sorted(json(pulled.stdout).pulled), sorted(ALL));
    t.deepEqual(fresh.jobs().jobs, [], 'nothing submitted');
    t.deepEqual(fresh.executed(), [], 'nothing computed');
    t.notRegex(pulled.stderr, /^job /m);
    const status = await fresh.cli(['status']);
    t.regex(status.stdout, /Slurm jobs of the last run .*\n {2}\(none submitted: every instance was cached\)/);
  }),
);

test.serial(
  "signed: with --signing-key and --allowed-signers the job's exec signs the entry it pushes; a fresh cache requiring signatures pulls everything",
  (t) =>
    withCluster(t, cluster, async (c) => {
      const s = slurmWorkspace(c);
      const keys = mkdtempSync(path.join(tmpdir(), 'sgdn-slurm-keys-'));
      t.teardown(() => rmSync(keys, { recursive: true, force: true }));
      const key = path.join(keys, 'alice');
      const made = await s.cli(['cache', 'keygen', '--out', key]);
      t.is(made.exitCode, 0, made.stderr);
      const publicKey = made.stdout.trim().split('\n').pop()!.split(' ').slice(1, 3).join(' ');
      const signers = path.join(keys, 'allowed_signers');
      writeFileSync(signers, `alice ${publicKey}\n`, { mode: 0o644 });
      const r = await s.slurm(['--json', '--signing-key', key, '--allowed-signers', signers]);
      t.is(r.exitCode, 0, r.stderr);
      const [job] = s.jobs().jobs;
      t.deepEqual([job!.instance, job!.phase], ['slow', 'done'], 'the isolated stage ran as a job');
      const manifests = readdirSync(path.join(s.remote, 'manifests')).filter((f) => f.endsWith('.json'));
      t.is(manifests.length, ALL.length);
      for (const f of manifests) {
        const signature = JSON.parse(readFileSync(path.join(s.remote, 'manifests', f), 'utf8')).signature as { key: string } | undefined;
        t.is(signature?.key, publicKey, `${f} is signed by alice`);
      }
      const fresh = slurmWorkspace(c, s.remote);
      const pulled = await fresh.cli(['cache', 'pull', '--remote', s.remote, '--allowed-signers', signers]);
      t.is(pulled.exitCode, 0, pulled.stderr);
      t.regex(pulled.stdout, new RegExp(`${ALL.length} entries downloaded`));
    }),
);

test.serial('kill -9 of a job mid-stage: the retry succeeds and the remote verifies entry by entry', (t) =>
  withCluster(t, cluster, async (c) => {
    const s = slurmWorkspace(c);
    const pidFile = s.env.TOY_PID_FILE;
    const run = s.slurm(['--json', 'slow.ms=100', 'slow.steps=30']);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 'the job to start the slow stage');
    await new Promise((r) => setTimeout(r, 300)); // mid-stage
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const r = await run;
    t.is(r.exitCode, 0, r.stderr);
    const jobs = s.jobs().jobs;
    t.deepEqual(
      jobs.map((j) => [j.instance, j.phase, j.slurmState, j.attempt]),
      [
        ['slow', 'failed', 'FAILED', 1],
        ['slow', 'done', 'COMPLETED', 2],
      ],
    );
    t.regex(r.stderr, new RegExp(`slow: Slurm job ${jobs[0]!.jobId} FAILED \\(signal 9[^)]*\\) \\(attempt 1 of 2; retrying\\); last lines of its log`));
    t.true(processGone(pid));
    t.is(s.executed().filter((i) => i === 'slow').length, 2);
    await assertRemoteVerifies(t, s.cache, s.remote, ALL.length);
    const status = await s.cli(['cache', 'status', '--remote', s.remote, '--json', 'slow.ms=100', 'slow.steps=30']);
    t.is(status.exitCode, 0, status.stderr);
    t.deepEqual(json(status.stdout).counts, { both: 9, remoteLacks: 0, localLacks: 0, neither: 0, corrupt: 0 });
  }),
);

test.serial('SIGINT on the coordinator cancels every job it submitted and exits 130', (t) =>
  withCluster(t, cluster, async (c) => {
    const s = slurmWorkspace(c);
    const gate = path.join(s.dir, 'gate');
    writeFileSync(gate, '');
    try {
      const run = s.slurm([], { TOY_GATE: gate });
      await waitFor(() => existsSync(s.env.TOY_PID_FILE), 'the job to be running');
      const pid = Number(readFileSync(s.env.TOY_PID_FILE, 'utf8'));
      await waitFor(() => existsSync(path.join(s.cache, 'slurm-jobs.json')) && s.jobs().jobs[0]?.phase === 'running', 'the coordinator to see the job running');
      const status = await s.cli(['status', '--json']);
      t.is(status.exitCode, 0, status.stderr);
      const live = json(status.stdout).slurm;
      t.true(live.running, 'status sees the coordinator running');
      t.like(live.jobs[0], { instance: 'slow', phase: 'running', slurmState: 'RUNNING' });
      const t0 = performance.now();
      run.kill('SIGINT');
      const r = await run;
      t.is(r.exitCode, 130, r.stderr);
      const ids = s.jobs().jobs.map((j) => j.jobId);
      t.is(ids.length, 1);
      const left = async () => (await execa('squeue', ['--noheader', '--format=%i', `--jobs=${ids.join(',')}`], { env: c.env, reject: false })).stdout.trim();
      let q = await left();
      while (q !== '' && performance.now() - t0 < 15_000) {
        await new Promise((res) => setTimeout(res, 100));
        q = await left();
      }
      t.is(q, '', 'squeue shows none of the jobs');
      t.log(`SIGINT → coordinator exit and squeue empty: ${(performance.now() - t0).toFixed(0)} ms`);
      t.true(s.jobs().jobs.every((j) => j.phase === 'cancelled'));
      await waitFor(() => processGone(pid), 'the job process to end', 10_000);
      t.regex(r.stderr, /cancel {3}slow/);
    } finally {
      rmSync(gate, { force: true });
    }
  }),
);

test.serial('a corrupted blob in the remote is detected and recomputed by a job, which repairs the remote', (t) =>
  withCluster(t, cluster, async (c) => {
    const a = slurmWorkspace(c);
    t.is((await a.slurm([])).exitCode, 0);
    const before = await entries(a.cache);
    const blob = Object.values(before.get('slow')!.outputs)[0]!;
    const file = path.join(a.remote, 'blobs', blob.slice(0, 2), blob);
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    rmSync(file);
    writeFileSync(file, bytes); // same size, other bytes

    const b = slurmWorkspace(c, a.remote);
    const r = await b.slurm(['--json']);
    t.is(r.exitCode, 0, r.stderr);
    t.regex(r.stderr, /CORRUPT {2}slow \([0-9a-f]{12}\) in the remote: .*does not match its hash/);
    const summary = json(r.stdout);
    t.deepEqual(summary.ran, ['slow'], 'only the corrupt entry is recomputed');
    t.deepEqual(
      b.jobs().jobs.map((j) => [j.instance, j.phase]),
      [['slow', 'done']],
    );
    t.deepEqual(await entries(b.cache), before, 'recomputed byte-identical');
    await assertRemoteVerifies(t, b.cache, b.remote, ALL.length);
  }),
);

test.serial('a job that fails deterministically is retried --retries times, then reported; its dependents are skipped', (t) =>
  withCluster(t, cluster, async (c) => {
    const s = slurmWorkspace(c);
    const r = await s.slurm(['--json', '--keep-going', '--retries', '2', 'slow.fail=true']);
    t.is(r.exitCode, 1, r.stderr);
    const summary = json(r.stdout);
    const jobs = s.jobs().jobs;
    t.deepEqual(
      jobs.map((j) => [j.phase, j.slurmState, j.attempt]),
      [
        ['failed', 'FAILED', 1],
        ['failed', 'FAILED', 2],
        ['failed', 'FAILED', 3],
      ],
    );
    t.is(summary.failed.length, 1);
    const { instance, error } = summary.failed[0];
    t.is(instance, 'slow');
    t.regex(
      error,
      new RegExp(
        `^slow: Slurm job ${jobs[2]!.jobId} FAILED \\(exit code 1, NonZeroExitCode\\): diverged at iteration 2 \\(attempt 3 of 3, no retry left\\); last lines of its log ${jobs[2]!.log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\n`,
      ),
    );
    t.regex(error, /\| error: slow: diverged at iteration 2$/, 'the log ends with the stage error');
    t.deepEqual(summary.skipped, [{ instance: 'summary', because: ['slow'] }]);
    t.is(s.executed().filter((i) => i === 'slow').length, 3);
    const status = await s.cli(['status']);
    t.regex(status.stdout, new RegExp(`${jobs[2]!.jobId} +failed +FAILED +slow \\(attempt 3\\)`));
  }),
);

test.serial("an sbatch error (a partition that does not exist) fails the instance at once, naming sbatch's message", (t) =>
  withCluster(t, cluster, async (c) => {
    const s = slurmWorkspace(c);
    const r = await s.slurm(['--json', '--keep-going', '--slurm-option=--partition=no-such-partition']);
    t.is(r.exitCode, 1);
    t.deepEqual(json(r.stdout).failed, [
      {
        instance: 'slow',
        error: 'slow: cannot submit its Slurm job: sbatch failed (exit code 1): sbatch: error: Batch job submission failed: Invalid partition name specified',
      },
    ]);
    t.deepEqual(s.jobs().jobs, []);
  }),
);

test.serial("a GPU stage's job asks Slurm for its GPU (--gpus=1, or --gres=gpu:1 in gres mode) and gets it; a CPU stage's asks for none", (t) =>
  withCluster(t, cluster, async (c) => {
    /** The job of `slow` in a fresh workspace: Slurm's record of it (scontrol show job) and its manifest's meta. */
    const slowJob = async (args: string[]) => {
      const s = slurmWorkspace(c);
      const r = await s.slurm(['--json', ...args]);
      t.is(r.exitCode, 0, r.stderr);
      const [job] = s.jobs().jobs;
      t.like(job, { instance: 'slow', phase: 'done', slurmState: 'COMPLETED' });
      // A finished job stays visible to scontrol for MinJobAge (60 s) without accounting.
      const shown = await execa('scontrol', ['show', 'job', '-o', job!.jobId], { env: c.env });
      const fields: Record<string, string | undefined> = Object.fromEntries(
        shown.stdout
          .trim()
          .split(/\s+/)
          .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
      );
      const cache = CacheStore.open(s.cache);
      try {
        const manifest = [...cache.entries()].find((e) => e.manifest?.instance === 'slow')!.manifest!;
        return { fields, meta: manifest.meta, log: readFileSync(job!.log, 'utf8') };
      } finally {
        await cache.close();
      }
    };
    const gpus = await slowJob(['slow.gpus=1']);
    t.is(gpus.fields.TresPerJob, 'gres:gpu:1', 'sbatch --gpus=1: Slurm records one GPU for the job');
    t.is(gpus.fields.TresPerNode, undefined);
    t.is(gpus.meta.gpus, 1, 'the stage saw ctx.gpus = 1');
    t.regex(gpus.log, /^@sgd-noise \{"type":"start",.*"gpus":1,/m);
    const gres = await slowJob(['--slurm-gpu-request', 'gres', 'slow.gpus=1']);
    t.is(gres.fields.TresPerNode, 'gres:gpu:1', 'sbatch --gres=gpu:1: one GPU per node');
    t.is(gres.fields.TresPerJob, undefined);
    const cpu = await slowJob([]);
    t.deepEqual(
      Object.keys(cpu.fields).filter((k) => /^TresPer/.test(k)),
      [],
      `a CPU stage's job asks for no GPU: ${JSON.stringify(cpu.fields)}`,
    );
    t.is(cpu.meta.gpus, undefined);
  }),
);

test.serial("a log directory with % in its name gets the job's log; an #SBATCH option with blanks, # and quotes reaches Slurm as written", (t) =>
  withCluster(t, cluster, async (c) => {
    const s = slurmWorkspace(c);
    const logDir = path.join(s.dir, 'logs 100%j %x');
    const comment = `a b#c"d'e\\f %j`;
    const r = await s.slurm(['--json', '--retries', '0', '--slurm-log-dir', logDir, `--slurm-option=--comment=${comment}`, '--slurm-option=--time=5']);
    t.is(r.exitCode, 0, r.stderr);
    const [job] = s.jobs().jobs;
    t.like(job, { instance: 'slow', phase: 'done', slurmState: 'COMPLETED', attempt: 1 });
    t.true(job!.log.startsWith(`${logDir}${path.sep}`), job!.log);
    t.regex(readFileSync(job!.log, 'utf8'), /^@sgd-noise \{"type":"done"/m, 'the job wrote its log where the coordinator reads it');
    // A finished job stays visible to scontrol for MinJobAge (60 s) without accounting.
    const shown = (await execa('scontrol', ['show', 'job', job!.jobId], { env: c.env })).stdout;
    const field = (name: string) => new RegExp(`^\\s*${name}=(.*?)\\s*$`, 'm').exec(shown)?.[1];
    t.deepEqual(
      readdirSync(s.dir).filter((n) => n.startsWith('logs ')),
      ['logs 100%j %x'],
      'no directory with an expanded name',
    );
    t.is(field('Comment'), comment, 'the #SBATCH option arrived whole');
    t.regex(shown, /TimeLimit=00:05:00/, 'the #SBATCH line after it was read too');
  }),
);

test.serial('run --executor slurm without a remote is refused in one line', async (t) => {
  const w = workspace();
  const r = await w.cli(['run', '--executor', 'slurm']);
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /^sgd-noise: run --executor slurm needs a remote, [^\n]*$/);
});

/** The real pipeline's 2-D toy experiment, tiny: 3 noise kinds, 6 repeats of 60 iterations (no noise-shape study). */
const TOY2D = [
  '--only',
  'toy2d.*',
  'toy2d.shapes.enabled=false',
  'toy2d.escapeLaws.enabled=false',
  'toy2d.kinds=["gd","sgd","gld_diag"]',
  'toy2d.repeats=6',
  'toy2d.iterations=60',
  'toy2d.trajectory={"repeats":2,"every":10}',
];

test.serial('real pipeline (toy2d, tiny): a Slurm run gives the keys and bytes of a local run; a rerun submits nothing', (t) =>
  withCluster(t, cluster, async (c) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-slurm-real-'));
    const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-slurm-remote-'));
    const env = { ...c.env, SGD_NOISE_SLURM_POLL_MS: '250' };
    const run = (cache: string, extra: string[]) =>
      execaNode(BIN, ['run', '--json', ...TOY2D, '--project', REAL, '--cache', cache, ...extra], { env, reject: false });
    let t0 = performance.now();
    const l = await run(path.join(dir, 'local'), []);
    const localMs = performance.now() - t0;
    t.is(l.exitCode, 0, l.stderr);
    t0 = performance.now();
    const s = await run(path.join(dir, 'slurm'), ['--executor', 'slurm', '--remote', remote]);
    const slurmMs = performance.now() - t0;
    t.is(s.exitCode, 0, s.stderr);
    const jobs = (JSON.parse(readFileSync(path.join(dir, 'slurm', 'slurm-jobs.json'), 'utf8')) as JobsFile).jobs;
    t.log(`toy2d tiny: local ${localMs.toFixed(0)} ms, via Slurm ${slurmMs.toFixed(0)} ms (${jobs.length} jobs on a ${c.cpus}-CPU node)`);
    t.deepEqual(sorted(jobs.map((j) => j.instance)), [
      'toy2d.dynamics[kind=gd,seed=0]',
      'toy2d.dynamics[kind=gld_diag,seed=0]',
      'toy2d.dynamics[kind=sgd,seed=0]',
    ]);
    t.true(jobs.every((j) => j.phase === 'done'));
    const a = await entries(path.join(dir, 'local'));
    t.is(a.size, 6);
    t.deepEqual(await entries(path.join(dir, 'slurm')), a, 'same keys, byte-identical outputs');
    const again = await run(path.join(dir, 'fresh'), ['--executor', 'slurm', '--remote', remote]);
    t.is(again.exitCode, 0, again.stderr);
    t.is(json(again.stdout).pulled.length, 6);
    t.deepEqual((JSON.parse(readFileSync(path.join(dir, 'fresh', 'slurm-jobs.json'), 'utf8')) as JobsFile).jobs, [], 'nothing submitted');
  }),
);

test.serial('real pipeline (toy2d, tiny): SIGINT cancels every job, pending ones included; --slurm-option reaches sbatch', (t) =>
  withCluster(t, cluster, async (c) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-slurm-real-'));
    const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-slurm-remote-'));
    const cache = path.join(dir, 'cache');
    const jobsFile = path.join(cache, 'slurm-jobs.json');
    const run = execaNode(
      BIN,
      ['run', ...TOY2D, '--project', REAL, '--cache', cache, '--executor', 'slurm', '--remote', remote, '--slurm-option=--begin=now+1hour'],
      {
        env: { ...c.env, SGD_NOISE_SLURM_POLL_MS: '250' },
        reject: false,
      },
    );
    const jobs = () => (existsSync(jobsFile) ? (JSON.parse(readFileSync(jobsFile, 'utf8')) as JobsFile).jobs : []);
    await waitFor(() => jobs().length === 3 && jobs().every((j) => j.phase === 'queued' && j.slurmState === 'PENDING'), 'three pending jobs', 60_000);
    const ids = jobs().map((j) => j.jobId);
    const reason = await execa('squeue', ['--noheader', '--format=%i %r', `--jobs=${ids.join(',')}`], { env: c.env });
    t.deepEqual(
      reason.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1]),
      ['BeginTime', 'BeginTime', 'BeginTime'],
      '#SBATCH --begin from --slurm-option',
    );
    run.kill('SIGINT');
    const r = await run;
    t.is(r.exitCode, 130, r.stderr);
    const q = await execa('squeue', ['--noheader', '--format=%i', `--jobs=${ids.join(',')}`], { env: c.env, reject: false });
    t.is(q.stdout.trim(), '', 'squeue shows none of the jobs');
    t.true(jobs().every((j) => j.phase === 'cancelled'));
  }),
);
