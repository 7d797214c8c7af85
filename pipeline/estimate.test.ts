/** The dry-run estimate on the toy project: known counts × known costs, cached instances 0, missing costs counted. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import toy, { measureToyCosts } from '../test/fixtures/toy-project.ts';
import { execaNode } from 'execa';
import { BIN, TOY, workspace } from '../test/fixtures/cli-workspace.ts';
import { estimatePlan, estimateSummary, formatEstimate, neededOperations, operationCounts, type DryRunAction } from './estimate.ts';
import { buildPlan } from './plan.ts';
import { resolveConfig } from './project.ts';

const config = resolveConfig(toy, 'quick', []).config;
const plan = buildPlan(toy.stages, config);
const allRun = plan.order.map((instance) => ({ instance, action: 'run' as DryRunAction }));

// The toy's counts: source, left and every fan count source.n = 16 items (fan × its per-kind factor 1, 2, 3),
// slow counts slow.steps = 5 steps and, being isolated, one child start; right counts an unmeasured operation;
// join and summary declare no cost.
const ITEM = 0.5;
const STEP = 2;
const CHILD = 3;

test('counts × costs per instance, and the total is their sum', async (t) => {
  const counts = operationCounts(plan, allRun, config);
  t.deepEqual(counts.get('fan[kind=c]'), { 'toy.item': 48 });
  t.is(counts.get('join'), null);
  t.deepEqual(counts.get('slow'), { 'toy.step': 5, 'engine.child': 1 });
  t.deepEqual([...neededOperations(counts)], ['engine.child', 'toy.item', 'toy.step', 'toy.unmeasured']);
  const measured = (await measureToyCosts(config, neededOperations(counts), () => {})).costs;
  t.deepEqual(measured, { 'toy.item': ITEM, 'toy.step': STEP });
  const costs = { ...measured, 'engine.child': CHILD };
  const e = estimatePlan(plan, allRun, counts, costs, 2);
  const ms = Object.fromEntries(e.rows.map((r) => [r.instance, r.estimatedMs]));
  t.deepEqual(ms, {
    source: 16 * ITEM,
    left: 16 * ITEM,
    right: null,
    join: null,
    'fan[kind=a]': 16 * ITEM,
    'fan[kind=b]': 32 * ITEM,
    'fan[kind=c]': 48 * ITEM,
    slow: 5 * STEP + CHILD,
    summary: null,
  });
  t.is(e.totalMs, (16 + 16 + 16 + 32 + 48) * ITEM + 5 * STEP + CHILD);
  t.deepEqual(e.withoutEstimate, ['right', 'join', 'summary']);
  t.is(e.rows.find((r) => r.instance === 'right')!.missing, 'not measured: toy.unmeasured');
  t.is(e.rows.find((r) => r.instance === 'join')!.missing, 'its stage declares no cost');
  t.deepEqual(e.byGroup, { source: 8, left: 8, right: 0, join: 0, fan: 48, slow: 13, summary: 0 });
  // Critical path source → left → join → fan[kind=c] → summary: 8 + 8 + 0 + 24 + 0.
  t.is(e.criticalPathMs, 40);
  t.deepEqual(e.wallMs, { lower: Math.max(40, 77 / 2), upper: 77 / 2 + 40 });
});

test('cached instances cost 0 and are not counted; without measured costs nothing to run has an estimate', (t) => {
  const rows = allRun.map((r) => ({ ...r, action: (['source', 'left', 'slow'].includes(r.instance) ? 'cached' : 'run') as DryRunAction }));
  const counts = operationCounts(plan, rows, config);
  t.false(counts.has('source'));
  const e = estimatePlan(plan, rows, counts, { 'toy.item': ITEM, 'toy.step': STEP }, 1);
  t.is(e.totalMs, (16 + 32 + 48) * ITEM);
  t.is(e.cached, 3);
  t.is(e.toRun, 6);
  t.deepEqual(
    e.rows.filter((r) => r.action === 'cached').map((r) => r.estimatedMs),
    [0, 0, 0],
  );
  t.deepEqual(e.wallMs, { lower: 48, upper: 48 + 24 });
  const none = estimatePlan(plan, rows, counts, null, 1);
  t.is(none.totalMs, 0);
  t.is(none.withoutEstimate.length, 6);
  t.is(none.rows.find((r) => r.instance === 'fan[kind=a]')!.missing, 'costs were not measured');
});

test('the summary names the total, what lacks an estimate and the wall-time bounds', (t) => {
  const counts = operationCounts(plan, allRun, config);
  // 128 items of 1 min and 5 steps of 1 h.
  const lines = estimateSummary(estimatePlan(plan, allRun, counts, { 'toy.item': 60_000, 'toy.step': 3_600_000, 'engine.child': 0 }, 2));
  t.is(lines[0], 'estimated CPU time: 7h08m for 9 instance(s) to run (0 cached, counted 0)');
  t.regex(lines.join('\n'), /3 instance\(s\) without an estimate \(not in the total\): right, join, summary/);
  t.regex(lines.join('\n'), /wall time with --jobs 2: between/);
  t.true(lines.includes('  slow: sleeps, so its CPU time is far less than this'), "the stage's cost note");
  t.is(formatEstimate(3 * 86_400_000 + 5 * 3_600_000), '3d05h');
  t.is(formatEstimate(61_000), '1m01s');
  t.is(formatEstimate(3_119_900), '52m00s');
  t.is(formatEstimate(400 * 86_400_000), '400d00h');
  t.is(formatEstimate(3 * 365.25 * 86_400_000), '3 years');
});

test('a bad count is an error naming the instance and the operation', (t) => {
  const bad = { ...plan.nodes.get('slow')!.stage, cost: () => ({ 'toy.step': Number.NaN }) };
  const p = buildPlan(
    toy.stages.map((s) => (s.id === 'slow' ? bad : s)),
    config,
  );
  t.throws(() => operationCounts(p, [{ instance: 'slow', action: 'run' }], config), { message: /slow: cost\(\) counts NaN of 'toy\.step'/ });
});

test('run --dry-run prints the estimates; --json has estimatedMs per row and the total; a failed measurement leaves none', async (t) => {
  const w = workspace();
  t.is((await w.cli(['run', '--only', 'left', 'slow.ms=1'])).exitCode, 0);
  const measured = path.join(w.dir, 'measured.txt');
  const r = await w.cli(['run', '--dry-run', '--json', '--jobs', '1', 'slow.ms=1']);
  t.is(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.is(out.instances.find((i: { instance: string }) => i.instance === 'left').estimatedMs, 0);
  const child = out.estimate.costs['engine.child'];
  t.true(child > 0, 'the child start is measured');
  t.is(out.instances.find((i: { instance: string }) => i.instance === 'slow').estimatedMs, 5 * STEP + child);
  t.is(out.estimate.totalMs, (16 + 32 + 48) * ITEM + 5 * STEP + child);
  t.regex(r.stderr, /measuring the cost of 4 operation\(s\) on this machine/);
  t.regex(r.stderr, /engine\.child: a child process started, the project loaded: \d+ ms CPU/);
  const human = await w.cli(['run', '--dry-run', 'slow.ms=1']);
  t.regex(human.stdout, /^cached +left +est +0$/m);
  t.regex(human.stdout, /^run +slow +est +\S+ {2}\(never run/m);
  t.regex(human.stdout, /^run +join +est +– /m);
  t.regex(human.stdout, /estimated CPU time: \S+ for 7 instance\(s\) to run \(2 cached, counted 0\)/);
  t.notRegex(human.stdout, /measured on/);
  // A project that measured on a GPU names it, and its times are wall-clock ones.
  const gpu = await execaNode(BIN, ['run', '--dry-run', 'slow.ms=1', '--project', TOY, '--cache', w.cache], {
    env: { ...w.env, TOY_MEASURED_ON: 'backend webgpu on NVIDIA H100 (nvidia, hopper)' },
    reject: false,
  });
  t.is(gpu.exitCode, 0, gpu.stderr);
  t.regex(gpu.stdout, /^estimated time \(wall clock\): \S+ for 7 instance\(s\) to run/m);
  t.regex(gpu.stdout, /^ {2}measured on: backend webgpu on NVIDIA H100 \(nvidia, hopper\)$/m);
  t.regex(gpu.stderr, /measured in \S+ on backend webgpu on NVIDIA H100/);
  const env = { ...w.env, TOY_MEASURE_FAIL: '1' };
  const f = await execaNode(BIN, ['run', '--dry-run', '--json', 'slow.ms=1', '--project', TOY, '--cache', w.cache], { env, reject: false });
  t.is(f.exitCode, 0, f.stderr);
  t.regex(f.stderr, /measuring the costs failed: toy: cannot measure \(TOY_MEASURE_FAIL is set\); the dry-run below has no estimates/);
  t.is(JSON.parse(f.stdout).estimate.totalMs, 0);
  const skip = await execaNode(BIN, ['run', '--dry-run', '--no-estimate', 'slow.ms=1', '--project', TOY, '--cache', w.cache], {
    env: { ...w.env, TOY_MEASURED: measured },
    reject: false,
  });
  t.notRegex(skip.stdout, /est/);
  t.throws(() => readFileSync(measured), undefined, '--no-estimate measures nothing');
});
