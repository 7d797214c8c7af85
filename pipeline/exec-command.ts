/**
 * `sgd-noise exec <instance> --key K --remote R`: what a cluster job runs on its node. It rebuilds the plan from
 * the same project, profile and overrides as the coordinator, and then:
 *
 * 1. checks that the rebuilt key of the instance equals `--key` (else the node sees another config, project version
 *    or input files, and computing would store something the coordinator never asked for);
 * 2. pulls the instance's inputs from the remote (verified) into a node-local cache, a fresh directory under
 *    `--node-cache DIR` or `$TMPDIR`, removed at the end;
 * 3. runs the stage in this process (`executeStage`, as every executor does), with `ctx.threads` the CPUs granted
 *    (`$SLURM_CPUS_PER_TASK`, else `--threads`) and `ctx.gpus` those asked for (`--gpus`, default 0);
 * 4. pushes the committed entry to the remote (only committed entries are pushed, blobs before the manifest, so no
 *    half-written entry can reach it).
 *
 * Progress, log lines and the outcome go to stdout as protocol lines (job-protocol.ts), which Slurm writes to the
 * job's log in the shared directory; the last is `done` or `error` (the stage's error). Exit code 0, else 1 (a stage
 * failure), 2 (bad usage) or 143 when cancelled by SIGTERM (scancel).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pullEntries, pushEntries, type CacheRemote } from '../cache/remote.ts';
import { describeFileType, UnexpectedFileError } from '../cache/safe-file.ts';
import { CacheStore } from '../cache/store.ts';
import { FileError, UsageError } from './errors.ts';
import { makeDirs } from './make-dirs.ts';
import { executeStage } from './execute.ts';
import { formatJobLine, type JobLine } from './job-protocol.ts';
import type { Plan } from './plan.ts';
import type { RunFacts } from './stage.ts';

/** What `exec` needs. */
export interface ExecOptions {
  plan: Plan;
  instance: string;
  key: string;
  remote: CacheRemote;
  /** Directory under which the fresh node-local cache is made (default `$TMPDIR`, else the OS temporary directory). */
  nodeCacheBase?: string;
  /** CPUs asked for; `$SLURM_CPUS_PER_TASK` (the CPUs Slurm granted) wins when set. Default 1. */
  threads?: number;
  /** GPUs the job asked for (Slurm starts it only once they are granted): `ctx.gpus`. Default 0. */
  gpus?: number;
  run: RunFacts;
  /** Where protocol lines go (default stdout). */
  write?: (text: string) => void;
}

/** Runs one instance as described in the module comment; resolves with the exit code. */
export async function execInstance(opts: ExecOptions): Promise<number> {
  const write = opts.write ?? ((text: string) => void process.stdout.write(text));
  const line = (l: JobLine) => write(formatJobLine(l));
  const node = opts.plan.nodes.get(opts.instance);
  if (!node) throw new UsageError(`exec: ${opts.instance} is not a stage instance of this plan (see 'sgd-noise dag')`);
  if (!/^[0-9a-f]{64}$/.test(opts.key)) throw new UsageError(`exec: --key must be a 64-digit hex cache key, received '${opts.key}'`);
  const controller = new AbortController();
  const onTerm = (sig: NodeJS.Signals) => {
    controller.abort(new Error(`cancelled by ${sig}`));
    // A stage that never checks its signal would run on until Slurm's SIGKILL: nothing it does now can be stored.
    setTimeout(() => {
      line({ type: 'error', message: `${opts.instance}: cancelled by ${sig}` });
      process.exit(143);
    }, 1000).unref();
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  const base = opts.nodeCacheBase ?? process.env.TMPDIR ?? tmpdir();
  let dir: string | undefined;
  let cache: CacheStore | undefined;
  try {
    if (node.key !== opts.key) {
      throw new Error(
        `${opts.instance}: the key rebuilt on this node (${node.key}) is not the coordinator's (${opts.key}): ` +
          'the node sees another project version, config or input files; install the same version on every node and use the same profile and overrides',
      );
    }
    const granted = Number(process.env.SLURM_CPUS_PER_TASK);
    const threads = Number.isInteger(granted) && granted >= 1 ? granted : (opts.threads ?? 1);
    // The base is the user's (a link to a scratch directory is fine), but it must be a directory; the node cache in it
    // is a fresh directory of mode 0700 (mkdtemp), so nobody else can put a FIFO or a link where its files go.
    const baseStats = statSync(base, { throwIfNoEntry: false });
    if (baseStats && !baseStats.isDirectory())
      throw new UnexpectedFileError(base, `is ${describeFileType(baseStats)}, expected a directory (--node-cache / $TMPDIR)`);
    try {
      makeDirs(base);
      dir = mkdtempSync(path.join(base, 'sgdn-exec-'));
    } catch (err) {
      throw new FileError(base, err, 'nodeCache');
    }
    const gpus = opts.gpus ?? 0;
    line({ type: 'start', instance: opts.instance, key: opts.key, host: hostname(), pid: process.pid, threads, ...(gpus > 0 ? { gpus } : {}), nodeCache: dir });
    try {
      cache = CacheStore.open(dir);
    } catch (err) {
      throw new FileError((err as { path?: string }).path ?? CacheStore.dataFile(dir), err, 'nodeCache');
    }
    const inputs = Object.values(node.inputKeys);
    if (inputs.length > 0) {
      const pulled = await pullEntries(opts.remote, cache, inputs);
      const bad = pulled.corrupt.filter((c) => !c.repaired).map((c) => c.reason);
      if (pulled.missing.length > 0 || bad.length > 0) {
        const names = Object.entries(node.inputKeys)
          .filter(([, k]) => pulled.missing.includes(k))
          .map(([n, k]) => `${n} (${node.deps[n]}, ${k.slice(0, 12)})`);
        throw new Error(
          `${opts.instance}: cannot get its inputs from the remote ${opts.remote.location}: ${[...(names.length ? [`missing ${names.join(', ')}`] : []), ...bad].join('; ')}`,
        );
      }
    }
    await executeStage(node, cache, {
      signal: controller.signal,
      progress: (done, total, note, elapsedMs, metrics) =>
        line({ type: 'progress', done, total, ...(note !== undefined ? { note } : {}), elapsedMs, ...(metrics ? { metrics } : {}) }),
      log: (message) => line({ type: 'log', message }),
      run: opts.run,
      threads,
      gpus,
      cacheRole: 'nodeCache',
    });
    const pushed = await pushEntries(cache, opts.remote, [node.key], { cleanup: false });
    if (pushed.entries.transferred + pushed.entries.present === 0) {
      throw new Error(
        `${opts.instance}: pushing its entry to the remote failed: ${pushed.corrupt.map((c) => c.reason).join('; ') || 'not in the node-local cache'}`,
      );
    }
    // The remote already held a different result for this key (another job's): it stays, and the log says so.
    for (const d of pushed.divergent)
      line({
        type: 'log',
        message: `${opts.instance}: the remote already holds a different result for this key, kept there (this job's is dropped): ${d.reason}`,
      });
    line({ type: 'done', key: node.key, pushed: pushed.entries.transferred > 0 });
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    line({ type: 'error', message: controller.signal.aborted ? `${opts.instance}: ${(controller.signal.reason as Error).message}` : message });
    return controller.signal.aborted ? 143 : 1;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onTerm);
    await cache?.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
