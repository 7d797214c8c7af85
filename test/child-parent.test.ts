/**
 * Issue 23: every child process exits when its parent dies. The cost-measuring child (pipeline/measure-child.ts),
 * busy in a synchronous loop, is gone within seconds of a kill -9 of its runner; so are external programs (apt-get,
 * dpkg-deb, the Slurm commands) started through the project's runners.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa, execaNode } from 'execa';
import { EXIT_WITH_PARENT } from '../cache/orphan-guard.ts';
import { alive, BIN, TOY, waitFor, workspace } from './fixtures/cli-workspace.ts';

test('kill -9 of the runner while its cost-measuring child measures: the child is gone within a few seconds', async (t) => {
  const w = workspace();
  const gate = path.join(w.dir, 'gate');
  const env = { ...w.env, TOY_MEASURE_MS: '60000' };
  writeFileSync(gate, 'held'); // keeps the slow stage, and so the run, going while the cost is measured
  const run = execaNode(BIN, ['run', 'slow.ms=1', '--project', TOY, '--cache', w.cache], { env: { ...env, TOY_GATE: gate }, reject: false });
  // Found as soon as it is spawned (it runs at nice 19, so on a busy machine it may take long to load anything), and
  // the runner is killed at once: the child must die even when its parent was gone before its preload ran.
  let child = 0;
  await waitFor(() => (child = childrenWith(run.pid!, 'measure-child')[0] ?? 0) > 0, 'the measuring child to be spawned');
  t.teardown(() => {
    if (alive(child)) process.kill(child, 'SIGKILL');
  });
  t.true(alive(child), 'the measuring child runs');
  run.kill('SIGKILL');
  await run;
  const t0 = Date.now();
  while (alive(child) && Date.now() - t0 < 30_000) await sleep(50); // nice 19: on a busy machine it starts slowly
  t.false(alive(child), `measuring child ${child} is still alive 30 s after its runner was killed`);
});

/** Shell scripts starting a grandchild busy in a synchronous loop: CommonJS, and ESM (as the cost measurement's child runs). */
const BUSY_GRANDCHILDREN = {
  commonjs: `"$0" --import "$1" -e 'require("fs").writeFileSync(process.argv[1], String(process.pid)); const u = Date.now() + 60000; while (Date.now() < u);' "$2" & wait`,
  module: `"$0" --import "$1" --input-type=module -e 'import { writeFileSync } from "node:fs"; writeFileSync(process.argv[1], String(process.pid)); const u = Date.now() + 60000; while (Date.now() < u);' "$2" & wait`,
};

for (const [inputType, script] of Object.entries(BUSY_GRANDCHILDREN)) {
  test(`the exit-with-parent preload (every Node child gets it): a process (${inputType}) busy in a synchronous loop dies with its parent, a shell killed with -9`, async (t) => {
    const w = workspace();
    const pidFile = path.join(w.dir, 'grandchild.pid');
    // stdio ignored: the grandchild must not hold a pipe of the shell's open, or awaiting the shell waits for it
    const sh = execa('sh', ['-c', script, process.execPath, EXIT_WITH_PARENT, pidFile], { reject: false, stdio: 'ignore' });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 'the grandchild to start');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    t.teardown(() => {
      if (alive(grandchild)) process.kill(grandchild, 'SIGKILL');
    });
    sh.kill('SIGKILL');
    await sh;
    const t0 = Date.now();
    while (alive(grandchild) && Date.now() - t0 < 10_000) await sleep(50);
    t.false(alive(grandchild), `process ${grandchild} outlived its parent by 10 s`);
  });
}

/** Pids of the live children of `parent` whose command line contains `text` (from /proc). */
function childrenWith(parent: number, text: string): number[] {
  return childrenNamed(parent, undefined).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** Pids of the live children of `parent` whose command name is `comm` (any name when undefined; from /proc). */
function childrenNamed(parent: number, comm: string | undefined): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === parent && (comm === undefined || name === comm)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Scripts that start `sleep 60` through each runner of external programs and then wait. */
const EXTERNAL_RUNNERS = {
  'apt-get/dpkg-deb runner (stages/data/command.ts)': `import { runCommand } from '../stages/data/command.ts'; await runCommand('sleep', ['60'], { cwd: '/' });`,
  'Slurm command runner (pipeline/executors/slurm/command.ts)': `import { execaRunner } from '../pipeline/executors/slurm/command.ts'; await execaRunner('sleep', ['60'], { timeoutMs: 120000 });`,
};

for (const [runner, script] of Object.entries(EXTERNAL_RUNNERS)) {
  test(`an external program started by the ${runner} dies with its parent (kill -9)`, async (t) => {
    if (process.platform !== 'linux' || !existsSync('/usr/bin/setpriv')) {
      if (process.env.CI) t.fail('CI must run this test: util-linux setpriv is missing (Debian: apt-get install util-linux)');
      else t.log('skipped: needs Linux and util-linux setpriv');
      t.pass();
      return;
    }
    const w = workspace();
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), `.child-parent-${process.pid}-${runner.length}.mts`);
    writeFileSync(file, script);
    t.teardown(() => rmSync(file, { force: true }));
    const parent = execaNode(file, [], { nodeOptions: ['--import', import.meta.resolve('tsx')], reject: false, stdio: 'ignore', cwd: w.dir });
    let sleeper: number | undefined;
    await waitFor(() => (sleeper = childrenNamed(parent.pid!, 'sleep')[0]) !== undefined, 'sleep to start');
    t.teardown(() => {
      if (sleeper !== undefined && alive(sleeper)) process.kill(sleeper, 'SIGKILL');
    });
    parent.kill('SIGKILL');
    await parent;
    const t0 = Date.now();
    while (alive(sleeper!) && Date.now() - t0 < 10_000) await sleep(50);
    t.false(alive(sleeper!), `sleep ${sleeper} outlived its parent by 10 s`);
  });
}
