/**
 * Issue 23, class 4: no value can rewrite a Slurm job script or add to sbatch's arguments. Scripts are built for
 * hostile values and read back as sbatch reads them (its `#SBATCH` parsing, test/fixtures/sbatch-script.ts) and as
 * /bin/sh runs them (the argv the `exec` hands over); values no script or argument can carry are refused, naming them.
 */
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scriptArgv, sbatchDirectives } from '../../../test/fixtures/sbatch-script.ts';
import { sbatchArgs, type SlurmJobSpec } from './client.ts';
import { jobScript, SlurmExecutor, type SlurmExecutorOptions } from './executor.ts';
import { filenamePattern, sbatchOptionProblem, slurmRunProblem } from './safe-values.ts';

/** A directory for a marker file that any injected command would create (removed by the test). */
function marker(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-script-marker-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'INJECTED');
}

/** Options sbatch must read back one by one, exactly as given. */
const hostileOptions = (mark: string) => [
  '--partition=gpu',
  '-pgpu',
  '--comment=a b',
  '--comment=run #3',
  '--comment=#',
  '--comment=say "hi"',
  "--comment=it's",
  "--comment='quoted'",
  '--comment=back\\slash\\',
  `--comment=$(touch ${mark})`,
  `--comment=\`touch ${mark}\``,
  `--comment=;touch ${mark}`,
  '--comment=%j %x 100%',
  '--comment=',
  '--comment=  blanks around  ',
  '--comment=é 中 ∑',
  '--begin=now+1hour',
];

/** Arguments the job's command must receive exactly. */
const hostileArgs = (mark: string) => [
  'exec',
  'fan[kind=a]',
  'toy2d.kinds=["gd","sgd"]',
  'report.title=a\nb',
  '\n#SBATCH --partition=evil\n',
  `$(touch ${mark})`,
  `\`touch ${mark}\``,
  `;touch ${mark}`,
  "it's",
  "'",
  '"',
  '\\',
  'back\\slash',
  '*',
  '~',
  '',
  ' ',
  '\t',
  '-',
  '--',
  '%j',
  'é 中',
];

test('a job script built from hostile values reads back as exactly its options and its command', async (t) => {
  const mark = marker(t);
  const defaults = hostileOptions(mark);
  const args = hostileArgs(mark);
  const instance = 'fan[kind=a\n#SBATCH --partition=evil\ntouch x]';
  let script = '';
  const argv = await scriptArgv((program) => (script = jobScript({ instance, key: 'k'.repeat(64), defaults, argv: [program, ...args] })));
  t.deepEqual(sbatchDirectives(script), defaults, 'sbatch reads every #SBATCH option as given, and nothing else');
  t.deepEqual(argv, args, '/bin/sh hands the command exactly these arguments');
  t.false(existsSync(mark), 'no value ran as a command');
  const lines = script.split('\n');
  t.is(lines[1], `# sgd-noise job: fan[kind=a?#SBATCH --partition=evil?touch x] (${'k'.repeat(64)})`, 'the comment stays one line');
  const header = lines.slice(
    0,
    lines.findIndex((l) => l.startsWith('exec ')),
  );
  t.is(header.filter((l) => l.startsWith('#SBATCH')).length, defaults.length, 'one #SBATCH line per option before the command');
});

test('an option that is no single sbatch option is refused where the script is built, naming it', (t) => {
  const refused: Array<[string, RegExp]> = [
    ['--comment=x\ntouch /tmp/INJECTED', /contains a newline \(U\+000A\), which would end the #SBATCH line and run the rest as a shell command/],
    ['--partition=gpu\r', /contains a carriage return \(U\+000D\)/],
    ['--comment=\u0000', /contains a NUL \(U\+0000\)/],
    ['--comment=\u001b[2J', /contains a control character \(U\+001B\)/],
    ['--comment=\u0085', /contains a control character \(U\+0085\)/],
    ['-p gpu', /has a blank after the option name: give one option with its value attached, e\.g\. --partition=gpu or -pgpu/],
    ['--partition gpu', /has a blank after the option name/],
    ['gpu', /is not an sbatch option: expected one starting with '-'/],
    ['', /is not an sbatch option/],
    ['--', /is not an sbatch option/],
    ['--comment=my HetJob run', /"hetjob" or "packjob"/],
  ];
  for (const [opt, message] of refused) {
    const err = t.throws(() => jobScript({ instance: 'slow', key: 'k', defaults: ['--partition=cpu', opt], argv: ['node'] }), undefined, JSON.stringify(opt));
    t.true(err!.message.startsWith(`job script of slow: #SBATCH option ${JSON.stringify(opt)} `), err!.message);
    t.regex(err!.message, message);
    t.false(err!.message.includes('\n'), 'one line');
  }
  for (const [arg, message] of [
    ['a\u0000b', /contains a NUL/],
    ['a\r\nb', /sbatch refuses a script with a "\\r\\n" line break/],
  ] as const) {
    t.throws(() => jobScript({ instance: 'slow', key: 'k', defaults: [], argv: ['node', arg] }), {
      message: new RegExp(`^job script of slow: argument 1 of the command, .*${message.source}`),
    });
  }
});

test('sbatch arguments: output paths name the literal file, and no value can add or hide an argument', (t) => {
  const base: SlurmJobSpec = { script: '#!/bin/sh\n', jobName: 'sgdn:slow', output: '/logs/100%j done/a%%b.log', error: '/logs/%x.err' };
  const args = sbatchArgs(base);
  t.true(args.includes('--output=/logs/100%%j done/a%%%%b.log'), 'every % escaped: Slurm expands no pattern');
  t.true(args.includes('--error=/logs/%%x.err'));
  t.is(filenamePattern('/plain/path.log'), '/plain/path.log');
  const bad: Array<[Partial<SlurmJobSpec>, RegExp]> = [
    [{ output: '/logs/a\\b.log' }, /^Slurm job "sgdn:slow": output "\/logs\/a\\\\b\.log" contains a backslash: Slurm removes every backslash/],
    [{ error: '/logs/a\nb' }, /^Slurm job "sgdn:slow": error ".*" contains a newline/],
    [{ jobName: 'sgdn:a\nb' }, /^Slurm job "sgdn:a\\nb": jobName "sgdn:a\\nb" contains a newline/],
    [{ workdir: '/w\tx' }, /workdir "\/w\\tx" contains a tab \(U\+0009\)/],
    [{ dependency: { afterok: ['1,afterany:2'] } }, /dependency\.afterok: "1,afterany:2" is not a job id/],
    [{ extraOptions: ['--partition', 'gpu'] }, /extra option "gpu" is not an sbatch option/],
    [{ extraOptions: ['--comment=a\nb'] }, /extra option "--comment=a\\nb" contains a newline/],
    [{ env: { 'A=B': 'x' } }, /env: "A=B" is not a variable name/],
    [{ env: { A: 'x\u0000y' } }, /env\.A contains a NUL/],
  ];
  for (const [change, message] of bad) t.throws(() => sbatchArgs({ ...base, ...change }), { message }, JSON.stringify(change));
  t.deepEqual(
    sbatchArgs({ ...base, dependency: { afterok: ['12', '13_4'] }, extraOptions: ['--comment=a b'] }).filter((a) => /^--(dependency|comment)/.test(a)),
    ['--dependency=afterok:12:13_4', '--comment=a b'],
  );
});

test('the checks a Slurm run makes before anything runs name the option or config path, in one line', (t) => {
  const ok = {
    options: [{ name: '--slurm-option', value: '--partition=cpu' }],
    logDir: { name: '--slurm-log-dir', value: '/shared/logs 100%' },
    plain: [{ name: '--remote', value: '/shared/r' }],
    args: [{ name: 'override', value: 'report.title=a\nb' }],
  };
  t.is(slurmRunProblem(ok), undefined);
  t.is(
    slurmRunProblem({ ...ok, options: [{ name: 'slurm.options.1', value: '--x=1\nreboot' }] }),
    'slurm.options.1 "--x=1\\nreboot" contains a newline (U+000A), which would end the #SBATCH line and run the rest as a shell command on the node; an sbatch option holds no control character',
  );
  t.regex(
    slurmRunProblem({ ...ok, logDir: { name: '--slurm-log-dir', value: '/a\\b' } })!,
    /^--slurm-log-dir "\/a\\\\b" contains a backslash: .*; choose another with --slurm-log-dir DIR$/,
  );
  t.regex(
    slurmRunProblem({ ...ok, plain: [{ name: '--slurm-node-cache', value: '/tmp/\u0007' }] })!,
    /^--slurm-node-cache "\/tmp\/\\u0007" contains a control character \(U\+0007\)/,
  );
  t.regex(slurmRunProblem({ ...ok, args: [{ name: '--sweep', value: 'a=1\r' }] })!, /^--sweep "a=1\\r" contains a carriage return/);
  t.is(sbatchOptionProblem('--comment=a b#c'), undefined, 'blanks and # in the value are quoted, not refused');
});

test('the Slurm executor refuses such values when it is made, before it creates its log directory', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-script-logs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const make = (o: Partial<SlurmExecutorOptions>) =>
    new SlurmExecutor({
      client: {} as never,
      cache: {} as never,
      remote: {} as never,
      remoteLocation: '/r',
      logDir: dir,
      command: ['node'],
      planArgs: [],
      runId: 'run',
      ...o,
    });
  const refused: Array<[Partial<SlurmExecutorOptions>, RegExp]> = [
    [
      { sbatchDefaults: ['--partition=cpu', '--comment=x\ntouch /tmp/INJECTED'] },
      /^Slurm executor: #SBATCH option "--comment=x\\ntouch \/tmp\/INJECTED" contains a newline/,
    ],
    [{ logDir: path.join(dir, 'a\\b') }, /^Slurm executor: log directory ".*a\\\\b\/run" contains a backslash/],
    [{ workdir: '/w\n' }, /^Slurm executor: working directory "\/w\\n" contains a newline/],
    [{ nodeCache: '/n\u0007' }, /^Slurm executor: node cache "\/n\\u0007" contains a control character \(U\+0007\)/],
    [{ planArgs: ['--profile', 'q\r'] }, /^Slurm executor: argument "q\\r" contains a carriage return/],
  ];
  for (const [o, message] of refused) t.throws(() => make(o), { message }, JSON.stringify(o));
  t.false(existsSync(path.join(dir, 'run')), 'no log directory made');
  make({ logDir: path.join(dir, '100%j'), sbatchDefaults: ['--comment=a b#c'] });
  t.true(existsSync(path.join(dir, '100%j', 'run')), 'a % in the log directory is fine: it is escaped for sbatch');
});
