/** `sgd-noise exec <instance> --key K --remote R`: runs one instance as a cluster job does (exec-command.ts). */
import path from 'node:path';
import { codeFacts } from '../code-facts.ts';
import { UsageError } from '../errors.ts';
import { execInstance } from '../exec-command.ts';
import { nonNegativeInteger, positiveInteger } from '../option-values.ts';
import { projectPlan } from '../project.ts';
import { openTrustedRemote } from '../trust-options.ts';
import type { Command, ResolvedRun } from './command.ts';
import { remoteLocation } from './setup.ts';

/** A cluster job: its cache is a fresh node-local directory, never the coordinator's. */
async function exec(run: ResolvedRun): Promise<number> {
  const { values, targets } = run;
  run.cli.cacheFile = undefined;
  if (targets.length !== 1) throw new UsageError('exec takes one stage instance id (and key=value overrides)');
  if (values.key === undefined) throw new UsageError('exec needs --key K: the cache key the coordinator computed for the instance');
  const location = remoteLocation(values);
  if (location === undefined) throw new UsageError('exec needs a remote: --remote DIR or $SGD_NOISE_REMOTE');
  const remote = await openTrustedRemote(location, run.trust, true);
  await remote.prepareWrite();
  return execInstance({
    plan: projectPlan(run.project, run.resolved),
    instance: targets[0]!,
    key: values.key,
    remote,
    ...(values['node-cache'] !== undefined ? { nodeCacheBase: path.resolve(values['node-cache']) } : {}),
    ...(values.threads !== undefined ? { threads: positiveInteger('--threads', values.threads, 'the CPUs the job was granted') } : {}),
    ...(values.gpus !== undefined ? { gpus: nonNegativeInteger('--gpus', values.gpus) } : {}),
    // The job's own checkout: the code that computes this entry (each node may see the shared checkout or its own copy).
    run: { profile: run.resolved.profile, overrides: run.overrides, code: await codeFacts(run.project.root) },
  });
}

/** `exec`: everything after the config is resolved is its own. */
export const execCommand: Command = {
  direct: exec,
  cache: () => 'none',
  run: () => Promise.reject(new Error('exec runs directly')),
};
