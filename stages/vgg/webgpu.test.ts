/**
 * The VGG11 dynamics on the webgpu backend through the engine: the tiny SVHN files, a 1/16-width VGG11, two
 * iterations of gd, sgd and gld_diag, no `force` (no CPU refusal on a GPU backend), every read awaited; the report
 * built from that run has the SVHN section and names the adapter in its provenance. On llvmpipe
 * (a CPU Vulkan driver) this takes about half a minute, most of it compiling shaders. Where no WebGPU adapter exists it
 * is skipped with the reason, except on CI (CI=true), where it fails: .ci/run installs llvmpipe.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import project from '../../pipeline.config.ts';
import { CacheStore } from '../../cache/store.ts';
import { buildPlan, selectInstances } from '../../pipeline/plan.ts';
import { lineageOf } from '../../pipeline/execute.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { runToCompletion } from '../../pipeline/runner.ts';
import { readOutputs } from '../../pipeline/outputs.ts';
import { buildReport } from '../report/build.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { WEBGPU_TESTS } from '../tf/testing.ts';
import { imageSummaryOutputs } from './outputs.ts';
import { overrides, writeTinyDatasets } from './testing.ts';

const onCi = process.env.CI === 'true' || process.env.CI === '1';

if (!WEBGPU_TESTS.ok && !onCi) {
  test('svhn on webgpu: skipped, no WebGPU adapter', (t) => t.log(`skipped: ${WEBGPU_TESTS.reason}`));
} else {
  test.serial('svhn on webgpu: data, dynamics (gd, sgd, gld_diag) and summary run without force; the adapter is recorded and reported', async (t) => {
    t.timeout(5 * 60_000);
    if (!WEBGPU_TESTS.ok) return t.fail(`no WebGPU adapter on CI: ${WEBGPU_TESTS.reason}`);
    const root = mkdtempSync(path.join(tmpdir(), 'sgdn-svhn-webgpu-'));
    const paths = writeTinyDatasets(root);
    // chunkSize 'auto': sized from the adapter's limits (the whole tiny set fits one chunk)
    const { config } = resolveConfig(project, 'quick', [...overrides('svhn', paths.svhn, false), 'backend=webgpu', 'svhn.dynamics.chunkSize="auto"']);
    const plan = buildPlan(project.stages, config);
    const cache = CacheStore.open(path.join(root, 'cache'));
    const t0 = performance.now();
    const summary = await runToCompletion({ plan, cache, scope: 't', config, jobs: 1, selected: selectInstances(plan, ['svhn.summary']) });
    t.log(`svhn on webgpu: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t.deepEqual(summary.failed, []);
    t.true(summary.ok);
    const table = cache.readOutputs(cache.getManifest(plan.nodes.get('svhn.summary')!.key)!).table as {
      kind: string;
      trainAccuracy: number;
      testAccuracy: number;
      sharpness: number;
    }[];
    t.deepEqual(
      table.map((r) => r.kind),
      ['gd', 'sgd', 'gld_diag'],
    );
    for (const r of table)
      t.true(r.testAccuracy >= 0 && r.testAccuracy <= 1 && Number.isFinite(r.sharpness) && Number.isFinite(r.trainAccuracy), JSON.stringify(r));
    const gd = cache.getManifest(plan.nodes.get('svhn.dynamics[kind=gd,seed=0]')!.key)!;
    t.regex(String(gd.meta.backend), /^webgpu \(.+\)$/);
    t.is((gd.meta.adapter as { description: string }).description, WEBGPU_TESTS.reason);
    t.is(gd.meta.chunkSize, 20);
    // The report over this run: the VGG section is there, and the provenance names the adapter.
    const summaryKey = plan.nodes.get('svhn.summary')!.key;
    const { doc } = buildReport(
      { svhn: readOutputs(imageSummaryOutputs, cache.readOutputs(cache.getManifest(summaryKey)!), 'svhn.summary') },
      {
        title: 't',
        run: { profile: 'quick', overrides: [] },
        backend: 'webgpu',
        config,
        lineage: lineageOf(cache, [summaryKey]),
        versions: {},
        fashionTrainImages: null,
      },
    );
    t.true(doc.sections.some((sec) => sec.id === 'svhn'));
    const md = renderMarkdown(doc);
    t.regex(md, /## VGG11 on SVHN/);
    t.true(md.includes(`| ${WEBGPU_TESTS.reason} |`), 'the GPU adapters table names the adapter');
    t.regex(md, /\| svhn\.dynamics\[kind=gd,seed=0\] \| \d+ \| [0-9a-f]{16} \| \d+ \| webgpu \(/);
  });
}
