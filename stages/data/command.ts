/**
 * Running an external command (apt-get, dpkg-deb) behind a small injectable interface, so that fetchers can be tested
 * with a fake runner and report a failing command by its exit code and last line of stderr.
 */
import { dieWithParent } from '../../cache/orphan-guard.ts';

/** What a finished command left: its exit code (null when it could not start), output, and the start error. */
export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Why the command could not run at all, e.g. `apt-get is not on PATH`. */
  startError?: string;
}

/** Options of one command run. */
export interface CommandOptions {
  cwd: string;
  signal?: AbortSignal;
  /** Called with every complete line of stdout as it arrives (for progress). */
  onStdoutLine?: (line: string) => void;
}

/** Runs `file` with `args`; never throws for a non-zero exit or a missing program (see `CommandResult`). */
export type CommandRunner = (file: string, args: readonly string[], opts: CommandOptions) => Promise<CommandResult>;

/** The real runner (execa): no shell, `LC_ALL=C` so messages are stable, stdin closed; it dies with this process. */
export const runCommand: CommandRunner = async (file, args, opts) => {
  const { execa } = await import('execa'); // loaded on first use (see pipeline/child-cost.ts)
  const child = execa(...dieWithParent(file, args), {
    cwd: opts.cwd,
    reject: false,
    stdin: 'ignore',
    env: { LC_ALL: 'C' },
    cancelSignal: opts.signal,
    stripFinalNewline: false,
  });
  if (opts.onStdoutLine && child.stdout) {
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) opts.onStdoutLine!(line);
    });
  }
  const r = await child;
  const code = (r as { code?: string }).code;
  const startError =
    code === 'ENOENT' ? `${file} is not on PATH` : r.exitCode === undefined && !r.isCanceled ? (r.shortMessage ?? `${file} could not start`) : undefined;
  return { exitCode: r.exitCode ?? null, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), ...(startError ? { startError } : {}) };
};

/** The last non-empty line of a command's stderr (or stdout), for one-line failure reasons. */
export function lastLine(r: CommandResult): string {
  const last = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
  return last(r.stderr) ?? last(r.stdout) ?? '';
}

/** A one-line reason for a failed command: `apt-get update exited with 100: E: …`, or `apt-get is not on PATH`. */
export function describeFailure(what: string, r: CommandResult): string {
  if (r.startError) return r.startError;
  const line = lastLine(r);
  return `${what} exited with ${r.exitCode ?? 'a signal'}${line ? `: ${line}` : ''}`;
}
