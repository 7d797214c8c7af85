/**
 * Child-process entry: receives a WorkerJob over IPC, rebuilds the plan, runs the one instance with
 * `executeStage` (which commits to the cache atomically), and reports progress and the outcome over IPC.
 */
import { getOneMessage, sendMessage } from 'execa';
import path from 'node:path';
import { FILE_HASHES, FileHashCache } from '../cache/file-hashes.ts';
import { CacheStore } from '../cache/store.ts';
import { executeStage } from './execute.ts';
import { signalWithCheck, watchParent } from './parent-watch.ts';
import { buildPlan } from './plan.ts';
import { loadProject } from './project.ts';
import type { WorkerJob, WorkerMessage } from './worker-protocol.ts';

const send = (message: WorkerMessage): Promise<void> => sendMessage(message as never);

/** Exit code of a worker that stopped because its runner died. */
const EXIT_ORPHANED = 130;

// If the runner goes away (killed, crashed), there is nobody to report to: stop instead of finishing orphaned work.
// `disconnect` covers a free event loop; the parent watch covers long synchronous loops (progress and signal checks).
process.on('disconnect', () => process.exit(EXIT_ORPHANED));
const parent = watchParent(() => {
  process.stderr.write(`worker ${process.pid}: the runner died; stopping\n`);
  process.exit(EXIT_ORPHANED);
});

async function main(): Promise<void> {
  const job = (await getOneMessage()) as unknown as WorkerJob;
  const project = await loadProject(job.projectModule);
  // The runner has just hashed the declared files; its stat cache makes this rebuild read none of them again.
  // The runner has checked the plan's size (--max-instances): one point's plan is rebuilt here whatever its size.
  const plan = buildPlan(project.stages, job.config, {
    hashFile: FileHashCache.load(path.join(job.cacheDir, FILE_HASHES)).hash,
    maxInstances: Number.POSITIVE_INFINITY,
  });
  const found = plan.nodes.get(job.planInstance ?? job.instance);
  if (!found) throw new Error(`worker: instance ${job.planInstance ?? job.instance} is not in the plan rebuilt from the job's config`);
  // A sweep point's instance keeps its `@label` id (in messages and its manifest), as when it runs inline.
  const node = { ...found, instance: job.instance };
  if (node.key !== job.key) throw new Error(`worker: key mismatch for ${job.instance}: runner ${job.key}, worker ${node.key}`);
  const cache = CacheStore.open(job.cacheDir);
  cache.refresh();
  const controller = new AbortController();
  const pending: Promise<void>[] = [];
  await executeStage(node, cache, {
    signal: signalWithCheck(controller.signal, parent.check),
    progress: (done, total, note, elapsedMs, metrics) => void pending.push(send({ type: 'progress', done, total, note, elapsedMs, metrics })),
    heartbeat: parent.check,
    log: (message) => void pending.push(send({ type: 'log', message })),
    run: job.run,
    threads: job.threads,
    gpus: job.gpus,
  });
  await Promise.all(pending);
  await send({ type: 'done', key: node.key });
  await cache.close();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    try {
      await send({ type: 'error', message });
    } catch {
      process.stderr.write(`${message}\n`);
    }
    process.exit(1);
  },
);
