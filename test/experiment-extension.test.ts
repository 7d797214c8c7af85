/**
 * Adding an experiment is one folder and one line: a test-only experiment (its schema and defaults, one stage, a cost
 * operation, a report section), added to sgd-noise's experiments list, appears in the config schema, the plan, the
 * cost measurement and the report, with no other file edited; every instance of sgd-noise keeps its key.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { optionalDep } from '../pipeline/deps.ts';
import { json } from '../pipeline/outputs.ts';
import { CacheStore } from '../cache/store.ts';
import { sgdNoiseProject } from '../pipeline.config.ts';
import { ConfigError } from '../pipeline/config.ts';
import { sectionReader } from '../pipeline/config-paths.ts';
import { configReader } from '../pipeline/estimate.ts';
import { buildPlan, withoutInputs, type Plan } from '../pipeline/plan.ts';
import { resolveConfig } from '../pipeline/project.ts';
import { runToCompletion } from '../pipeline/runner.ts';
import { defineStage, type ConfigReader } from '../pipeline/stage.ts';
import { posInt } from '../stages/config-schema.ts';
import { defineExperiment } from '../stages/experiment.ts';
import { EXPERIMENTS } from '../stages/experiments.ts';
import { single } from '../stages/report/inputs.ts';
import { reportInputs } from '../stages/report/stage.ts';

// ---- the experiment, as its folder would hold it (config.ts, stages.ts, cost.ts, report.ts, index.ts) ----

const tinySchema = z.object({ enabled: z.boolean(), n: posInt, scale: z.number() }).strict();
type TinyConfig = z.infer<typeof tinySchema>;
const tinyConfig = (cfg: ConfigReader) => sectionReader<TinyConfig>(cfg, 'tiny');

const tinySum = defineStage({
  id: 'tiny.sum',
  version: 1,
  description: 'scale · (0 + 1 + … + n−1)',
  instances: (cfg) => (tinyConfig(cfg)('enabled') ? [{}] : []),
  reads: ['tiny.n', 'tiny.scale'],
  outputs: { table: json(z.array(z.object({ n: z.number(), total: z.number() }).strict())) },
  cost: (_p, cfg) => ({ 'tiny.item': tinyConfig(cfg)('n') }),
  async run(ctx) {
    const c = tinyConfig(ctx.config);
    const total = c('scale') * Array.from({ length: c('n') }, (_, i) => i).reduce((a, b) => a + b, 0);
    return { table: [{ n: c('n'), total }] };
  },
});

const tiny = defineExperiment({
  name: 'tiny',
  description: 'A test-only experiment.',
  schema: tinySchema,
  defaults: { enabled: true, n: 4, scale: 2 },
  stages: [tinySum],
  cost: { usesBackend: false, measure: (cfg, needed) => (needed.has('tiny.item') ? { 'tiny.item': 0.25 * tinyConfig(cfg)('scale') } : {}) },
  report: {
    inputs: (cfg) => (tinyConfig(cfg)('enabled') ? { tiny: optionalDep(tinySum) } : {}),
    sections: (inputs) => {
      const row = single(inputs, 'tiny', tinySum)?.table[0];
      return row ? [{ id: 'tiny', title: 'The tiny experiment', blocks: [{ type: 'text', text: `Total ${row.total}.` }] }] : [];
    },
  },
});

// ---- the one line ----
const project = sgdNoiseProject([...EXPERIMENTS, tiny]);
const plain = sgdNoiseProject();

const resolve = (overrides: string[] = []) => resolveConfig(project, 'quick', ['backend=wasm', ...overrides]).config;

test('its section is in the config schema: defaults in every profile, overrides validated with their paths', (t) => {
  for (const profile of Object.keys(project.profiles))
    t.deepEqual(resolveConfig(project, profile, ['backend=wasm']).config.tiny, { enabled: true, n: 4, scale: 2 }, profile);
  t.is((resolve(['tiny.n=7']).tiny as TinyConfig).n, 7);
  const bad = t.throws(() => resolve(['tiny.n=0']), { instanceOf: ConfigError });
  t.regex(bad!.message, /tiny\.n/);
  t.throws(() => resolve(['tiny.m=1']), { instanceOf: ConfigError, message: /tiny/ });
  t.throws(() => resolveConfig(plain, 'quick', ['tiny.n=3']), { instanceOf: ConfigError }, 'sgd-noise alone has no such section');
});

test('its stage is planned and the report takes it; every other instance keeps its key', (t) => {
  const config = resolve();
  const plan = buildPlan(project.stages, config);
  const before = buildPlan(plain.stages, resolveConfig(plain, 'quick', ['backend=wasm']).config);
  t.true(plan.nodes.has('tiny.sum'));
  t.is(plan.nodes.get('report')!.deps.tiny, 'tiny.sum');
  const moved = [...before.nodes.keys()].filter((id) => before.nodes.get(id)!.key !== plan.nodes.get(id)?.key);
  t.deepEqual(moved, ['report'], 'only the report (which reads the new section) moves');
  t.false(buildPlan(project.stages, resolve(['tiny.enabled=false'])).nodes.has('tiny.sum'));
  t.false('tiny' in buildPlan(project.stages, resolve(['tiny.enabled=false'])).nodes.get('report')!.deps);
});

test('its cost operation is measured through the list, without starting a backend', async (t) => {
  const measured = await project.measureCosts!(resolve(['tiny.scale=8']), new Set(['tiny.item']), () => undefined);
  t.deepEqual(measured.costs, { 'tiny.item': 2 });
  t.is(measured.measuredOn, undefined, 'no tfjs backend was started');
});

test('it runs, and the report stage renders its section', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-exp-'));
  const config = resolve([`report.dir=${path.join(dir, 'report')}`]);
  const full = buildPlan(project.stages, config);
  const report = full.nodes.get('report')!;
  // the report over the new experiment alone: every other input left out, as when their upstreams fail
  const plan: Plan = {
    nodes: new Map([
      ['tiny.sum', full.nodes.get('tiny.sum')!],
      [
        'report',
        withoutInputs(
          report,
          report.optionalInputs.filter((n) => n !== 'tiny'),
        ),
      ],
    ]),
    order: ['tiny.sum', 'report'],
  };
  const cache = CacheStore.open(path.join(dir, 'cache'));
  const summary = await runToCompletion({ plan, cache, scope: 'quick', config, jobs: 1, publishRoot: dir });
  t.true(summary.ok, JSON.stringify(summary.failed));
  const out = cache.readOutputs(cache.getManifest(plan.nodes.get('report')!.key)!);
  const md = String(out['files/summary.md']);
  t.regex(md, /## The tiny experiment\n+Total 12\./);
  t.true(md.indexOf('The tiny experiment') < md.indexOf('Provenance'), 'after the experiments before it, before the provenance');
});

test('two experiments giving the report the same input name are an error naming both', (t) => {
  const clash = defineExperiment({ ...tiny, name: 'clash', report: { inputs: () => ({ fashion: { stage: 'tiny.sum' } }), sections: () => [] } });
  const cfg = configReader(resolve());
  t.notThrows(() => reportInputs([...EXPERIMENTS, tiny], cfg));
  t.throws(() => reportInputs([...EXPERIMENTS, clash], cfg), { message: "report input 'fashion' is given by both experiments fashion and clash" });
});
