/** Rows 7 and 10 of issue 11 on the real project: bad config values exit 2 naming the config path, no stack trace. */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaNode } from 'execa';
import { BIN } from './fixtures/cli-workspace.ts';

const cli = (args: string[]) => execaNode(BIN, [...args, '--cache', path.join(mkdtempSync(path.join(tmpdir(), 'sgdn-cfg-')), 'cache')], { reject: false });

test('fashion.dynamics.lr=1e999 is exit 2 naming the path, not a stack trace', async (t) => {
  const r = await cli(['run', '--dry-run', 'fashion.dynamics.lr=1e999']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /fashion\.dynamics\.lr: expected a finite number, received Infinity/);
  t.notRegex(r.stderr, /\n\s+at /);
});

test('a checkpoint past the last iteration is exit 2 naming fashion.dynamics.checkpoints', async (t) => {
  const r = await cli(['run', '--dry-run', 'fashion.dynamics.checkpoints=[200,500]']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /fashion\.dynamics\.checkpoints: checkpoint 500 past the last iteration \(fashion\.dynamics\.iterations = 400\)/);
});

test('a fixed pre-training length above the cap is exit 2 naming fashion.pretrain.iterations', async (t) => {
  const r = await cli(['run', '--dry-run', '--no-estimate', 'fashion.pretrain.iterations=20000']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /fashion\.pretrain\.iterations: 20000 exceeds pretrain\.maxIterations \(3000\), the cap on pre-training: raise both/);
  const ok = await cli(['run', '--dry-run', '--no-estimate', 'fashion.pretrain.iterations=2000']);
  t.is(ok.exitCode, 0, ok.stderr);
});

test('a newline in slurm.options (an #SBATCH line of every job) is exit 2 naming slurm.options.N', async (t) => {
  const r = await cli(['run', '--dry-run', '--no-estimate', 'slurm.options=["--partition=cpu","--comment=x\\ntouch /tmp/INJECTED","-p gpu"]']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /^ {2}- slurm\.options\.1: "--comment=x\\ntouch \/tmp\/INJECTED" contains a newline \(U\+000A\), which would end the #SBATCH line/m);
  t.regex(r.stderr, /^ {2}- slurm\.options\.2: "-p gpu" has a blank after the option name/m);
  t.notRegex(r.stderr, /slurm\.options\.0/);
  t.notRegex(r.stderr, /\n\s+at /);
});
