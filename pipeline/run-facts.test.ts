import test from 'ava';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheStore } from '../cache/store.ts';
import type { RunEvent } from './events.ts';
import { buildPlan } from './plan.ts';
import { runToCompletion } from './runner.ts';
import { defineStage, type LineageEntry, type RunFacts } from './stage.ts';

/** A three-stage chain whose last stage records what the engine tells it and publishes a folder of outputs. */
function chain(outputs: Record<string, string>) {
  const seen: { lineage?: LineageEntry[]; run?: RunFacts } = {};
  const stages = [
    defineStage({ id: 'a', version: 1, description: 'a', reads: ['n'], run: async (ctx) => ({ v: ctx.config<number>('n') }) }),
    defineStage({
      id: 'b',
      version: 2,
      description: 'b',
      reads: [],
      deps: () => ({ a: { stage: 'a' } }),
      run: async (_c, i) => ({ v: (i.a!.v as number) + 1 }),
    }),
    defineStage({
      id: 'c',
      version: 1,
      description: 'c',
      reads: [],
      deps: () => ({ b: { stage: 'b' } }),
      publish: () => ({ 'files/*': 'out/report', single: 'out/single.txt' }),
      async run(ctx) {
        seen.lineage = ctx.lineage();
        seen.run = ctx.run;
        return { single: 'one', ...outputs };
      },
    }),
  ];
  return { stages, seen };
}

async function runChain(outputs: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-facts-'));
  const { stages, seen } = chain(outputs);
  const config = { n: 4 };
  const plan = buildPlan(stages, config);
  const events: RunEvent[] = [];
  const summary = await runToCompletion(
    { plan, cache: CacheStore.open(path.join(dir, 'cache')), scope: 'quick', config, jobs: 1, publishRoot: dir, overrides: ['n=4'] },
    (e) => events.push(e),
  );
  return { dir, plan, seen, summary, events };
}

test('a stage sees its transitive lineage in dependency order and the run facts', async (t) => {
  const { plan, seen, summary } = await runChain({ 'files/index.html': '<p>x</p>' });
  t.true(summary.ok);
  t.deepEqual(
    seen.lineage!.map((e) => [e.instance, e.key, e.version]),
    [
      ['a', plan.nodes.get('a')!.key, 1],
      ['b', plan.nodes.get('b')!.key, 2],
    ],
  );
  for (const e of seen.lineage!) t.true(e.durationMs >= 0 && typeof e.createdAt === 'string');
  t.deepEqual(seen.run, { profile: 'quick', overrides: ['n=4'] });
});

test("a 'prefix/*' publish writes every output under the prefix into the folder, one event for the folder", async (t) => {
  const { dir, summary, events } = await runChain({ 'files/index.html': '<p>x</p>', 'files/figures/a.csv': 'x\n1\n', other: 'not published' });
  t.true(summary.ok);
  t.is(readFileSync(path.join(dir, 'out/report/index.html'), 'utf8'), '<p>x</p>');
  t.is(readFileSync(path.join(dir, 'out/report/figures/a.csv'), 'utf8'), 'x\n1\n');
  t.is(readFileSync(path.join(dir, 'out/single.txt'), 'utf8'), 'one');
  t.false(existsSync(path.join(dir, 'out/report/other')));
  const published = events.filter((e) => e.type === 'published').map((e) => (e as { file: string }).file);
  t.deepEqual(published.sort(), [path.join(dir, 'out/report') + path.sep, path.join(dir, 'out/single.txt')].sort());
});

test('an output that would be published outside its folder fails the stage', async (t) => {
  const { dir, summary } = await runChain({ 'files/../../escape.txt': 'no' });
  t.false(summary.ok);
  t.regex(summary.failed.map((f) => f.error).join('\n'), /outside/);
  t.false(existsSync(path.join(dir, 'escape.txt')));
});
