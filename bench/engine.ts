/**
 * Engine benchmarks: cache write/verify throughput for a CNN-sized parameter vector and a VGG-sized one, and the
 * wall time of a cold run versus an identical (all-hit) rerun of the toy pipeline. Medians of several repetitions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { entryKey } from '../cache/entry-key.ts';
import type { Json } from '../cache/values.ts';
import { CacheStore, type PendingManifest } from '../cache/store.ts';
import { buildPlan } from '../pipeline/plan.ts';
import { resolveConfig } from '../pipeline/project.ts';
import { runToCompletion } from '../pipeline/runner.ts';
import toy from '../test/fixtures/toy-project.ts';
import { median, timeIt } from './timing.ts';

/** A manifest whose key is proven by its own fields (the store checks that on every read). */
function pending(tag: Json): PendingManifest {
  const fields = { stage: 'bench', params: {}, version: 1, config: { tag }, inputs: {} };
  return {
    key: entryKey(fields),
    instance: 'bench',
    ...fields,
    seed: null,
    createdAt: new Date().toISOString(),
    durationMs: 0,
    host: { node: process.version, platform: process.platform, pid: process.pid },
    meta: {},
  };
}

/** Runs the engine benchmarks and returns their measurements. */
export async function benchEngine(repeats = 5): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sgdn-bench-'));
  const cache = CacheStore.open(dir);
  const results: Record<string, unknown> = {};
  for (const [label, n] of [
    ['cnn_11330_f32', 11_330],
    ['vgg11_9750922_f32', 9_750_922],
  ] as const) {
    const data = new Float32Array(n).map((_, i) => Math.sin(i));
    const commits: number[] = [];
    const lookups: number[] = [];
    for (let r = 0; r < repeats; r++) {
      data[0] = r; // a new blob every repetition
      const entry = pending({ label, r });
      const key = entry.key;
      commits.push(await timeIt(() => cache.commit(entry, { w: data })));
      lookups.push(await timeIt(() => cache.lookup(key)));
    }
    results[label] = { bytes: n * 4, commitMs: median(commits), verifiedLookupMs: median(lookups) };
  }
  await cache.close();

  const cold: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const runDir = mkdtempSync(path.join(tmpdir(), 'sgdn-bench-run-'));
    const { config } = resolveConfig(toy, 'quick', ['slow.ms=0']);
    const opts = { plan: buildPlan(toy.stages, config), cache: CacheStore.open(runDir), scope: 'bench', config, jobs: 2, publishRoot: runDir };
    cold.push(await timeIt(() => runToCompletion(opts)));
    warm.push(await timeIt(() => runToCompletion(opts)));
    await opts.cache.close();
    rmSync(runDir, { recursive: true, force: true });
  }
  results.toy_pipeline_9_stages_inline = { coldMs: median(cold), identicalRerunMs: median(warm) };
  rmSync(dir, { recursive: true, force: true });
  return results;
}
