/**
 * The `sgd-noise` command line: parses it (commands/options.ts), finds the command in the table (commands/table.ts),
 * runs the shared setup (commands/setup.ts) and the command, and turns any error into one message and an exit code.
 * Inspection commands take `--json` and then print only JSON on stdout; progress and messages go to stderr.
 */
import { CacheError, RemoteConfigError } from '../cache/errors.ts';
import { unwrapCommitFailure } from '../cache/lmdb-errors.ts';
import { CacheSubcommandError } from './cache-commands.ts';
import type { CliContext } from './commands/command.ts';
import { parseCommandLine } from './commands/options.ts';
import { resolveRun, setUp } from './commands/setup.ts';
import { COMMANDS } from './commands/table.ts';
import { usage } from './commands/usage.ts';
import { ConfigError } from './config.ts';
import { UsageError, describeError, muteLibraryErrorLogs } from './errors.ts';
import { EXECUTORS } from './executors/index.ts';
import type { ExecutorPlugin } from './executors/plugin.ts';
import { PlanError } from './plan.ts';

export type { CliContext } from './commands/command.ts';
export { UsageError } from './errors.ts';

/**
 * Exit codes: 0 success, 1 a stage failed, 2 bad usage or configuration, 128+n killed by signal n. `executors`: the
 * executor plugins `run --executor` knows (default: the registry, executors/index.ts).
 */
export async function main(argv: string[], context: CliContext = {}, executors: readonly ExecutorPlugin[] = EXECUTORS): Promise<number> {
  const cl = parseCommandLine(argv, executors);
  const { command: name, values } = cl;
  if (values.help || !name) {
    process.stdout.write(`${usage(executors)}\n`);
    return name || values.help ? 0 : 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (values.compare && command && !command.takesCompare) throw new UsageError(`--compare is an option of report, not of ${name}`);
  const early = command?.early?.(cl);
  if (early !== undefined) return early;
  const run = await resolveRun(command?.ownArguments ? { ...cl, overrides: [], targets: cl.positionals } : cl, context);
  if (command?.direct) return command.direct(run);
  const ctx = await setUp(run, command, executors, () => new UsageError(`unknown command '${name}'\n${usage(executors)}`));
  return typeof ctx === 'number' ? ctx : command!.run(ctx);
}

/** Runs `main` and turns any error into one message and an exit code (a stack trace only with `--debug`). */
export async function runCli(argv: string[]): Promise<never> {
  const debug = argv.includes('--debug');
  if (!debug) muteLibraryErrorLogs();
  const context: CliContext = {};
  let code: number;
  try {
    code = await main(argv, context);
  } catch (thrown) {
    const err = await unwrapCommitFailure(thrown); // also handles its commitError, which would print a stack trace
    const isUsage = (e: unknown) =>
      e instanceof ConfigError || e instanceof PlanError || e instanceof UsageError || e instanceof CacheSubcommandError || e instanceof RemoteConfigError;
    if (err instanceof CacheError && !debug) {
      process.stderr.write(`sgd-noise: ${err.message}\n`);
      code = err instanceof RemoteConfigError ? 2 : 1;
    } else {
      const report = describeError(err, { debug, isUsage, file: context.cacheFile });
      process.stderr.write(`sgd-noise: ${report.message}\n`);
      code = report.exitCode;
    }
  }
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}

/**
 * Resolves once everything written to `stream` so far has been handed to the OS. Writes to a pipe are asynchronous in
 * Node, and `process.exit` drops what is still queued: `sgd-noise export … | jq` lost all but the first 64 KiB. A
 * reader that has gone away (`| head`) is not an error here.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.on('error', () => resolve());
    stream.write('', () => resolve());
  });
}
