/**
 * The experiment configuration of sgd-noise: one zod schema (strict: unknown keys are errors) and named profiles.
 * `quick` is the default of `npm start`; `paper` follows the paper's protocols. Override any key from the CLI:
 * `sgd-noise run report.title="my run"`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineProject } from './pipeline/project.ts';
import { stages } from './stages/registry.ts';

/** The configuration schema. */
export const configSchema = z
  .object({
    /** Root seed; every stage that reads `seed` derives its own from it and its instance id. */
    seed: z.number().int(),
    /** tfjs backend for the numerical stages. */
    backend: z.enum(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']),
    report: z
      .object({
        title: z.string().min(1),
        /** Directory (relative to the project root) the report files are written to. */
        dir: z.string().min(1),
      })
      .strict(),
  })
  .strict();

/** A complete configuration. */
export type Config = z.infer<typeof configSchema>;

const quick: Config = {
  seed: 20190609,
  backend: 'wasm',
  report: { title: 'sgd-noise: quick profile', dir: 'reports/quick' },
};

const paper: Config = {
  ...quick,
  report: { title: 'sgd-noise: paper profile', dir: 'reports/paper' },
};

export default defineProject({
  name: 'sgd-noise',
  root: path.dirname(fileURLToPath(import.meta.url)),
  configSchema,
  profiles: { quick, paper },
  defaultProfile: 'quick',
  stages,
});
