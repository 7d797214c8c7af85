/** Every command of `sgd-noise`, one line each (command.ts says what one declares). */
import { cacheCommand } from './cache.ts';
import { cancelCommand } from './cancel.ts';
import type { Command } from './command.ts';
import { dagCommand } from './dag.ts';
import { diffCommand } from './diff.ts';
import { execCommand } from './exec.ts';
import { gcCommand } from './gc.ts';
import { lsCommand } from './ls.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { runsCommand } from './runs.ts';
import { exportCommand, showCommand } from './show.ts';
import { statusCommand } from './status.ts';

/** The commands `main` knows, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  run: runCommand,
  exec: execCommand,
  status: statusCommand,
  cancel: cancelCommand,
  dag: dagCommand,
  ls: lsCommand,
  show: showCommand,
  report: reportCommand,
  runs: runsCommand,
  diff: diffCommand,
  export: exportCommand,
  gc: gcCommand,
  cache: cacheCommand,
};
