/**
 * The usage text of `sgd-noise` (`--help`): the commands and options, with `run`'s executor flags and `status`'s jobs
 * built from the executor plugins' declarations.
 */
import { executorUsage, statusUsage } from '../executors/cli-options.ts';
import type { ExecutorPlugin } from '../executors/plugin.ts';
import { DEFAULT_MAX_INSTANCES, PLAN_COST_PER_INSTANCE } from '../plan-limits.ts';

/** Where a command's continuation lines start. */
const INDENT = ' '.repeat(11);

/** The usage text, with the flags of `executors`. */
export function usage(executors: readonly ExecutorPlugin[]): string {
  return `usage: sgd-noise <command> [options] [key.path=value ...]

commands:
  run      run the pipeline      [--only ID ...] [--force ID] [--dry-run] [--no-estimate] [--jobs N] [--gpus N]
           [--keep-going] [--progress auto|plain|json]
           --jobs N: cores to use (default: all); --gpus N: GPUs local runs may use (default 1; 0: none): a stage
           that declares gpus = g waits until g are free, CPU-only stages run beside it, one needing more than N
           fails; --dry-run: what would run, with estimated CPU times;
           --no-estimate: measure no operation costs (the dry-run shows no times; a run orders stages by number of
           dependents instead of by critical path); --progress: how events reach stderr: auto (default: live bars
           on a TTY, plain lines otherwise), plain (lines), json (one JSON event per line, metrics included)
           ${executorUsage(executors, INDENT)}
  exec     <instance> --key K --remote R   run one instance as a cluster job does (pull inputs, run, push)
           [--node-cache DIR] [--threads N] [--gpus N]
  status   fresh or stale (and why) per stage instance; fresh entries are verified  [--quick: existence only]${statusUsage(executors, INDENT)}
  cancel   stop the coordinator of this cache's batch run (run --detach's job, or one started here) and every
           job it submitted; waits until the scheduler shows none of them (exit 0 also when nothing runs)
  dag      the stage graph        [--mermaid]
  ls       cache entries
  show     <stage|instance|key>   metadata, config slice, inputs, output summaries  [--output NAME [--format csv]]
  report   render the report from cached outputs only and print its path   [--open]
  report --compare A B [C…]   one report overlaying two or more runs (run references, as for diff below),
           from cached outputs only; written to reports/compare-<labels>/ (--out DIR: there)   [--open] [--json]
  runs     the recorded runs (<cache>/runs/), newest first: outcome, wall time, commit, and their headline metrics
           and claims read from the cache  [--json: every record whole]
  diff     [A] [B]   what differs between two runs: config keys, headline metrics (with the change), claims and
           deviation rows, instances (shared: same key)  [--md: Markdown for a pull request] [--all: unchanged rows too]
           A, B: HEAD, HEAD~n, a run id or its prefix, a profile, or key=value[,key=value] (a point on --profile;
           PROFILE:key=value for another); default the last two runs, one given: it against the newest
  export   <stage|instance|key>   [--output NAME] [--out FILE] [--format json|csv]
  gc       drop entries the current config does not reach, then compact  [--all-profiles] [--dry-run]
           (needs the cache alone: refuses while another sgd-noise process uses it)
  cache verify    check every blob and manifest; exit 1 if anything is bad
  cache recover   copy every entry that verifies into a fresh file and swap it in, keeping the old one aside
                  [--out DIR: write the fresh cache there instead]
  cache push [targets…]    upload to the remote the entries it lacks (targets: instances or stages, with their
                           ancestors; none = the whole plan of the profile)
  cache pull [targets…]    download from the remote the entries the local cache lacks (creates the local cache)
  cache status [targets…]  what each side lacks, any corrupt or refused entry, and entries both sides hold with
                           different results (which outputs, where and when each was computed); exit 1 if any
           push/pull [--keep local|remote]: where both sides hold an entry with different results, push --keep local
           replaces the remote's, pull --keep remote the local one (without --keep both are kept and reported)
  cache keygen [--out FILE]  make an ed25519 key pair for signing (default ~/.config/sgd-noise/signing-key, mode
                           0600; never overwrites) and print the line for the allowed signers file

options:
  --profile P      config profile (default: the project's default)
  --cache DIR      cache directory (default: $SGD_NOISE_CACHE or .sgd-noise-cache in the project root)
  --project FILE   project module (default: pipeline.config.ts)
  --publish-dir DIR  where run and report write published files (reports/…; their paths are relative to it;
                   default: the project root)
  --remote R       cache remote: a directory or file:// URL every machine mounts (default: $SGD_NOISE_REMOTE);
                   \`run\` then pulls entries missing locally from it and pushes every entry it computes
  --signing-key FILE     sign every manifest written to the remote (default: $SGD_NOISE_SIGNING_KEY; none: unsigned)
  --allowed-signers FILE refuse remote entries not signed by a key listed there, one 'NAME ssh-ed25519 KEY' a line
                   (default: $SGD_NOISE_ALLOWED_SIGNERS, else the project's allowedSigners; none: not required).
                   Keep it in the git repository or your home, never in the remote (docs/remote.md: who can forge what)
  --json           machine-readable output on stdout (inspection commands and run)
  --debug          print stack traces with errors
  --sweep K=V1,V2  run (and resolve for status, dag, ls, show, export, gc, cache) one plan per value of config key K
                   (values parsed as overrides: JSON, else a string; commas always separate values); several --sweep
                   give their product. Instances that read a swept key (or lie below one) get one id per point,
                   ID@K=V[,K2=V2]; the rest are shared. With 2+ points and a project sweepSummary, the instance
                   sweep.summary holds one row per point (export sweep.summary --output rows --format csv)
  --max-instances N  the most stage instances to plan (default ${DEFAULT_MAX_INSTANCES}); a sweep counts its points ×
                   the instances per point and is refused before planning when over it (planning takes about
                   ${PLAN_COST_PER_INSTANCE.ms} ms and ${PLAN_COST_PER_INSTANCE.kib} KiB per instance)
  --only/--force take ids, stage ids or globs, repeated or comma-separated.`;
}
