/**
 * Typed dependencies: `dep(fashionPretrainStage, {seed: p.seed})` is the plain reference the planner reads
 * (`{stage, params}`) carrying, in its type only, what the upstream's outputs are, so `inputs.pretrain.w` has the
 * upstream's declared type. Nothing here reaches the cache key beyond what a plain reference holds.
 */
import type { LoadedArtifacts } from '../cache/values.ts';
import type { LoadedOutputs, OutputDecls } from './outputs.ts';
import type { DepRef, Params, StageSpec } from './stage.ts';

declare const loaded: unique symbol;
/** A reference to an upstream instance whose outputs, as read, have type `L` (`undefined` included when optional). */
export interface Dep<L = LoadedArtifacts> extends DepRef {
  /** Type only: never present at run time. */
  readonly [loaded]?: L;
}

/** What `dep` accepts: a stage, or a handle naming a stage made elsewhere and its outputs (see {@link stageHandle}). */
export interface StageHandle<P extends Params = Params, O extends OutputDecls = OutputDecls> {
  readonly id: string;
  readonly outputs?: O;
  /** Type only: the handle's parameters. */
  readonly params?: P;
}

/** The parameters of a stage's instances. */
// biome-ignore lint/suspicious/noExplicitAny: matches a stage of any output and dependency type
export type ParamsOf<S> = S extends StageSpec<infer P, any, any> ? P : S extends StageHandle<infer P, OutputDecls> ? P : Params;
/** A stage's outputs as its dependents read them. */
export type OutputsOf<S> = S extends { readonly outputs?: infer O } ? (O extends OutputDecls ? LoadedOutputs<O> : LoadedArtifacts) : LoadedArtifacts;
/**
 * The `inputs` of `run`, from what `deps` returns: each input typed by its upstream's outputs. An input `deps` may leave
 * out (`...(on ? {x: optionalDep(s)} : {})`) stays typed, as possibly absent.
 */
export type InputsOf<D> = { [K in keyof D]: NonNullable<D[K]> extends Dep<infer L> ? (unknown extends L ? LoadedArtifacts : L) : LoadedArtifacts };

/** A handle on a stage that a factory makes (`${ds}.summary`), typed by its outputs, for `dep`. */
export function stageHandle<P extends Params = Params, const O extends OutputDecls = OutputDecls>(id: string, outputs: O): StageHandle<P, O> {
  return { id, outputs };
}

/** Depends on `stage`'s instance with `params` (none for an unparameterised stage). */
export function dep<S extends StageHandle>(stage: S, params?: ParamsOf<S>): Dep<OutputsOf<S>> {
  return params === undefined ? { stage: stage.id } : { stage: stage.id, params };
}

/** Depends on `stage`'s instance, but runs without it when it fails or is skipped: the input is then undefined. */
export function optionalDep<S extends StageHandle>(stage: S, params?: ParamsOf<S>): Dep<OutputsOf<S> | undefined> {
  return { ...dep(stage, params), optional: true };
}

/**
 * Inputs named `prefix` + each entry's suffix, all of one type: `...named('dyn_', kinds.map((k) => [k, dep(s, {k})]))`
 * gives `Record<`dyn_${string}`, …>`, so `inputs[`dyn_${kind}`]` is typed.
 */
export function named<Pre extends string, D extends DepRef>(prefix: Pre, entries: readonly (readonly [string, D])[]): Record<`${Pre}${string}`, D> {
  return Object.fromEntries(entries.map(([suffix, d]) => [`${prefix}${suffix}`, d])) as Record<`${Pre}${string}`, D>;
}

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/**
 * Several groups of inputs in one record, in order (what spreading them would give, but keeping the typed names of
 * {@link named} groups, which a spread drops): `inputs({data: dep(…)}, named('dyn_', …))`.
 */
export function inputs<const G extends readonly Record<string, DepRef>[]>(...groups: G): Intersection<G[number]> {
  return Object.assign({}, ...groups) as Intersection<G[number]>;
}
