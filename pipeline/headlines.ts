/**
 * Headline numbers of a run (what `sgd-noise runs` lists and `sgd-noise diff` compares), read from the cache only:
 * the project declares which stages' outputs it reads and how (`Project.headlines`); the engine finds those instances
 * in a {@link RunView}, loads the outputs of the ones that are cached and hands them over. An instance that is not
 * cached is simply absent, so its metrics are null and its claims missing: nothing is ever computed here.
 *
 * ```ts
 * const h = readHeadlines(project.headlines!, view, cache);
 * h.metrics; // [{ id: 'join.sum', label: 'sum of join', value: 3.2 }, …]
 * ```
 */
import type { CacheStore } from '../cache/store.ts';
import type { LoadedArtifacts } from '../cache/values.ts';
import type { RunView } from './run-view.ts';

/** One headline number. */
export interface HeadlineMetric {
  /** Stable dotted id (`fashion.testAccuracy.sgd`); its last segment names the item within its `brief` group. */
  readonly id: string;
  /** What it is, for tables: `Fashion-MNIST final test accuracy, SGD`. */
  readonly label: string;
  /** The value; null when the output it comes from is not cached. */
  readonly value: number | null;
  readonly unit?: string;
  /** The group `sgd-noise runs` shows it in on one line (`test acc`); absent: only `--json` and `diff` show it. */
  readonly brief?: string;
}

/** One judged claim: its verdict (`holds`, `does not hold`, `not run`, …) and what it depends on. */
export interface HeadlineClaim {
  readonly id: string;
  readonly verdict: string;
  readonly dependsOn?: string;
}

/** One row of the project's deviation table that applies to the run, with the run's choice there. */
export interface HeadlineDeviation {
  readonly id: string;
  readonly value: string;
}

/** The headlines of one run. */
export interface Headlines {
  readonly metrics: readonly HeadlineMetric[];
  readonly claims: readonly HeadlineClaim[];
  readonly deviations: readonly HeadlineDeviation[];
}

/** What a project declares to have headlines (`Project.headlines`). */
export interface HeadlinesSpec {
  /** Stage ids (every instance of the stage) or instance ids whose cached outputs `read` needs. */
  readonly stages: readonly string[];
  /** Per stage id, the only outputs to load (default: all), so a report's files are not read for its verdicts. */
  readonly outputs?: Readonly<Record<string, readonly string[]>>;
  /**
   * The headlines from the outputs of the instances found cached, by instance id (absent ones are missing: give their
   * metrics as null), and the run's configuration. Must not compute anything a stage computes.
   */
  read(outputs: Readonly<Record<string, LoadedArtifacts>>, config: Readonly<Record<string, unknown>>): Headlines;
}

/** A run's headlines, which instances they were read from, and which were wanted but not cached. */
export interface ReadHeadlines extends Headlines {
  /** Instance ids whose outputs were read. */
  readonly read: readonly string[];
  /** Instance ids wanted but not in the cache (or damaged there). */
  readonly absent: readonly string[];
  /** Why the project's reader failed (the headlines are then empty), when it did. */
  readonly problem?: string;
}

/** The stage id of an instance id: `fashion.dynamics[kind=sgd,seed=0]@lr=0.1` → `fashion.dynamics`. */
export function stageOfInstance(instance: string): string {
  const cut = instance.search(/[[@]/);
  return cut < 0 ? instance : instance.slice(0, cut);
}

/**
 * Reads the headlines of `view` from `cache` (none: nothing is cached, every metric is null). `memo` (key → loaded
 * outputs) spares loading an entry twice when several runs share it.
 */
export function readHeadlines(
  spec: HeadlinesSpec,
  view: RunView,
  cache: CacheStore | undefined,
  memo: Map<string, LoadedArtifacts> = new Map(),
): ReadHeadlines {
  const wanted = new Set(spec.stages);
  const outputs: Record<string, LoadedArtifacts> = {};
  const read: string[] = [];
  const absent: string[] = [];
  for (const [instance, key] of view.instances) {
    const stage = stageOfInstance(instance);
    if (!wanted.has(instance) && !wanted.has(stage)) continue;
    const names = spec.outputs?.[stage];
    const memoKey = names ? `${key}\0${names.join('\0')}` : key;
    const loaded = memo.get(memoKey) ?? (cache ? loadEntry(cache, key, names) : undefined);
    if (loaded === undefined) {
      absent.push(instance);
      continue;
    }
    memo.set(memoKey, loaded);
    outputs[instance] = loaded;
    read.push(instance);
  }
  try {
    const h = spec.read(outputs, view.config);
    return { metrics: h.metrics, claims: h.claims, deviations: h.deviations, read, absent };
  } catch (err) {
    return { metrics: [], claims: [], deviations: [], read, absent, problem: (err as Error).message };
  }
}

/**
 * The outputs (all, or those `names` lists) of the entry under `key`: its manifest proves its key and each blob read
 * is checked against its hash (the others are not read). Undefined when absent or damaged.
 */
function loadEntry(cache: CacheStore, key: string, names: readonly string[] | undefined): LoadedArtifacts | undefined {
  try {
    const manifest = cache.getManifest(key);
    if (manifest === undefined) return undefined;
    const out: LoadedArtifacts = {};
    for (const [name, ref] of Object.entries(manifest.outputs)) {
      if (names === undefined || names.includes(name)) out[name] = cache.readOutput(key, name, ref);
    }
    return out;
  } catch {
    return undefined; // damaged: the same as not cached here (`cache verify` reports it)
  }
}
