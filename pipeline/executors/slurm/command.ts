/**
 * How the Slurm client runs a command: an injectable `CommandRunner` (tests record or fake outputs), the default one
 * over execa, and `SlurmCommandError`, whose message is one line naming the command, its exit code and the last line
 * of its stderr.
 */
import { dieWithParent } from '../../../cache/orphan-guard.ts';

/** What a finished command gave back. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options passed to a `CommandRunner`. */
export interface CommandOptions {
  /** Variables added to the runner's environment (e.g. `SLURM_CONF`, a job's variables for sbatch to export). */
  env: Record<string, string>;
  /** Text written to the command's stdin (sbatch reads a batch script there). */
  input?: string;
  /** Kill the command after this many milliseconds. */
  timeoutMs: number;
}

/**
 * Runs `file` with `args` and resolves with its exit code and output whatever the exit code. Rejects only when the
 * command could not be run at all (a `SlurmCommandError`, e.g. not on PATH) or ran past `timeoutMs`.
 */
export type CommandRunner = (file: string, args: readonly string[], options: CommandOptions) => Promise<CommandResult>;

/** A Slurm command that could not run or failed. `message` is one line, e.g. `sbatch failed (exit code 1): sbatch: error: …`. */
export class SlurmCommandError extends Error {
  override name = 'SlurmCommandError';
  constructor(
    message: string,
    /** The command (`sbatch`) and its arguments. */
    readonly command: string,
    readonly args: readonly string[],
    /** Its exit code; undefined when it never ran or was killed. */
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The last non-empty line of `text` ('' when none). */
export function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop()
      ?.trim() ?? ''
  );
}

/** The error for a command that exited non-zero, e.g. `squeue failed (exit code 1): slurm_load_jobs error: …`. */
export function commandFailed(file: string, args: readonly string[], r: CommandResult): SlurmCommandError {
  const why = lastLine(r.stderr) || lastLine(r.stdout) || 'no output';
  return new SlurmCommandError(`${file} failed (exit code ${r.exitCode}): ${why}`, file, args, r.exitCode, r.stderr);
}

/**
 * The default runner: execa with the current environment plus `options.env`, never rejecting on an exit code; the
 * command dies with this process.
 */
export const execaRunner: CommandRunner = async (file, args, options) => {
  const { execa } = await import('execa'); // loaded on first use (see pipeline/child-cost.ts)
  const r = await execa(...dieWithParent(file, args, options.env?.PATH ?? process.env.PATH), {
    env: options.env,
    reject: false,
    timeout: options.timeoutMs,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
  });
  if (r.timedOut) {
    throw new SlurmCommandError(`${file} did not finish within ${options.timeoutMs} ms (is slurmctld reachable?)`, file, args, undefined, r.stderr);
  }
  if (r.exitCode === undefined) {
    const code = (r.cause as NodeJS.ErrnoException | undefined)?.code;
    const message =
      code === 'ENOENT'
        ? `${file} not found on PATH: install Slurm's client commands (Debian: slurm-client or slurm-wlm) or fix PATH`
        : `${file} could not be run: ${lastLine(r.shortMessage ?? String(r.cause))}`;
    throw new SlurmCommandError(message, file, args, undefined, r.stderr);
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
};
