/**
 * The report's inputs by name, as its stage hands them to each experiment's report part, and two readers that type
 * an input by the declared outputs of the stage it comes from.
 */
import type { OutputsOf } from '../../pipeline/deps.ts';

/** One input of the report: a summary's outputs, or a seeded stage's outputs in seed order. */
export type ReportInput = object | readonly object[];

/**
 * The cached outputs the report reads, by input name (each experiment's report part names its own: `toy2d`,
 * `fashion`, `theory` (the `fashion.theory[seed]` outputs in seed order), …); an experiment switched off is absent.
 */
export type ReportInputs = Readonly<Record<string, ReportInput | undefined>>;

/**
 * The outputs of input `name`, typed by the declared outputs of `stage` (the stage or its handle that the part's
 * `inputs` depends on; the executor checked them against that declaration before storing them), when present.
 * Example: `single(inputs, 'fashion', fashionSummaryStage)?.table`.
 */
export function single<S extends { readonly outputs?: unknown }>(inputs: ReportInputs, name: string, _stage: S): OutputsOf<S> | undefined {
  const x = inputs[name];
  if (Array.isArray(x)) throw new Error(`report input ${name}: one summary expected, got ${x.length} seeded outputs`);
  return x as OutputsOf<S> | undefined;
}

/** The seeded outputs of input `name` in seed order, typed by `stage`'s declared outputs as in `single`, when present. */
export function seeded<S extends { readonly outputs?: unknown }>(inputs: ReportInputs, name: string, _stage: S): readonly OutputsOf<S>[] | undefined {
  const x = inputs[name];
  if (x !== undefined && !Array.isArray(x)) throw new Error(`report input ${name}: seeded outputs expected, got one summary`);
  return x as readonly OutputsOf<S>[] | undefined;
}
