/**
 * What may reach a Slurm job script or sbatch's arguments, and how it is written there so that Slurm reads back
 * exactly the value meant: nothing can end an `#SBATCH` line early, add an option, or turn a path into a pattern.
 *
 * - An sbatch option (`--slurm-option`, the config's `slurm.options`, `#SBATCH` lines, extra sbatch arguments) is one
 *   argument starting with `-`, with no control character and its value attached (`--partition=gpu`, `-pgpu`). On
 *   an `#SBATCH` line it is written in double quotes when it holds anything but plain characters: sbatch splits those
 *   lines at blanks, takes quotes and backslashes as quoting and cuts at an unquoted `#` (src/sbatch/opt.c).
 * - A path Slurm writes a job's output to (`--output`, `--error`) is a filename pattern (`man sbatch`, "filename
 *   pattern"): every `%` is escaped as `%%`; a backslash is refused, because a path holding one is taken without
 *   expanding anything but with every backslash removed, so no path with a backslash can be named.
 * - An argument of the job's command is single-quoted for /bin/sh and may hold any character except NUL (no process
 *   argument can) and carriage return (sbatch refuses a script with a "\r\n" line break).
 *
 * ```ts
 * sbatchOptionProblem('--comment=a\nrm -rf ~'); // 'contains a newline (U+000A), which would end the #SBATCH line …'
 * directiveArgument('--comment=run #3');         // '"--comment=run #3"'
 * filenamePattern('/logs/100%/job.log');         // '/logs/100%%/job.log'
 * ```
 */

/** C0 controls, DEL and C1 controls: never part of an option, a path or a name Slurm is given. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const NAMES: Readonly<Record<string, string>> = { '\n': 'a newline', '\r': 'a carriage return', '\t': 'a tab', '\u0000': 'a NUL' };

/** The first control character in `s`, described (`a newline (U+000A)`); undefined when there is none. */
export function controlCharacter(s: string): string | undefined {
  const c = CONTROL.exec(s)?.[0];
  if (c === undefined) return undefined;
  return `${NAMES[c] ?? 'a control character'} (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
}

/** `s` with every control character replaced by `?`: for comments in a script and job names. */
export function printable(s: string): string {
  return s.replace(new RegExp(CONTROL.source, 'g'), '?');
}

/**
 * Why `opt` cannot be passed as one sbatch option, on an `#SBATCH` line or as an sbatch argument; undefined when it
 * can. The answer completes a sentence that starts with the option's name and value.
 */
export function sbatchOptionProblem(opt: string): string | undefined {
  const control = controlCharacter(opt);
  if (control !== undefined) {
    const line = /[\n\r]/.test(opt) ? ', which would end the #SBATCH line and run the rest as a shell command on the node' : '';
    return `contains ${control}${line}; an sbatch option holds no control character`;
  }
  if (!opt.startsWith('-') || opt === '-' || opt === '--') return "is not an sbatch option: expected one starting with '-', e.g. --partition=gpu";
  if (/^-[^-]\s/.test(opt) || /^--[^=]*\s/.test(opt)) {
    return 'has a blank after the option name: give one option with its value attached, e.g. --partition=gpu or -pgpu';
  }
  if (/hetjob|packjob/i.test(opt))
    return 'contains "hetjob" or "packjob", which sbatch reads on an #SBATCH line as the start of another heterogeneous job component';
  return undefined;
}

/** `opt` written for an `#SBATCH` line so that sbatch reads back exactly this one argument (see the module comment). */
export function directiveArgument(opt: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(opt) ? opt : `"${opt.replace(/["\\]/g, '\\$&')}"`;
}

/** Why Slurm cannot write a job's output to the path `p`; undefined when it can (with {@link filenamePattern}). */
export function slurmPathProblem(p: string): string | undefined {
  const control = controlCharacter(p);
  if (control !== undefined) return `contains ${control}; a path Slurm writes to holds no control character`;
  if (p.includes('\\'))
    return 'contains a backslash: Slurm removes every backslash from an output path (man sbatch, "filename pattern"), so the log would land elsewhere';
  return undefined;
}

/** The sbatch filename pattern naming exactly the path `p` (every `%` doubled). Throws when there is none. */
export function filenamePattern(p: string): string {
  const problem = slurmPathProblem(p);
  if (problem !== undefined) throw new Error(`${JSON.stringify(p)} ${problem}`);
  return p.replace(/%/g, '%%');
}

/** Why `arg` cannot be an argument of the job's command in its script; undefined when it can. */
export function argumentProblem(arg: string): string | undefined {
  if (arg.includes('\u0000')) return 'contains a NUL (U+0000), which no process argument can hold';
  if (arg.includes('\r')) return 'contains a carriage return (U+000D), and sbatch refuses a script with a "\\r\\n" line break';
  return undefined;
}

/** A value of a Slurm run and the option or config path it came from (`--slurm-option`, `slurm.options.2`). */
export interface NamedValue {
  name: string;
  value: string;
}

/** The values of a Slurm run, by what they become. */
export interface SlurmRunValues {
  /** `#SBATCH` lines of every job. */
  options: readonly NamedValue[];
  /** The directory the jobs' logs go to (`--output`). */
  logDir: NamedValue;
  /** Paths and names handed to sbatch or the jobs (remote, node cache, project, working directory). */
  plain: readonly NamedValue[];
  /** Other arguments of the jobs' command (overrides, sweeps). */
  args: readonly NamedValue[];
}

/**
 * The first value of a Slurm run that cannot reach the job script or sbatch as it is, as one line naming it, the
 * cause and the fix; undefined when every value can.
 */
export function slurmRunProblem(v: SlurmRunValues): string | undefined {
  const shown = (n: NamedValue) => `${n.name} ${JSON.stringify(n.value)}`;
  for (const o of v.options) {
    const problem = sbatchOptionProblem(o.value);
    if (problem !== undefined) return `${shown(o)} ${problem}`;
  }
  const log = slurmPathProblem(v.logDir.value);
  if (log !== undefined) return `${shown(v.logDir)} ${log}; choose another with --slurm-log-dir DIR`;
  for (const p of v.plain) {
    const control = controlCharacter(p.value);
    if (control !== undefined) return `${shown(p)} contains ${control}; no value handed to Slurm jobs may hold a control character`;
  }
  for (const a of v.args) {
    const problem = argumentProblem(a.value);
    if (problem !== undefined) return `${shown(a)} ${problem}`;
  }
  return undefined;
}

/**
 * Minutes of a Slurm time limit written as sbatch's `--time` takes it: `MINUTES`, `MINUTES:SECONDS`,
 * `HOURS:MINUTES:SECONDS`, `DAYS-HOURS`, `DAYS-HOURS:MINUTES` or `DAYS-HOURS:MINUTES:SECONDS` (seconds rounded up to
 * a minute, Slurm's granularity); undefined for anything else or a limit under a minute.
 *
 * ```ts
 * slurmTimeMinutes('7-00:00:00'); // 10080
 * slurmTimeMinutes('90');         // 90
 * slurmTimeMinutes('1:30:00');    // 90
 * ```
 */
export function slurmTimeMinutes(text: string): number | undefined {
  const m = /^(?:(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?|(\d+)(?::(\d+)(?::(\d+))?)?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  let seconds: number;
  if (m[1] !== undefined) seconds = ((n(m[1]) * 24 + n(m[2])) * 60 + n(m[3])) * 60 + n(m[4]);
  else if (m[7] !== undefined) seconds = (n(m[5]) * 60 + n(m[6])) * 60 + n(m[7]);
  else seconds = n(m[5]) * 60 + n(m[6]);
  const minutes = Math.ceil(seconds / 60);
  return Number.isSafeInteger(minutes) && minutes >= 1 ? minutes : undefined;
}

/** A time limit in minutes as Slurm prints one: `7-00:00:00`, `1:30:00`. */
export function formatSlurmTime(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const mm = String(minutes % 60).padStart(2, '0');
  return d > 0 ? `${d}-${String(h).padStart(2, '0')}:${mm}:00` : `${h}:${mm}:00`;
}
