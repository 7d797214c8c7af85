/** A project: the config schema, its named profiles, and the stage registry; loaded by module path. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { Json, LoadedArtifacts } from '../cache/values.ts';
import type { HeadlinesSpec } from './headlines.ts';
import { ConfigError, applyOverrides, parseOverrides, validateConfig, type Override } from './config.ts';
import { buildPlan, countInstances, type Plan, type PlanOptions } from './plan.ts';
import { DEFAULT_MAX_INSTANCES } from './plan-limits.ts';
import type { RunView } from './run-view.ts';
import type { AnyStage, LineageEntry } from './stage.ts';
import { buildSweepPlan, checkSweepSize, pointConfigs, sweepAxes, sweepPoints, type PointConfig, type SweepSummarySpec } from './sweep.ts';

/** Everything the engine needs to know about a project. */
export interface Project<S extends z.ZodTypeAny = z.ZodTypeAny> {
  /** Short name for messages. */
  readonly name: string;
  /** Directory that `publish` paths and the default cache directory are relative to. */
  readonly root: string;
  /** The zod schema of the whole configuration (strict objects, so unknown keys are rejected). */
  readonly configSchema: S;
  /** Named complete configurations. */
  readonly profiles: Readonly<Record<string, z.input<S>>>;
  /** The profile used when none is given. */
  readonly defaultProfile: string;
  /** Every stage, in one list. */
  readonly stages: readonly AnyStage[];
  /** Measures, now and on this machine, the milliseconds per unit of the named operations that stages' `cost` counts. */
  readonly measureCosts?: MeasureCosts;
  /**
   * Sweeps a profile runs when selected: profile → config key → values (see pipeline/sweep.ts). A `--sweep` of the
   * same key replaces the declared one; a `key=value` override of it drops it.
   */
  readonly sweeps?: Readonly<Record<string, Readonly<Record<string, readonly Json[]>>>>;
  /** What a sweep of two or more points collects per point into the `sweep.summary` table (none: no summary). */
  readonly sweepSummary?: SweepSummarySpec;
  /**
   * An allowed-signers file (relative to `root`, e.g. kept in the project's git repository): when set, every entry
   * read from a remote must be signed by a key listed there (see docs/remote.md "Who can forge what"). Default: none.
   */
  readonly allowedSigners?: string;
  /** The stage `sgd-noise report` renders from cached outputs (none: the project has no report command). */
  readonly reportStage?: string;
  /**
   * Renders one report over several runs from each run's `reportStage` inputs (`sgd-noise report --compare A B …`;
   * none: the project cannot compare runs).
   */
  readonly compareReport?: CompareReport;
  /**
   * The headline numbers of a run, read from cached outputs only, that `sgd-noise runs` lists and `sgd-noise diff`
   * compares (pipeline/headlines.ts); none: those commands show no metrics, claims or deviations.
   */
  readonly headlines?: HeadlinesSpec;
}

/** One run of a comparison as the project's compare renderer gets it. */
export interface CompareRun {
  readonly view: RunView;
  /** The report stage's inputs in this run, read from the cache: input name → that entry's outputs. */
  readonly inputs: Readonly<Record<string, LoadedArtifacts>>;
  /** The cache entries behind those inputs, each once, inputs first (for provenance). */
  readonly lineage: readonly LineageEntry[];
}

/**
 * Renders a comparison of `runs` (two or more, in the order given, labels unique): relative path → contents of every
 * file, `index.html` among them. `log` takes warnings, one line each (the CLI prints them on stderr).
 */
export type CompareReport = (runs: readonly CompareRun[], log: (line: string) => void) => Promise<Record<string, string | Uint8Array>>;

/**
 * Milliseconds per unit of each operation in `needed`, measured with the resolved `config` (its backend and sizes);
 * `log` takes one line per thing being measured (the CLI prints them on stderr). Operations it cannot measure are
 * left out of the result (those instances get no estimate); a failure to measure at all throws.
 */
export type MeasureCosts = (config: Record<string, unknown>, needed: ReadonlySet<string>, log: (line: string) => void) => Promise<MeasuredCosts>;

/** What `MeasureCosts` gives: the costs, and what they were measured on and by which clock (the dry-run prints both). */
export interface MeasuredCosts {
  /** Milliseconds per unit of each operation measured. */
  readonly costs: Record<string, number>;
  /** One line naming the backend and device the costs were measured on: `backend webgpu on NVIDIA H100 (nvidia, hopper)`. */
  readonly measuredOn?: string;
  /** `cpu` (default): CPU time of the measuring process. `wall`: wall-clock time (work on a GPU is not CPU time). */
  readonly clock?: 'cpu' | 'wall';
}

/** Declares a project with its types checked. */
export function defineProject<S extends z.ZodTypeAny>(project: Project<S>): Project<S> {
  if (!Object.hasOwn(project.profiles, project.defaultProfile)) {
    throw new Error(`project ${project.name}: default profile '${project.defaultProfile}' is not among the profiles`);
  }
  for (const name of Object.keys(project.sweeps ?? {})) {
    if (!Object.hasOwn(project.profiles, name))
      throw new Error(`project ${project.name}: sweeps are declared for profile '${name}', which is not among the profiles`);
  }
  return project;
}

/** Imports a project module (its default export) from a file path. */
export async function loadProject(modulePath: string): Promise<Project> {
  const mod = (await import(pathToFileURL(path.resolve(modulePath)).href)) as { default?: Project };
  if (!mod.default || !Array.isArray(mod.default.stages)) {
    throw new Error(`${modulePath}: expected a default export made with defineProject()`);
  }
  return mod.default;
}

/** A validated configuration and where it came from. */
export interface ResolvedConfig {
  profile: string;
  overrides: Override[];
  config: Record<string, unknown>;
  /** The sweep's points with their configurations (`--sweep` flags and the profile's sweeps); empty without a sweep. */
  points: PointConfig[];
  /** The most stage instances its plan may have (`--max-instances`; default {@link DEFAULT_MAX_INSTANCES}). */
  maxInstances: number;
}

/** Limits on what a configuration may make. */
export interface ResolveLimits {
  /** The most stage instances its plan may have, a sweep's points × instances per point (default {@link DEFAULT_MAX_INSTANCES}). */
  maxInstances?: number;
}

/**
 * Picks a profile, applies `key=value` overrides and validates the result, and does the same for every point of the
 * sweep (`--sweep key=v1,v2` texts, else the profile's declared sweeps); errors name the offending paths. A sweep
 * whose points × instances per point exceed `limits.maxInstances` is refused before any point is made.
 */
export function resolveConfig(
  project: Project,
  profile: string | undefined,
  overrideTexts: readonly string[],
  sweepTexts: readonly string[] = [],
  limits: ResolveLimits = {},
): ResolvedConfig {
  const maxInstances = limits.maxInstances ?? DEFAULT_MAX_INSTANCES;
  const name = profile ?? project.defaultProfile;
  // Own properties only: `--profile constructor` (or toString, __proto__) names no profile.
  if (!Object.hasOwn(project.profiles, name)) {
    throw new ConfigError([`profile '${name}' does not exist (profiles: ${Object.keys(project.profiles).join(', ')})`]);
  }
  const base = project.profiles[name];
  const overrides = parseOverrides(overrideTexts);
  const raw = applyOverrides(base, overrides);
  const config = validateConfig(project.configSchema, raw, base) as Record<string, unknown>;
  const declared = project.sweeps && Object.hasOwn(project.sweeps, name) ? project.sweeps[name] : undefined;
  const axes = sweepAxes(declared, overrides, sweepTexts);
  checkSweepSize(axes, (limit) => countInstances(project.stages, config, limit), maxInstances);
  const points = pointConfigs(project.configSchema, raw, sweepPoints(axes));
  return { profile: name, overrides, config, points, maxInstances };
}

/** The plan of a resolved configuration: the ordinary plan, or with a sweep the merged plan of its points. */
export function projectPlan(project: Project, resolved: ResolvedConfig, options: PlanOptions = {}): Plan {
  const withLimit = { maxInstances: resolved.maxInstances, ...options };
  if (resolved.points.length === 0) return buildPlan(project.stages, resolved.config, withLimit);
  return buildSweepPlan(project.stages, resolved.points, withLimit, project.sweepSummary);
}
