/**
 * The command line's shared option parsing: one `parseArgs` table for every command (plus each executor plugin's
 * flags), the split of positionals into the command, `key.path=value` overrides and targets, and the list syntax of
 * `--only` / `--force`.
 */
import { parseArgs } from 'node:util';
import { executorFlags } from '../executors/cli-options.ts';
import type { ExecutorPlugin } from '../executors/plugin.ts';
import { TRUST_OPTIONS } from '../trust-options.ts';

/** The options every command shares (`parseArgs`'s table), besides the executor plugins' flags. */
const OPTIONS = {
  profile: { type: 'string' },
  cache: { type: 'string' },
  project: { type: 'string' },
  remote: { type: 'string' },
  json: { type: 'boolean', default: false },
  only: { type: 'string', multiple: true },
  force: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean', default: false },
  'no-estimate': { type: 'boolean', default: false },
  jobs: { type: 'string' },
  gpus: { type: 'string' },
  'keep-going': { type: 'boolean', default: false },
  progress: { type: 'string' },
  mermaid: { type: 'boolean', default: false },
  output: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  'all-profiles': { type: 'boolean', default: false },
  md: { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  open: { type: 'boolean', default: false },
  compare: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
  key: { type: 'string' },
  'node-cache': { type: 'string' },
  'publish-dir': { type: 'string' },
  threads: { type: 'string' },
  sweep: { type: 'string', multiple: true },
  ...TRUST_OPTIONS,
  'max-instances': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The parsed values of the shared options; the executor plugins' flags are read by name (`flags`). */
export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** A parsed command line. */
export interface CommandLine {
  /** The command word (`run`, `cache`), undefined when none was given. */
  readonly command: string | undefined;
  readonly values: Values;
  /** Every flag as parsed, the executor plugins' included. */
  readonly flags: Readonly<Record<string, unknown>>;
  /** `key.path=value` overrides, in order (none with `--compare`, whose positionals are all run references). */
  readonly overrides: string[];
  /** The other positionals after the command: targets (instance ids, stages, patterns) or a subcommand. */
  readonly targets: string[];
  /** Every positional after the command, overrides included, in order. */
  readonly positionals: string[];
}

/** Whether a positional is a `key.path=value` override (anything else, such as `dyn[kind=sgd,seed=0]`, is a target). */
export const isOverride = (p: string): boolean => /^[A-Za-z_][\w-]*(\.[\w-]+)*=/.test(p);

/** Parses `argv` strictly (an unknown option is an error) against the shared options and the plugins' flags. */
export function parseCommandLine(argv: string[], executors: readonly ExecutorPlugin[]): CommandLine {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...OPTIONS, ...executorFlags(executors) } });
  const [command, ...rest] = positionals;
  // `report --compare A B …`: every positional is a run reference, `key=value[,…]` ones included, none an override.
  const compare = values.compare === true;
  return {
    command,
    values: values as Values,
    flags: values,
    overrides: compare ? [] : rest.filter(isOverride),
    targets: compare ? rest : rest.filter((p) => !isOverride(p)),
    positionals: rest,
  };
}

/**
 * `--only` / `--force` values: comma-separated lists, except commas inside [...] (instance ids: stage[kind=sgd,seed=0])
 * and inside a sweep point's label (left@a=1,b=2: a piece that looks like key=value after an `@` id continues that id).
 */
export function idList(xs: readonly string[] | undefined): string[] {
  return (xs ?? [])
    .flatMap((x) =>
      x.split(/,(?![^[]*\])/).reduce<string[]>((acc, piece) => {
        if (acc.length > 0 && acc.at(-1)!.includes('@') && /^[A-Za-z_][\w-]*(\.[\w-]+)*=/.test(piece)) acc[acc.length - 1] += `,${piece}`;
        else acc.push(piece);
        return acc;
      }, []),
    )
    .filter(Boolean);
}
