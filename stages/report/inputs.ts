/** The report's inputs by name, as its stage hands them to each experiment's report part, and two readers of them. */
import type { LoadedArtifacts } from '../../cache/values.ts';

/** One input of the report: a summary's outputs, or a seeded stage's outputs in seed order. */
export type ReportInput = LoadedArtifacts | readonly LoadedArtifacts[];

/**
 * The cached outputs the report reads, by input name (each experiment's report part names its own: `toy2d`,
 * `fashion`, `theory` (the `fashion.theory[seed]` outputs in seed order), …); an experiment switched off is absent.
 */
export type ReportInputs = Readonly<Record<string, ReportInput | undefined>>;

/** The summary outputs of input `name`, when present. */
export function single(inputs: ReportInputs, name: string): LoadedArtifacts | undefined {
  const x = inputs[name];
  if (Array.isArray(x)) throw new Error(`report input ${name}: one summary expected, got ${x.length} seeded outputs`);
  return x as LoadedArtifacts | undefined;
}

/** The seeded outputs of input `name` in seed order, when present. */
export function seeded(inputs: ReportInputs, name: string): readonly LoadedArtifacts[] | undefined {
  const x = inputs[name];
  if (x !== undefined && !Array.isArray(x)) throw new Error(`report input ${name}: seeded outputs expected, got one summary`);
  return x as readonly LoadedArtifacts[] | undefined;
}
