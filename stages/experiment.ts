/**
 * An experiment is one folder that describes itself (`stages/<name>/index.ts`): its config section (schema and
 * defaults), its stages, how to measure its cost operations, and its part of the report. The config schema, the stage
 * registry, the cost measurement and the report loop over the list in `experiments.ts`, so adding an experiment is
 * one folder and one line there.
 */
import type { z } from 'zod';
import type { LoadedArtifacts } from '../cache/values.ts';
import type { HeadlineMetric } from '../pipeline/headlines.ts';
import type { DepRef, ConfigReader, AnyStage } from '../pipeline/stage.ts';
import type { ReportSection } from './report/document.ts';
import type { BeyondInputs, BeyondProtocol } from './report/figures/beyond.ts';
import type { ClaimInputs } from './report/figures/claims.ts';
import type { ReportFacts } from './report/build.ts';
import type { ReportInputs } from './report/inputs.ts';

/** The clock an experiment's measurement times by (stages/cost/timing.ts `clockFor`). */
export interface MeasureTiming {
  readonly clock: () => number;
  readonly unit: 'CPU' | 'wall';
}

/** What an experiment's measurement gets besides the config: the clock, and the costs measured so far (to reuse one). */
export interface MeasureEnv {
  readonly timing: MeasureTiming;
  readonly soFar: Readonly<Record<string, number>>;
}

/** How an experiment's cost operations (`<name>.…`, counted by its stages' `cost`) are timed. */
export interface ExperimentCost {
  /** False: its operations are plain JS and need no tfjs backend (default true). */
  readonly usesBackend?: boolean;
  /** Milliseconds per unit of each of its operations in `needed` (the others are left out). */
  measure(
    cfg: ConfigReader,
    needed: ReadonlySet<string>,
    log: (line: string) => void,
    env: MeasureEnv,
  ): Partial<Record<string, number>> | Promise<Partial<Record<string, number>>>;
}

/** The beyond-the-paper inputs one experiment gives, with the protocol numbers its part quotes. */
export type BeyondPart = BeyondInputs & { readonly protocol?: BeyondProtocol };

/** An experiment's part of the report. */
export interface ExperimentReport {
  /**
   * The report's inputs from this experiment under `cfg`, by input name (each made optional by the report stage). An
   * input named `<name>_<i>` reaches `sections` as the array `<name>` in order of i.
   */
  inputs(cfg: ConfigReader): Partial<Record<string, DepRef>>;
  /** Its sections, in order (none when its inputs are absent); `config` is the report's config (every experiment's section). */
  sections(inputs: ReportInputs, config: Readonly<Record<string, unknown>>): ReportSection[];
  /** What it adds to the judged claims (arrays of several experiments are joined in list order). */
  claims?(inputs: ReportInputs, facts: ReportFacts): ClaimInputs;
  /** What it adds to the beyond-the-paper section. */
  beyond?(inputs: ReportInputs, config: Readonly<Record<string, unknown>>): BeyondPart;
}

/**
 * An experiment's headline numbers (`sgd-noise runs` lists them, `sgd-noise diff` compares them; pipeline/headlines.ts),
 * read from its cached outputs only, through the same readers as its report part.
 */
export interface ExperimentHeadlines {
  /** Stage ids (every instance) or instance ids whose cached outputs `metrics` reads. */
  readonly stages: readonly string[];
  /**
   * Its metrics from the outputs of those instances that are cached, by instance id, under the run's `cfg`; those of an
   * instance not cached are null (so two runs list the same ids), none when the experiment is switched off.
   */
  metrics(outputs: Readonly<Record<string, LoadedArtifacts>>, cfg: ConfigReader): HeadlineMetric[];
}

/** One experiment: config section `name`, stages with ids `name.…`, cost operations `name.…`. */
export interface Experiment<N extends string = string, S extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly name: N;
  /** One line: what it is (the schema section's doc). */
  readonly description: string;
  /** Its config section's schema (strict objects: unknown keys are errors). */
  readonly schema: S;
  /** Its section's settings when a profile gives none (the paper's). */
  readonly defaults: z.input<S>;
  /** Its stages, in registry order. */
  readonly stages: readonly AnyStage[];
  /** How its cost operations are measured (none: its stages count no operations, or none it measures). */
  readonly cost?: ExperimentCost;
  /** Its part of the report (none: the report leaves it out). */
  readonly report?: ExperimentReport;
  /** Its headline numbers for `sgd-noise runs` and `diff` (none: it has none there). */
  readonly headlines?: ExperimentHeadlines;
}

/** Declares an experiment with its schema and defaults checked against each other. */
export function defineExperiment<N extends string, S extends z.ZodTypeAny>(experiment: Experiment<N, S>): Experiment<N, S> {
  return experiment;
}

/** The config schema's sections of a list of experiments, by name (for `z.object({ ...experimentShape(list) })`). */
export type ExperimentShape<E extends readonly Experiment[]> = { [X in E[number] as X['name']]: X['schema'] };

/** The schema sections of `experiments`, in list order. */
export function experimentShape<const E extends readonly Experiment[]>(experiments: E): ExperimentShape<E> {
  return Object.fromEntries(experiments.map((e) => [e.name, e.schema])) as ExperimentShape<E>;
}
