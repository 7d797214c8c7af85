/** SlurmClient with a fake command runner: the arguments it passes, how it reads outputs, and its error messages. */
import test from 'ava';
import { type CommandResult, type CommandRunner, execaRunner, SlurmClient, SlurmCommandError, sbatchArgs } from './client.ts';

type Call = { file: string; args: readonly string[]; env: Record<string, string>; input?: string };

function fake(answers: Record<string, CommandResult | ((args: readonly string[]) => CommandResult)>): { run: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const run: CommandRunner = async (file, args, options) => {
    calls.push({ file, args, env: options.env, ...(options.input !== undefined ? { input: options.input } : {}) });
    const a = answers[file];
    if (!a) throw new Error(`unexpected command ${file}`);
    return typeof a === 'function' ? a(args) : a;
  };
  return { run, calls };
}

const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '' });

test('sbatchArgs maps every field and validates', (t) => {
  t.deepEqual(
    sbatchArgs({
      command: 'echo hi',
      jobName: 'j',
      output: '/tmp/j.log',
      error: '/tmp/j.err',
      workdir: '/tmp',
      cpus: 2,
      memMB: 500,
      timeLimitMin: 10,
      dependency: { afterok: ['1', '2'], afterany: ['3'] },
      extraOptions: ['--partition=p'],
    }),
    [
      '--parsable',
      '--job-name=j',
      '--output=/tmp/j.log',
      '--error=/tmp/j.err',
      '--chdir=/tmp',
      '--cpus-per-task=2',
      '--mem=500M',
      '--time=10',
      '--dependency=afterok:1:2,afterany:3',
      '--kill-on-invalid-dep=yes',
      '--export=ALL',
      '--partition=p',
      '--wrap=echo hi',
    ],
  );
  t.false(
    sbatchArgs({ command: 'x', jobName: 'j', output: 'o', dependency: { afterok: ['1'] }, killOnInvalidDependency: false }).includes(
      '--kill-on-invalid-dep=yes',
    ),
  );
  t.false(sbatchArgs({ command: 'x', jobName: 'j', output: 'o', dependency: { afterok: [] } }).some((a) => a.startsWith('--dependency')));
  t.throws(() => sbatchArgs({ jobName: 'j', output: 'o' }), { message: 'Slurm job "j": give exactly one of script and command' });
  t.throws(() => sbatchArgs({ script: '#!/bin/sh', command: 'x', jobName: 'j', output: 'o' }), { message: /exactly one/ });
  t.throws(() => sbatchArgs({ script: 'echo', jobName: 'j', output: 'o' }), { message: /must start with "#!"/ });
  t.throws(() => sbatchArgs({ command: 'x', jobName: 'j', output: 'o', cpus: 0 }), { message: 'Slurm job "j": cpus must be a positive integer, got 0' });
  t.throws(() => sbatchArgs({ command: 'x', jobName: 'j', output: 'o', memMB: 1.5 }), { message: /memMB must be a positive integer/ });
});

test('sbatchArgs asks for GPUs in the form chosen, after --cpus-per-task, and for none at 0', (t) => {
  const base = { command: 'x', jobName: 'j', output: 'o', cpus: 2 } as const;
  const gpuArgs = (spec: Parameters<typeof sbatchArgs>[0]) => sbatchArgs(spec).filter((a) => /^--(gpus|gres|ntasks|gpus-per-task)=/.test(a));
  t.deepEqual(gpuArgs({ ...base, gpus: 1 }), ['--gpus=1']);
  t.deepEqual(gpuArgs({ ...base, gpus: 2, gpuType: 'h100' }), ['--gpus=h100:2']);
  t.deepEqual(gpuArgs({ ...base, gpus: 1, gpuRequest: 'gres' }), ['--gres=gpu:1']);
  t.deepEqual(gpuArgs({ ...base, gpus: 1, gpuRequest: 'gres', gpuType: 'a100_80g' }), ['--gres=gpu:a100_80g:1']);
  t.deepEqual(gpuArgs({ ...base, gpus: 1, gpuRequest: 'gpus-per-task' }), ['--ntasks=1', '--gpus-per-task=1']);
  t.deepEqual(gpuArgs({ ...base, gpus: 0, gpuRequest: 'gres', gpuType: 'h100' }), [], 'none asked, none requested');
  t.deepEqual(gpuArgs(base), []);
  const args = sbatchArgs({ ...base, gpus: 1 });
  t.is(args.indexOf('--gpus=1'), args.indexOf('--cpus-per-task=2') + 1);
  t.throws(() => sbatchArgs({ ...base, gpus: -1 }), { message: 'Slurm job "j": gpus must be a non-negative integer, got -1' });
  t.throws(() => sbatchArgs({ ...base, gpus: 1, gpuRequest: 'mig' as never }), { message: /gpuRequest must be one of gpus, gres, gpus-per-task, got "mig"/ });
  for (const bad of ['h100\n--x', 'gpu:h100', 'h100 --mem=1', ''] as const) {
    t.throws(() => sbatchArgs({ ...base, gpus: 1, gpuType: bad }), { message: /^Slurm job "j": gpuType must match/ }, JSON.stringify(bad));
  }
});

test('submit passes the script on stdin and the env to sbatch, and returns the id', async (t) => {
  const { run, calls } = fake({ sbatch: ok('17\n') });
  const slurm = new SlurmClient({ env: { SLURM_CONF: '/c/slurm.conf' }, run });
  t.is(await slurm.submit({ script: '#!/bin/sh\ntrue\n', jobName: 'j', output: 'o', env: { FOO: 'bar' } }), '17');
  t.is(calls[0]!.input, '#!/bin/sh\ntrue\n');
  t.deepEqual(calls[0]!.env, { FOO: 'bar', SLURM_CONF: '/c/slurm.conf' });
  t.false(calls[0]!.args.some((a) => a.startsWith('--wrap')));
});

test('a failing sbatch gives one line naming the command, exit code and last stderr line', async (t) => {
  const { run } = fake({
    sbatch: { exitCode: 1, stdout: '', stderr: 'sbatch: error: first\nsbatch: error: Batch job submission failed: Invalid partition name specified\n' },
  });
  const e = await t.throwsAsync(new SlurmClient({ run }).submit({ command: 'x', jobName: 'j', output: 'o' }), { instanceOf: SlurmCommandError });
  t.is(e!.message, 'sbatch failed (exit code 1): sbatch: error: Batch job submission failed: Invalid partition name specified');
  t.is(e!.exitCode, 1);
});

test('sbatch not on PATH is named as such', async (t) => {
  const e = await t.throwsAsync(execaRunner('sbatch-definitely-missing', [], { env: {}, timeoutMs: 5000 }), { instanceOf: SlurmCommandError });
  t.regex(e!.message, /^sbatch-definitely-missing not found on PATH: install Slurm's client commands/);
  t.false(e!.message.includes('\n'));
});

test('states: live jobs from one squeue, finished and vanished ones from scontrol', async (t) => {
  const { run, calls } = fake({
    squeue: ok('1|RUNNING|None\n2|COMPLETED|None\n3|PENDING|Resources\n'),
    scontrol: (args) =>
      args[3] === '2'
        ? ok('JobId=2 JobName=x JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:01')
        : args[3] === '4'
          ? ok('JobId=4 JobName=y JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0')
          : { exitCode: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified\n' },
  });
  const states = await new SlurmClient({ run }).states(['1', '2', '3', '4', '5']);
  t.deepEqual(calls.filter((c) => c.file === 'squeue').length, 1);
  t.deepEqual(calls.find((c) => c.file === 'squeue')!.args, ['--noheader', '--states=all', '--jobs=1,2,3,4,5', '--format=%i|%T|%r']);
  t.deepEqual(
    calls.filter((c) => c.file === 'scontrol').map((c) => c.args[3]),
    ['2', '4', '5'],
  );
  t.is(states.get('1')!.state, 'RUNNING');
  t.deepEqual(states.get('2'), { jobId: '2', state: 'COMPLETED', exitCode: 0, source: 'scontrol' });
  t.deepEqual(states.get('3'), { jobId: '3', state: 'PENDING', reason: 'Resources', source: 'squeue' });
  t.is(states.get('4')!.exitCode, 3);
  t.is(states.get('5')!.state, 'UNKNOWN');
  t.is(states.get('5')!.source, 'none');
});

test('states: squeue\'s "Invalid job id" when no id is known is not an error; other failures are', async (t) => {
  const gone = fake({
    squeue: { exitCode: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' },
    scontrol: { exitCode: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' },
  });
  t.is((await new SlurmClient({ run: gone.run }).states(['9'])).get('9')!.state, 'UNKNOWN');
  const down = fake({ squeue: { exitCode: 1, stdout: '', stderr: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' } });
  await t.throwsAsync(new SlurmClient({ run: down.run }).states(['9']), {
    message: 'squeue failed (exit code 1): slurm_load_jobs error: Unable to contact slurm controller (connect failure)',
  });
  t.is((await new SlurmClient({ run: down.run }).states([])).size, 0, 'no ids, no call');
});

test('cancel calls scancel with the ids, and fails loudly', async (t) => {
  const { run, calls } = fake({ scancel: ok('') });
  await new SlurmClient({ run }).cancel(['1', '2']);
  t.deepEqual(calls[0]!.args, ['1', '2']);
  const bad = fake({ scancel: { exitCode: 1, stdout: '', stderr: 'scancel: error: Kill job error on job id 99: Access/permission denied' } });
  await t.throwsAsync(new SlurmClient({ run: bad.run }).cancel(['99']), {
    message: 'scancel failed (exit code 1): scancel: error: Kill job error on job id 99: Access/permission denied',
  });
});

test('ids that are no Slurm job id (from an edited jobs file: an option, a blank) never reach scancel or squeue', async (t) => {
  const { run, calls } = fake({ scancel: ok(''), squeue: ok('') });
  for (const id of ['--user=root', '-u', '1 2', '1,2', 'x', '']) {
    await t.throwsAsync(new SlurmClient({ run }).cancel(['1', id]), { message: `scancel: ${JSON.stringify(id)} is not a Slurm job id (e.g. 123 or 123_4)` });
    await t.throwsAsync(new SlurmClient({ run }).states([id]), { message: /^squeue: .* is not a Slurm job id/ });
  }
  t.deepEqual(calls, []);
});
