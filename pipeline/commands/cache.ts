/**
 * `sgd-noise cache …`: `keygen` (before any project is loaded), `verify` / `recover` (in child processes, before
 * this process opens the cache: cache-commands.ts) and `push` / `pull` / `status` against the remote.
 */
import { CacheSubcommandError, REMOTE_SUBCOMMANDS, runCacheCommand, runRemoteCommand } from '../cache-commands.ts';
import { selectInstances } from '../plan.ts';
import { runKeygen } from '../trust-options.ts';
import type { Command } from './command.ts';

/** The remote subcommand (push, pull, status) of a command line, if it names one. */
const remoteSub = (targets: readonly string[]) => REMOTE_SUBCOMMANDS.find((s) => s === targets[0]);

/** `cache`; see the module comment. */
export const cacheCommand: Command = {
  early: (cl) => (cl.positionals[0] === 'keygen' ? runKeygen(cl.values.out, (text) => process.stdout.write(`${text}\n`)) : undefined),
  remoteSubcommand: (cl) => remoteSub(cl.targets),
  remote(cl) {
    const sub = remoteSub(cl.targets);
    return (
      sub && {
        writes: sub === 'push',
        missing: `cache ${sub} needs a remote: --remote DIR (a directory or file:// URL every machine mounts) or $SGD_NOISE_REMOTE`,
      }
    );
  },
  cache: (cl) => (remoteSub(cl.targets) === 'pull' ? 'create' : 'read'),
  // The cache subcommands read a possibly damaged file in child processes only: this process never opens it.
  async beforeOpen({ targets, cacheDir, values, out }) {
    if (remoteSub(targets)) return undefined;
    if (targets.length !== 1) throw new CacheSubcommandError(targets[0]);
    return runCacheCommand(targets[0]!, cacheDir, { json: values.json, out: values.out, write: out });
  },
  async run({ targets, plan, values, resolved, cache, remote, keep, out }) {
    const selected = selectInstances(plan, targets.slice(1));
    const instances = plan.order.filter((id) => selected.has(id)).map((id) => ({ instance: id, key: plan.nodes.get(id)!.key }));
    return runRemoteCommand(remoteSub(targets)!, {
      json: values.json,
      write: out,
      profile: resolved.profile,
      cache,
      remote: remote!,
      instances,
      ...(keep ? { keep } : {}),
    });
  },
};
