/**
 * What one stage reads in a given run: its instance planned from a RunView's configuration, each input with the cache
 * key that run gives it (the view's own key for that instance, a record's included, else the planned key), whether
 * the cache holds it, and its outputs read from the cache. `report --compare` reads every run's report inputs so.
 */
import type { CacheStore } from '../cache/store.ts';
import type { LoadedArtifacts } from '../cache/values.ts';
import { UsageError } from './errors.ts';
import { buildPlan, type PlanOptions } from './plan.ts';
import type { RunView } from './run-view.ts';
import type { AnyStage } from './stage.ts';

/** One input of a stage instance in a run. */
export interface ViewInput {
  /** The input's name, as the stage's `deps` gives it. */
  readonly name: string;
  /** The upstream instance id. */
  readonly instance: string;
  /** Its cache key in this run. */
  readonly key: string;
}

/**
 * The inputs of the one instance of `stageId` in `view`'s plan, in the stage's declaration order. Throws a UsageError
 * when that plan has no such instance (or several, as a sweep has). Example: `viewStageInputs(stages, view, 'report')`.
 */
export function viewStageInputs(stages: readonly AnyStage[], view: RunView, stageId: string, options: PlanOptions = {}): ViewInput[] {
  const plan = buildPlan(stages, view.config, options);
  const node = plan.nodes.get(stageId);
  if (!node) throw new UsageError(`run '${view.label}' has no '${stageId}' instance to read the inputs of`);
  return Object.entries(node.deps).map(([name, instance]) => ({ name, instance, key: view.instances.get(instance) ?? node.inputKeys[name]! }));
}

/** The inputs whose entry the cache does not hold intact (absent, or failing its checks). */
export function uncachedInputs(cache: CacheStore, inputs: readonly ViewInput[]): ViewInput[] {
  return inputs.filter((i) => cache.lookup(i.key).status !== 'hit');
}

/** Every input's outputs, read and verified from the cache, by input name (each must be cached: see uncachedInputs). */
export function loadViewInputs(cache: CacheStore, inputs: readonly ViewInput[]): Record<string, LoadedArtifacts> {
  const out: Record<string, LoadedArtifacts> = {};
  for (const i of inputs) {
    const manifest = cache.getManifest(i.key);
    if (!manifest) throw new Error(`input '${i.name}' (${i.instance}, ${i.key.slice(0, 12)}) is not in the cache`);
    out[i.name] = cache.readOutputs(manifest);
  }
  return out;
}
