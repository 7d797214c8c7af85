/** `--sweep` through the command line on the toy project: counted runs, status/ls/show/dag naming points, the summary export. */
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaNode } from 'execa';
import { BIN, TOY, workspace } from './fixtures/cli-workspace.ts';

const SCALES = [1, 2, 3, 4, 5];
const SWEEP = ['--sweep', 'left.scale=1,2,3,4,5'];
const BELOW_LEFT = ['left', 'join', 'fan[kind=a]', 'fan[kind=b]', 'fan[kind=c]', 'summary'];
const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

test('run --sweep: one shared upstream run, five of each stage below the key; status, ls, show and export name the points', async (t) => {
  const w = workspace();
  const first = await w.cli(['run', ...SWEEP]);
  t.is(first.exitCode, 0, first.stderr);
  const runs = count(w.executed());
  for (const id of ['source', 'right', 'slow']) t.is(runs.get(id), 1, id);
  for (const id of BELOW_LEFT) for (const s of SCALES) t.is(runs.get(`${id}@left.scale=${s}`), 1, `${id}@left.scale=${s}`);
  t.is(w.executed().length, 3 + BELOW_LEFT.length * 5);
  // Each point's summary publishes beside the others, not over them.
  for (const s of SCALES) t.true(existsSync(path.join(w.dir, `out/summary@left.scale=${s}.json`)), `summary of point ${s}`);
  t.false(existsSync(path.join(w.dir, 'out/summary.json')));

  const again = await w.cli(['run', ...SWEEP]);
  t.is(again.exitCode, 0, again.stderr);
  t.is(w.executed().length, 3 + BELOW_LEFT.length * 5, 'a rerun executes nothing');

  const status = await w.cli(['status', ...SWEEP, '--json']);
  t.is(status.exitCode, 0, status.stderr);
  const instances = JSON.parse(status.stdout).instances as { instance: string; state: string; point?: Record<string, number> }[];
  t.is(instances.length, 3 + BELOW_LEFT.length * 5 + 1);
  t.true(instances.every((i) => i.state === 'fresh'));
  t.deepEqual(instances.find((i) => i.instance === 'join@left.scale=4')!.point, { 'left.scale': 4 });
  t.false('point' in instances.find((i) => i.instance === 'source')!);
  const text = await w.cli(['status', ...SWEEP]);
  t.regex(text.stdout, /^fresh {2}fan\[kind=b\]@left\.scale=3$/m);
  t.regex(text.stdout, /^fresh {2}sweep\.summary$/m);
  // Without the sweep, the plain plan's left (scale 2) is the point left.scale=2's entry: fresh.
  const plain = JSON.parse((await w.cli(['status', '--json'])).stdout).instances as { instance: string; state: string }[];
  t.is(plain.find((i) => i.instance === 'left')!.state, 'fresh');

  const ls = JSON.parse((await w.cli(['ls', ...SWEEP, '--json'])).stdout) as { instance: string; point?: Record<string, number>; current: boolean }[];
  t.is(ls.length, 3 + BELOW_LEFT.length * 5 + 1);
  t.deepEqual(ls.find((r) => r.instance === 'left@left.scale=5')?.point, { 'left.scale': 5 });
  t.true(ls.every((r) => r.current));

  const show = await w.cli(['show', 'join@left.scale=3', ...SWEEP]);
  t.is(show.exitCode, 0, show.stderr);
  t.regex(show.stdout, /^join@left\.scale=3 {2}key [0-9a-f]{64}\n {2}point: left\.scale=3\n/);
  const shown = JSON.parse((await w.cli(['show', 'left', ...SWEEP, '--json'])).stdout) as { instance: string; point: Record<string, number> }[];
  t.deepEqual(
    shown.map((d) => [d.instance, d.point]),
    SCALES.map((s) => [`left@left.scale=${s}`, { 'left.scale': s }]),
  );

  const csv = await w.cli(['export', 'sweep.summary', '--output', 'rows', '--format', 'csv', ...SWEEP]);
  t.is(csv.exitCode, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  t.is(lines[0], 'left.scale,first,sum');
  t.is(lines.length, 1 + SCALES.length);
  for (const [i, s] of SCALES.entries()) {
    const z = JSON.parse((await w.cli(['export', `join@left.scale=${s}`, '--output', 'z', ...SWEEP])).stdout).outputs.z.data as number[];
    t.is(lines[i + 1], `${s},${z[0]},${z.reduce((a, b) => a + b, 0)}`, `row of point ${s}`);
  }
});

test('two --sweep flags give their product; a per-point child-process stage runs once per point', async (t) => {
  const w = workspace();
  const r = await w.cli(['run', '--sweep', 'slow.steps=2,3', '--sweep', 'fan.factor=1,2,4', '--json']);
  t.is(r.exitCode, 0, r.stderr);
  const runs = count(w.executed());
  t.deepEqual([...runs.keys()].filter((k) => k.startsWith('slow')).sort(), ['slow@slow.steps=2', 'slow@slow.steps=3']);
  t.deepEqual([...runs.keys()].filter((k) => k.startsWith('summary')).sort(), [
    'summary@slow.steps=2,fan.factor=1',
    'summary@slow.steps=2,fan.factor=2',
    'summary@slow.steps=2,fan.factor=4',
    'summary@slow.steps=3,fan.factor=1',
    'summary@slow.steps=3,fan.factor=2',
    'summary@slow.steps=3,fan.factor=4',
  ]);
  t.deepEqual([...runs.keys()].filter((k) => k.startsWith('fan[kind=a]')).sort(), [
    'fan[kind=a]@fan.factor=1',
    'fan[kind=a]@fan.factor=2',
    'fan[kind=a]@fan.factor=4',
  ]);
  for (const id of ['source', 'left', 'right', 'join']) t.is(runs.get(id), 1, id);
  t.true([...runs.values()].every((n) => n === 1));
  // --only takes a point's id, commas of its label included, in a comma-separated list.
  const only = await w.cli([
    'run',
    '--dry-run',
    '--no-estimate',
    '--only',
    'summary@slow.steps=2,fan.factor=4,left',
    '--sweep',
    'slow.steps=2,3',
    '--sweep',
    'fan.factor=1,2,4',
  ]);
  t.is(only.exitCode, 0, only.stderr);
  t.deepEqual(
    only.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[1]),
    [
      'source',
      'left',
      'right',
      'join',
      'slow@slow.steps=2',
      'fan[kind=a]@fan.factor=4',
      'fan[kind=b]@fan.factor=4',
      'fan[kind=c]@fan.factor=4',
      'summary@slow.steps=2,fan.factor=4',
    ],
  );
  const dag = JSON.parse((await w.cli(['dag', '--sweep', 'slow.steps=2,3', '--sweep', 'fan.factor=1,2,4', '--json'])).stdout) as {
    nodes: { instance: string; point?: object }[];
  };
  t.deepEqual(dag.nodes.find((n) => n.instance === 'slow@slow.steps=3')!.point, { 'slow.steps': 3 });
  const rows = JSON.parse((await w.cli(['export', 'sweep.summary', '--sweep', 'slow.steps=2,3', '--sweep', 'fan.factor=1,2,4'])).stdout).outputs.rows as Record<
    string,
    unknown
  >[];
  t.deepEqual(
    rows.map((row) => [row['slow.steps'], row['fan.factor']]),
    [
      [2, 1],
      [2, 2],
      [2, 4],
      [3, 1],
      [3, 2],
      [3, 4],
    ],
  );
  t.is(new Set(rows.map((row) => row.sum)).size, 1, 'join is shared: every point has its metrics');
});

test("bad sweeps exit 2 naming the config path; a profile's declared sweep runs when selected", async (t) => {
  const w = workspace();
  const bad = await w.cli(['run', '--sweep', 'left.scael=1,2']);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /left\.scael: unknown key \(known here: scale\) \(sweep point left\.scael=1\)/);
  const typed = await w.cli(['dag', '--sweep', 'left.scale=1,x']);
  t.is(typed.exitCode, 2);
  t.regex(typed.stderr, /left\.scale: expected number, received string \(sweep point left\.scale=x\)/);
  const both = await w.cli(['dag', 'left.scale=3', '--sweep', 'left.scale=1,2']);
  t.is(both.exitCode, 2);
  t.regex(both.stderr, /left\.scale: both set by an override and swept/);

  const env = { ...w.env, TOY_SWEEPS: JSON.stringify({ 'right.offset': [0, 2] }) };
  const dag = await execaNode(BIN, ['dag', '--profile', 'other', '--json', '--project', TOY, '--cache', w.cache], { env, reject: false });
  t.is(dag.exitCode, 0, dag.stderr);
  const ids = (JSON.parse(dag.stdout) as { nodes: { instance: string }[] }).nodes.map((n) => n.instance);
  t.true(ids.includes('right@right.offset=0') && ids.includes('right@right.offset=2') && ids.includes('sweep.summary'));
  t.false(ids.includes('right'));
});

test('exec (a cluster job) resolves the same sweep plan from the same --sweep flags and runs one point', async (t) => {
  const w = workspace();
  const sweep = ['--sweep', 'slow.steps=2,3'];
  const nodes = (JSON.parse((await w.cli(['dag', ...sweep, '--json'])).stdout) as { nodes: { instance: string; key: string }[] }).nodes;
  const key = nodes.find((n) => n.instance === 'slow@slow.steps=3')!.key;
  const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-sweep-remote-'));
  t.is((await w.cli(['run', 'source', '--remote', remote])).exitCode, 0);
  const exec = await execaNode(BIN, ['exec', 'slow@slow.steps=3', '--key', key, '--remote', remote, ...sweep, '--project', TOY], { env: w.env, reject: false });
  t.is(exec.exitCode, 0, exec.stdout + exec.stderr);
  t.regex(exec.stdout, /"type":"done","key":"[0-9a-f]{64}","pushed":true/);
  t.deepEqual(w.executed(), ['source', 'slow@slow.steps=3']);
  // Without the sweep the node's plan has no such instance: refused as bad usage.
  const plain = await execaNode(BIN, ['exec', 'slow@slow.steps=3', '--key', key, '--remote', remote, '--project', TOY], { env: w.env, reject: false });
  t.is(plain.exitCode, 2);
});
