/** Issue 23: under a low open-files limit (`ulimit -n 64` in a child shell) the command says so in one stable line. */
import test from 'ava';
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { BIN, TOY } from './fixtures/cli-workspace.ts';

const hasLimits = existsSync('/proc/self/limits');

test('ulimit -n 64: one line naming the limit and `ulimit -n 4096`, exit 1, the same every time; 4096 runs', async (t) => {
  if (!hasLimits) {
    if (process.env.CI === 'true') t.fail('no /proc/self/limits on CI');
    t.log('skipped: no /proc/self/limits here (not Linux)');
    t.pass();
    return;
  }
  const run = (n: number, args: string[]) => execa('sh', ['-c', `ulimit -n ${n} && exec "$0" "$@"`, process.execPath, BIN, ...args], { reject: false });
  const lines = new Set<string>();
  for (const args of [['dag'], ['run', '--dry-run', '--no-estimate'], ['dag', '--project', TOY]]) {
    const r = await run(64, args);
    t.is(r.exitCode, 1, r.stderr);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    lines.add(r.stderr.trim());
  }
  t.is(lines.size, 1, [...lines].join('\n'));
  t.regex(
    [...lines][0]!,
    /^sgd-noise: the open-files limit is 64 \(soft; hard 64; \/proc\/self\/limits\), below the 256 sgd-noise needs .*EMFILE.*; raise it with `ulimit -n 4096` in the shell that runs sgd-noise$/,
  );
  const ok = await run(4096, ['dag', '--project', TOY]);
  t.is(ok.exitCode, 0, ok.stderr);
});
