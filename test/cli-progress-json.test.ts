/**
 * Issue 25, point 6: `run --progress json` writes every run event as one JSON line on stderr, with the metrics a stage
 * reports (here the toy's child-process stage `slow`), while `--json` keeps the summary alone on stdout.
 */
import test from 'ava';
import type { RunEvent } from '../pipeline/events.ts';
import { workspace } from './fixtures/cli-workspace.ts';

test('run --progress json: one JSON event per line on stderr, the child stage’s metrics included; --json summary on stdout', async (t) => {
  const w = workspace();
  const r = await w.cli(['run', '--progress', 'json', '--json', 'slow.steps=4', 'slow.ms=30']);
  t.is(r.exitCode, 0, r.stderr);
  const events = String(r.stderr)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RunEvent);
  t.is(events[0]?.type, 'plan');
  t.is(events.at(-1)?.type, 'finished');
  const slow = events.filter((e) => e.type === 'progress' && e.instance === 'slow');
  const last = slow.at(-1);
  t.like(last, { type: 'progress', instance: 'slow', done: 4, total: 4, note: 'steps' });
  t.deepEqual(last?.type === 'progress' ? last.metrics : undefined, [
    { name: 'step', label: 'step', value: 4 },
    { name: 'fraction', label: 'done', value: 1, format: 'percent' },
  ]);
  const summary = JSON.parse(String(r.stdout)) as { ok: boolean; ran: string[] };
  t.true(summary.ok);
  t.true(summary.ran.includes('slow'));
});

test('run --progress with an unknown mode is a usage error naming the option (exit 2), before anything runs', async (t) => {
  const w = workspace();
  const r = await w.cli(['run', '--progress', 'bars']);
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /--progress: expected one of auto, plain, json, received 'bars'/);
  t.deepEqual(w.executed(), []);
});
