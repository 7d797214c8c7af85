/** Row 10 of issue 11: usage mistakes get one line naming the option, output or path, exit 2, and create nothing. */
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspace } from './fixtures/cli-workspace.ts';

test('an unknown output name lists the known ones (export and show --output)', async (t) => {
  const w = workspace();
  t.is((await w.cli(['run', 'slow.ms=1'])).exitCode, 0);
  for (const args of [
    ['export', 'join', '--output', 'nosuch'],
    ['show', 'join', '--output', 'nosuch'],
    ['export', 'join', '--output', 'nosuch', '--format', 'csv'],
  ]) {
    const r = await w.cli(args);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.is(r.stderr.trim(), "sgd-noise: join has no output 'nosuch'; its outputs: z");
  }
});

test('inspection commands say the cache is missing instead of creating it; only run creates one', async (t) => {
  const w = workspace();
  const typo = path.join(w.dir, 'typo');
  const inTypo = workspace({ cache: typo });
  // status is a newcomer's first look: it says that nothing has run yet, exit 0 (test/cli-status-fresh.test.ts)
  for (const args of [['ls'], ['show', 'join'], ['export', 'join'], ['gc'], ['gc', '--dry-run'], ['report']]) {
    const r = await inTypo.cli(args);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(
      r.stderr,
      new RegExp(`no cache at ${typo.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(.* does not exist\\); only \`sgd-noise run\` creates one`),
      args.join(' '),
    );
    t.false(existsSync(typo), `${args.join(' ')} created ${typo}`);
  }
  t.is((await inTypo.cli(['dag'])).exitCode, 0, 'dag needs no cache');
  t.false(existsSync(typo));
  t.is((await inTypo.cli(['run', 'slow.ms=1'])).exitCode, 0);
  t.true(existsSync(path.join(typo, 'cache.mdb')), 'run creates the cache');
  t.is((await inTypo.cli(['ls'])).exitCode, 0);
});

test('--jobs 0 is rejected naming the option, before anything runs or any cache is made', async (t) => {
  const w = workspace();
  for (const args of [
    ['run', '--jobs', '0'],
    ['run', '--dry-run', '--jobs', '0'],
    ['run', '--jobs', '1.5'],
    ['run', '--jobs', 'two'],
  ]) {
    const r = await w.cli(args);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /^sgd-noise: --jobs: expected a positive integer \(the most stage instances to run at once\), received '/);
  }
  t.deepEqual(w.executed(), []);
  t.false(existsSync(w.cache));
});

test('--gpus takes a non-negative integer, naming the option otherwise; a stage that needs more GPUs than given fails, naming both', async (t) => {
  const w = workspace();
  for (const args of [
    ['run', '--gpus', '1.5'],
    ['run', '--gpus', 'two'],
    ['run', '--gpus=-1'],
    ['run', '--dry-run', '--gpus', 'x'],
  ]) {
    const r = await w.cli(args);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /^sgd-noise: --gpus: expected a non-negative integer \(the GPUs local runs may use\), received '/);
  }
  t.deepEqual(w.executed(), []);
  t.false(existsSync(w.cache));
  const r = await w.cli(['run', '--gpus', '0', '--keep-going', 'slow.gpus=1']);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(r.stderr, /^FAILED\s+slow: needs 1 GPU\(s\), but this run has 0 \(run --gpus N sets how many local runs may use\)$/m);
  const ok = await w.cli(['run', '--gpus', '1', 'slow.gpus=1']);
  t.is(ok.exitCode, 0, ok.stderr);
});

test('--slurm-gpu-request and --slurm-gpu-type are checked before any job is submitted', async (t) => {
  const w = workspace();
  const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-gpu-remote-'));
  const cases: Array<[string[], RegExp]> = [
    [['--slurm-gpu-request', 'mig'], /^sgd-noise: --slurm-gpu-request \(or slurm.gpuRequest\): expected gpus, gres, gpus-per-task, received 'mig'$/m],
    [
      ['--slurm-gpu-type', 'h100 --mem=1'],
      /^sgd-noise: --slurm-gpu-type \(or slurm.gpuType\): expected a GPU type of letters, digits, '_', '.' and '-' \(e.g. h100\), received "h100 --mem=1"$/m,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await w.cli(['run', '--executor', 'slurm', '--remote', remote, ...args]);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message);
  }
  t.deepEqual(w.executed(), []);
});

test('a Slurm value that could rewrite a job script is refused in one line naming its option, before any job is submitted', async (t) => {
  const w = workspace();
  const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-script-remote-'));
  const logs = mkdtempSync(path.join(tmpdir(), 'sgdn-script-logs-'));
  const cases: Array<[string[], RegExp]> = [
    [
      ['--slurm-option=--comment=x\ntouch /tmp/INJECTED'],
      /^sgd-noise: --slurm-option "--comment=x\\ntouch \/tmp\/INJECTED" contains a newline \(U\+000A\), which would end the #SBATCH line and run the rest as a shell command on the node; an sbatch option holds no control character$/m,
    ],
    [
      ['--slurm-option=--partition=cpu', '--slurm-option=-p gpu'],
      /^sgd-noise: --slurm-option "-p gpu" has a blank after the option name: give one option with its value attached, e\.g\. --partition=gpu or -pgpu$/m,
    ],
    [
      ['--slurm-log-dir', path.join(logs, 'a\\b')],
      /^sgd-noise: --slurm-log-dir ".*a\\\\b" contains a backslash: Slurm removes every backslash from an output path \(man sbatch, "filename pattern"\), so the log would land elsewhere; choose another with --slurm-log-dir DIR$/m,
    ],
    [
      ['--slurm-node-cache', '/tmp/node\tcache'],
      /^sgd-noise: --slurm-node-cache "\/tmp\/node\\tcache" contains a tab \(U\+0009\); no value handed to Slurm jobs may hold a control character$/m,
    ],
    [['slow.ms=1\r'], /^sgd-noise: override "slow\.ms=1\\r" contains a carriage return \(U\+000D\)/m],
  ];
  for (const [args, message] of cases) {
    const r = await w.cli(['run', '--executor', 'slurm', '--remote', remote, ...args]);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message);
    t.is(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  t.deepEqual(w.executed(), []);
  t.false(existsSync(w.cache), 'no cache made');
  t.false(existsSync(path.join(remote, 'slurm-logs')), 'no log directory made');
});

test('a failure line names the instance once', async (t) => {
  const w = workspace();
  const r = await w.cli(['run', 'slow.fail=true', 'slow.steps=4']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /^FAILED\s+slow: diverged at iteration 2$/m);
  t.notRegex(r.stderr, /slow: slow:/);
});
