/**
 * Class 6 of issue 23 through the command line: input size and shape. A sweep or plan over --max-instances is refused
 * at once with its count; reserved keys, too-deep values, inexact integers and non-finite sweep values are exit 2 with
 * one line naming the config path; `--profile` names only the project's own profiles.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaNode } from 'execa';
import { BIN, workspace } from './fixtures/cli-workspace.ts';

type Result = { exitCode?: number; stderr: string; stdout: string };

/** `sgd-noise` on the real project with a fresh cache directory, removed after the test. */
function realCli(t: import('ava').ExecutionContext) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-limits-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return (args: string[]) => execaNode(BIN, [...args, '--cache', path.join(dir, 'cache')], { reject: false }) as Promise<Result>;
}

/** The toy project's workspace, removed after the test. */
function toyCli(t: import('ava').ExecutionContext) {
  const w = workspace();
  t.teardown(() => rmSync(w.dir, { recursive: true, force: true }));
  return (args: string[]) => w.cli(args) as Promise<Result>;
}

/** Exit code 2 and one line on stderr, `sgd-noise: …` matching `line`, and no stack trace. */
function refused(t: import('ava').ExecutionContext, r: Result, line: RegExp, what: string): void {
  t.is(r.exitCode, 2, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  t.is(lines.length, 1, `${what}: one line, got ${r.stderr}`);
  t.regex(lines[0]!, line, what);
}

const values = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');

test.serial('a sweep of 100,000 points is refused at once with its count (exit 2), not planned into an out-of-memory abort', async (t) => {
  const cli = realCli(t);
  const r = await cli(['dag', '--sweep', `seed=${values(100)}`, '--sweep', `report.title=${values(1000, 't')}`]);
  refused(
    t,
    r,
    /^sgd-noise: the sweep's 100000 points \(100 values of seed × 1000 values of report\.title\) × \d+ stage instances per point make \d+, over the limit of 50000 \(planning them would take about \d+ min and \d+ GiB\); sweep fewer values, or raise the limit with --max-instances N$/,
    '10^5 points',
  );
});

test.serial('--max-instances N raises the limit (a modest sweep and a plan without one); a bad N is a usage error', async (t) => {
  const cli = toyCli(t);
  const sweep = ['--sweep', `left.scale=${values(30)}`];
  const [over, within, plain, zero, word] = await Promise.all([
    cli(['dag', ...sweep, '--max-instances', '200']),
    cli(['dag', '--json', ...sweep, '--max-instances', '300']),
    cli(['run', '--dry-run', '--no-estimate', `fan.kinds=${JSON.stringify(values(60, 'k').split(','))}`, '--max-instances', '50']),
    cli(['dag', '--max-instances', '0']),
    cli(['dag', '--max-instances', 'many']),
  ]);
  refused(
    t,
    over,
    /^sgd-noise: the sweep's 30 points \(30 values of left\.scale\) × 9 stage instances per point make 270, over the limit of 200 \(.*\); sweep fewer values, or raise the limit with --max-instances N$/,
    'over',
  );
  t.is(within.exitCode, 0, within.stderr);
  t.is((JSON.parse(within.stdout) as { nodes: unknown[] }).nodes.length, 3 + 6 * 30 + 1);
  refused(t, plain, /^sgd-noise: stage 'fan' declares 60 instances, which makes the plan at least 64, over the limit of 50 /, 'a plan without a sweep');
  refused(t, zero, /^sgd-noise: --max-instances: expected a positive integer \(the most stage instances to plan, default 50000\), received '0'$/, '0');
  refused(t, word, /--max-instances: expected a positive integer .* received 'many'$/, 'many');
});

test.serial('reserved keys in override paths, JSON values and sweep keys, and --profile constructor/toString/__proto__, are exit 2 naming them', async (t) => {
  const real = realCli(t);
  const toy = toyCli(t);
  const reserved = (at: string, key: string) =>
    new RegExp(
      `^sgd-noise: invalid configuration: ${at.replace(/\./g, '\\.')}: '${key}' is a reserved key name \\(__proto__, constructor, prototype name built-in object properties, never settings\\)$`,
    );
  const [dataProto, valueProto, ctor, sweepKey, ...profiles] = await Promise.all([
    real(['run', '--dry-run', '--no-estimate', 'fashion.data.__proto__={"x":1}']),
    toy(['dag', 'left={"__proto__":{"scale":5},"scale":1}']),
    toy(['dag', 'fan.per.constructor=1']),
    toy(['dag', '--sweep', 'left.prototype=1,2']),
    real(['dag', '--profile', 'constructor']),
    toy(['dag', '--profile', 'toString']),
    toy(['dag', '--profile', '__proto__']),
  ]);
  refused(t, dataProto, reserved('fashion.data.__proto__', '__proto__'), 'fashion.data.__proto__');
  refused(t, valueProto, reserved('left.__proto__', '__proto__'), 'a __proto__ key in a JSON value');
  refused(t, ctor, reserved('fan.per.constructor', 'constructor'), 'fan.per.constructor');
  refused(t, sweepKey, reserved('left.prototype', 'prototype'), 'a sweep key');
  const [constructorProfile, ...toyProfiles] = profiles;
  refused(
    t,
    constructorProfile!,
    /^sgd-noise: invalid configuration: profile 'constructor' does not exist \(profiles: quick, paper, paper-code, batch-size, batch-size-paper\)$/,
    '--profile constructor',
  );
  for (const [r, name] of [
    [toyProfiles[0]!, 'toString'],
    [toyProfiles[1]!, '__proto__'],
  ] as const) {
    refused(t, r, new RegExp(`^sgd-noise: invalid configuration: profile '${name}' does not exist \\(profiles: quick, other\\)$`), `--profile ${name}`);
  }
});

test.serial('an override nested 2000 levels deep (value or path) is exit 2 naming the path, not a stack overflow', async (t) => {
  const cli = toyCli(t);
  const [value, dotted] = await Promise.all([
    cli(['dag', `left.scale=${'['.repeat(2000)}${']'.repeat(2000)}`]),
    cli(['dag', `${Array.from({ length: 2000 }, () => 'a').join('.')}=1`]),
  ]);
  refused(t, value, /^sgd-noise: invalid configuration: left\.scale(\.0){30}: nested deeper than 32 levels/, 'a deep value');
  refused(t, dotted, /^sgd-noise: invalid configuration: a(\.a){32}…: nested deeper than 32 levels/, 'a deep path');
});

test.serial('an integer beyond 2^53 is exit 2 naming the path and the number as written, as an override and as a sweep value', async (t) => {
  const real = realCli(t);
  const toy = toyCli(t);
  const [seed, swept] = await Promise.all([real(['dag', 'seed=9007199254740993']), toy(['dag', '--sweep', 'seed=1,9007199254740993'])]);
  const line =
    /^sgd-noise: invalid configuration: seed: 9007199254740993 \(read as 9007199254740992\) lies beyond ±9007199254740991 \(2\^53 − 1\), where numbers lose digits and distinct values become equal; give a smaller number$/;
  refused(t, seed, line, 'seed=9007199254740993');
  refused(t, swept, line, '--sweep seed=1,9007199254740993');
});

test.serial('a non-finite sweep value (1e999, -1e999, NaN, Infinity) is exit 2 naming the path', async (t) => {
  const real = realCli(t);
  const toy = toyCli(t);
  const dry = ['run', '--dry-run', '--no-estimate'];
  const [lr, minus, nan, inf] = await Promise.all([
    real([...dry, '--sweep', 'fashion.dynamics.lr=0.1,1e999']),
    toy([...dry, '--sweep', 'left.scale=-1e999,1']),
    toy([...dry, '--sweep', 'left.scale=1,NaN']),
    toy([...dry, '--sweep', 'left.scale=Infinity,2']),
  ]);
  refused(t, lr, /^sgd-noise: invalid configuration: fashion\.dynamics\.lr: expected a finite number, received Infinity$/, '1e999');
  refused(t, minus, /^sgd-noise: invalid configuration: left\.scale: expected a finite number, received -Infinity$/, '-1e999');
  refused(t, nan, /^sgd-noise: invalid configuration: left\.scale: expected number, received string \(sweep point left\.scale=NaN\)$/, 'NaN');
  refused(t, inf, /^sgd-noise: invalid configuration: left\.scale: expected number, received string \(sweep point left\.scale=Infinity\)$/, 'Infinity');
});
