/**
 * `run --detach` through the CLI with a stand-in executor plugin whose `detach` records what it is handed: the
 * coordinator's command is the same run (flags, overrides, targets, sweeps) without `--detach` and without the
 * plugin's detach-only options, naming cache, project and remote by absolute paths; the commands printed to follow
 * it carry the same cache and plan. The refusals are checked too.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TOY } from '../../test/fixtures/cli-workspace.ts';
import { main } from '../cli.ts';
import { EXECUTORS } from '../executors/index.ts';
import type { DetachContext, ExecutorPlugin } from '../executors/plugin.ts';
import { parseCommandLine } from './options.ts';

const seen: DetachContext[] = [];
const queuePlugin: ExecutorPlugin = {
  name: 'queue',
  summary: 'a stand-in queue (needs --remote)',
  needsRemote: true,
  options: [{ name: 'queue-wall', type: 'string', arg: 'T', help: 'the coordinator job’s time', detachOnly: true }],
  create: () => {
    throw new Error('not used');
  },
  async detach(ctx) {
    seen.push(ctx);
    return { ok: true, json: { id: 'q1' }, lines: ['submitted q1', `  follow it: ${ctx.follow.status}`] };
  },
};
const executors = [...EXECUTORS, queuePlugin];

/** Runs `main` in this process, capturing stdout. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const write = process.stdout.write;
  let stdout = '';
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    return { code: await main(args, {}, executors), stdout };
  } finally {
    process.stdout.write = write;
  }
}

test.serial('the coordinator runs the same command without --detach, with absolute cache, project and remote', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-detach-'));
  const remote = path.join(dir, 'remote');
  mkdirSync(remote);
  process.env.TOY_ROOT = dir;
  const cwd = process.cwd();
  process.chdir(dir);
  let r: { code: number; stdout: string };
  try {
    r = await cli([
      'run',
      '--executor',
      'queue',
      '--detach',
      '--queue-wall=3-0',
      '--keep-going',
      '--remote',
      'remote',
      '--cache',
      'cache',
      '--project',
      path.relative(dir, TOY),
      '--only',
      'slow',
      '--sweep',
      'slow.ms=1,2',
      'left.scale=3',
      'fan[kind=a]',
    ]);
  } finally {
    process.chdir(cwd);
  }
  t.is(r.code, 0);
  t.is(r.stdout, `submitted q1\n  follow it: npx sgd-noise status --cache ${dir}/cache --project ${TOY} --sweep slow.ms=1,2 left.scale=3\n`);
  const ctx = seen.at(-1)!;
  t.is(ctx.argv[0], process.execPath);
  t.regex(ctx.argv[1]!, /bin\/sgd-noise\.js$/);
  t.is(ctx.workdir, dir);
  const back = parseCommandLine(ctx.argv.slice(2) as string[], executors);
  t.is(back.command, 'run');
  t.deepEqual(back.overrides, ['left.scale=3']);
  t.deepEqual(back.targets, ['fan[kind=a]']);
  t.like(back.values, { 'keep-going': true, only: ['slow'], sweep: ['slow.ms=1,2'], cache: path.join(dir, 'cache'), project: TOY, remote });
  t.is(back.flags.executor, 'queue');
  t.is(back.flags.detach, undefined, 'no --detach');
  t.is(back.flags['queue-wall'], undefined, 'no detach-only option');
  t.deepEqual(ctx.options, { 'queue-wall': '3-0' }, 'the plugin sees its detach-only options');
});

test.serial('--detach is refused with an executor that cannot detach, and with --dry-run; the coordinator options need --detach', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-detach-'));
  const common = ['--project', TOY, '--cache', path.join(dir, 'cache')];
  await t.throwsAsync(cli(['run', '--detach', ...common]), {
    message: '--detach: --executor local cannot submit its coordinator as a job; --executor slurm or --executor queue can',
  });
  await t.throwsAsync(cli(['run', '--executor', 'queue', '--remote', dir, '--detach', '--dry-run', ...common]), {
    message: '--detach and --dry-run: a dry run submits nothing; give one of them',
  });
  await t.throwsAsync(cli(['run', '--executor', 'slurm', '--remote', dir, '--coordinator-time', '3-0', ...common]), {
    message: "--coordinator-time describes the coordinator's own job: it goes with --detach",
  });
  await t.throwsAsync(cli(['run', '--executor', 'slurm', '--remote', dir, '--detach', '--coordinator-time', '3 days', ...common]), {
    message: /^--coordinator-time: expected a Slurm time limit/,
  });
  await t.throwsAsync(cli(['run', '--executor', 'slurm', '--remote', dir, '--detach', '--coordinator-option=--time=5', ...common]), {
    message: /give the coordinator's time limit with --coordinator-time/,
  });
  await t.throwsAsync(cli(['run', '--executor', 'slurm', '--remote', dir, '--detach', '--coordinator-option=-p x', ...common]), {
    message: /^--coordinator-option "-p x" has a blank after the option name/,
  });
});
