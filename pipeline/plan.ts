/**
 * From the stage registry and a configuration to a DAG of stage instances, each with its cache key.
 *
 * Key = sha256(canonical JSON of {stage id, instance params, version, the values of the config keys it reads, the
 * keys of its inputs}). Input keys stand for the inputs' content (they are themselves such hashes), so a key is known
 * before anything runs: `status` and `--dry-run` need no computation.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { entryKey, type KeyFields } from '../cache/entry-key.ts';
import { sha256File, type HashFile } from '../cache/file-hashes.ts';
import type { Json } from '../cache/values.ts';
import { getPath, hasPath } from './config.ts';
import { DEFAULT_MAX_INSTANCES, checkPlanSize } from './plan-limits.ts';
import { deriveSeed } from './seed.ts';
import { instanceId, type AnyStage, type ConfigReader, type Params } from './stage.ts';
import type { SweepPoint } from './sweep.ts';

/** One stage instance in the plan. */
export interface PlanNode {
  readonly instance: string;
  readonly stage: AnyStage;
  readonly params: Params;
  /** Declared config keys, in declaration order (an optional `key?` listed as `key`). */
  readonly reads: readonly string[];
  /** The values of the declared keys: the config slice in the key. */
  readonly config: Readonly<Record<string, Json>>;
  /** Input name → upstream instance id. */
  readonly deps: Readonly<Record<string, string>>;
  /** Input name → upstream key. */
  readonly inputKeys: Readonly<Record<string, string>>;
  /** Names of the inputs declared optional. */
  readonly optionalInputs: readonly string[];
  /** Optional inputs left out of this node (see {@link withoutInputs}), input name → upstream instance. */
  readonly missing: Readonly<Record<string, string>>;
  /** Declared input files: name → absolute path and content SHA-256 (empty for most stages). */
  readonly files: Readonly<Record<string, { path: string; sha256: string }>>;
  /** The cache key. */
  readonly key: string;
  /** Derived seed, or null when the stage does not read `seed`. */
  readonly seed: number | null;
  /** In a sweep plan, the point this node belongs to; absent for nodes shared by every point (and without a sweep). */
  readonly point?: SweepPoint;
  /**
   * In a sweep plan, the instance id in the point's own plan (without `@label`) and that point's whole configuration
   * (a shared node's: the first point's), which child workers rebuild it from and config reads outside the key use.
   */
  readonly planned?: { readonly instance: string; readonly config: Record<string, unknown> };
}

/** The whole configuration `node` was planned with: its sweep point's, else the run's `config`. */
export function nodeConfig(node: Pick<PlanNode, 'planned'>, config: Record<string, unknown>): Record<string, unknown> {
  return node.planned?.config ?? config;
}

/** The instance DAG in a deterministic topological order. */
export interface Plan {
  readonly nodes: ReadonlyMap<string, PlanNode>;
  readonly order: readonly string[];
}

/** An error in the stage declarations (missing dependency, cycle, undeclared config key…). */
export class PlanError extends Error {}

/**
 * The key of a stage instance from the fields that determine it (the cache's {@link entryKey}, which the store
 * recomputes from every manifest it reads); exported so tests can pin golden keys. `missing` (optional inputs left
 * out) and `files` (input file name → content SHA-256) enter only when non-empty.
 */
export function stageKey(fields: KeyFields): string {
  return entryKey(fields);
}

/** A node's declared input files as name → content SHA-256 (what its key and manifest record). */
export function fileHashesOf(node: Pick<PlanNode, 'files'>): Record<string, string> {
  return Object.fromEntries(Object.entries(node.files).map(([name, f]) => [name, f.sha256]));
}

/** The node run without some of its optional inputs: those inputs removed, and a key that names them as missing. */
export function withoutInputs(node: PlanNode, names: readonly string[]): PlanNode {
  const bad = names.filter((n) => !node.optionalInputs.includes(n));
  if (bad.length) throw new PlanError(`${node.instance}: input(s) ${bad.join(', ')} are not optional`);
  const keep = <V>(r: Readonly<Record<string, V>>) => Object.fromEntries(Object.entries(r).filter(([n]) => !names.includes(n)));
  const inputKeys = keep(node.inputKeys);
  const missing = Object.fromEntries(names.map((n) => [n, node.deps[n]!]));
  const key = stageKey({
    stage: node.stage.id,
    params: node.params,
    version: node.stage.version,
    config: node.config as Record<string, Json>,
    inputs: inputKeys,
    missing: names,
    files: fileHashesOf(node),
  });
  return { ...node, deps: keep(node.deps), inputKeys, missing, key };
}

/** How the planner hashes declared input files (default: read every file; the CLI passes a stat-cached hasher). */
export interface PlanOptions {
  hashFile?: HashFile;
  /** The most instances the plan may have (default {@link DEFAULT_MAX_INSTANCES}); more is a PlanSizeError. */
  maxInstances?: number;
}

/** The reader of config keys that stages' declarations get: a missing key is a PlanError. */
function configReader(config: Record<string, unknown>): ConfigReader {
  return <T>(p: string) => {
    if (!hasPath(config, p)) throw new PlanError(`config key '${p}' does not exist`);
    return getPath(config, p) as T;
  };
}

/**
 * The instances the stages declare for `config`, counted without planning them (no keys, no files), stopping as soon
 * as the count passes `limit`: what one sweep point costs to plan.
 */
export function countInstances(stages: readonly AnyStage[], config: Record<string, unknown>, limit = Number.POSITIVE_INFINITY): number {
  const read = configReader(config);
  let count = 0;
  for (const stage of stages) {
    count += stage.instances ? stage.instances(read).length : 1;
    if (count > limit) break;
  }
  return count;
}

/** Expands every stage into instances, wires dependencies, rejects cycles and unknown references, and computes keys. */
export function buildPlan(stages: readonly AnyStage[], config: Record<string, unknown>, options: PlanOptions = {}): Plan {
  const hashFile = options.hashFile ?? sha256File;
  const maxInstances = options.maxInstances ?? DEFAULT_MAX_INSTANCES;
  const read = configReader(config);
  const byId = new Map<string, AnyStage>();
  for (const stage of stages) {
    if (byId.has(stage.id)) throw new PlanError(`two stages are registered with id '${stage.id}'`);
    byId.set(stage.id, stage);
  }

  interface Draft {
    instance: string;
    stage: AnyStage;
    params: Params;
    deps: Record<string, string>;
    optionalInputs: string[];
  }
  const drafts = new Map<string, Draft>();
  for (const stage of stages) {
    const paramSets = stage.instances ? stage.instances(read) : [{}];
    const count = drafts.size + paramSets.length;
    checkPlanSize(
      count,
      maxInstances,
      () => `stage '${stage.id}' declares ${paramSets.length} instances, which makes the plan at least ${count}`,
      'lower the settings its instances come from',
    );
    for (const params of paramSets) {
      const id = instanceId(stage.id, params);
      if (drafts.has(id)) throw new PlanError(`stage '${stage.id}' declares instance ${id} twice`);
      drafts.set(id, { instance: id, stage, params, deps: {}, optionalInputs: [] });
    }
  }
  for (const draft of drafts.values()) {
    const refs = draft.stage.deps ? draft.stage.deps(draft.params, read) : {};
    for (const [name, ref] of Object.entries(refs)) {
      if (!byId.has(ref.stage)) {
        throw new PlanError(`${draft.instance} depends on stage '${ref.stage}' (input '${name}'), which is not registered`);
      }
      const target = instanceId(ref.stage, ref.params ?? {});
      if (!drafts.has(target)) {
        const existing = [...drafts.keys()].filter((k) => k === ref.stage || k.startsWith(`${ref.stage}[`));
        throw new PlanError(`${draft.instance} depends on ${target} (input '${name}'), which is not an instance (instances: ${existing.join(', ')})`);
      }
      draft.deps[name] = target;
      if (ref.optional) draft.optionalInputs.push(name);
    }
  }

  const order = topologicalOrder(drafts);
  const nodes = new Map<string, PlanNode>();
  for (const id of order) {
    const draft = drafts.get(id)!;
    const reads = typeof draft.stage.reads === 'function' ? draft.stage.reads(draft.params, read) : draft.stage.reads;
    const slice: Record<string, Json> = {};
    const declared: string[] = [];
    for (const entry of reads) {
      // `key?` declares an optional setting: read when present, and in the key only then (absent = its default).
      const optional = entry.endsWith('?');
      const key = optional ? entry.slice(0, -1) : entry;
      declared.push(key);
      if (!hasPath(config, key) || getPath(config, key) === undefined) {
        if (optional) continue;
        throw new PlanError(`${id} reads config key '${key}', which does not exist`);
      }
      slice[key] = getPath(config, key) as Json;
    }
    let seed: number | null = null;
    if (declared.includes('seed')) {
      const root = slice.seed;
      if (typeof root !== 'number' || !Number.isInteger(root)) throw new PlanError(`${id} reads 'seed', which must be an integer`);
      seed = deriveSeed(root, id);
    }
    const inputKeys = Object.fromEntries(Object.entries(draft.deps).map(([name, dep]) => [name, nodes.get(dep)!.key]));
    const files = declaredFiles(id, draft.stage.files?.(draft.params, read) ?? {}, hashFile);
    const key = stageKey({
      stage: draft.stage.id,
      params: draft.params,
      version: draft.stage.version,
      config: slice,
      inputs: inputKeys,
      files: fileHashesOf({ files }),
    });
    nodes.set(id, { ...draft, reads: declared, config: slice, inputKeys, files, key, seed, missing: {} });
  }
  return { nodes, order };
}

/** Resolves and hashes an instance's declared files; a missing one is a plan error naming the instance and the file. */
function declaredFiles(id: string, declared: Record<string, string>, hashFile: HashFile): Record<string, { path: string; sha256: string }> {
  const out: Record<string, { path: string; sha256: string }> = {};
  for (const [name, file] of Object.entries(declared).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const abs = path.resolve(file);
    if (!existsSync(abs)) throw new PlanError(`${id} reads input file '${name}' = ${abs}, which does not exist`);
    out[name] = { path: abs, sha256: hashFile(abs) };
  }
  return out;
}

function topologicalOrder(drafts: Map<string, { deps: Record<string, string> }>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const visit = (id: string, stack: string[]): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      throw new PlanError(`dependency cycle: ${cycle.join(' → ')}`);
    }
    state.set(id, 'visiting');
    for (const dep of Object.values(drafts.get(id)!.deps)) visit(dep, [...stack, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of drafts.keys()) visit(id, []);
  return order;
}

/**
 * The instances to run for the given patterns and everything they need. A pattern is an instance id (in a sweep,
 * `id@label` for one point's instance), a stage id (all its instances, of every point) or a glob with `*`
 * (`left@*`). No patterns means every instance.
 */
export function selectInstances(plan: Plan, patterns: readonly string[]): Set<string> {
  if (patterns.length === 0) return new Set(plan.order);
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    const matched = matchInstances(plan, pattern);
    if (matched.length === 0) throw new PlanError(`'${pattern}' matches no stage instance (see 'sgd-noise dag')`);
    for (const id of matched) addWithAncestors(plan, id, chosen);
  }
  return chosen;
}

/** Instance ids matching one pattern (exact instance, stage id, an instance of every sweep point, or `*` glob). */
export function matchInstances(plan: Plan, pattern: string): string[] {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return plan.order.filter((id) => {
    const node = plan.nodes.get(id)!;
    return id === pattern || node.stage.id === pattern || node.planned?.instance === pattern || re.test(id);
  });
}

/** Per instance, the instances that consume it directly (each once). */
export function directDependents(plan: Plan): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, node] of plan.nodes) for (const dep of new Set(Object.values(node.deps))) out.set(dep, [...(out.get(dep) ?? []), id]);
  return out;
}

/** Every instance downstream of `id` (not including it). */
export function descendants(plan: Plan, id: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of plan.nodes.values()) {
      if (out.has(node.instance)) continue;
      if (Object.values(node.deps).some((d) => d === id || out.has(d))) {
        out.add(node.instance);
        grew = true;
      }
    }
  }
  return out;
}

function addWithAncestors(plan: Plan, id: string, into: Set<string>): void {
  if (into.has(id)) return;
  into.add(id);
  for (const dep of Object.values(plan.nodes.get(id)!.deps)) addWithAncestors(plan, dep, into);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
