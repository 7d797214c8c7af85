/** Runs one stage instance in a child Node process (execa), relaying its progress; results come through the cache. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecHooks } from './execute.ts';
import { diskFullNote } from './errors.ts';
import { StageFailure } from './execute.ts';
import { EXIT_WITH_PARENT_OPTIONS } from '../cache/orphan-guard.ts';
import type { WorkerJob, WorkerMessage } from './worker-protocol.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** Grace period between SIGTERM and SIGKILL when a child is cancelled. */
const KILL_GRACE_MS = 3000;

/** Starts a worker for `job`, forwards its messages to `hooks`, and resolves when it has committed its outputs. */
export async function runInChild(job: WorkerJob, hooks: ExecHooks): Promise<void> {
  const { execaNode } = await import('execa'); // loaded on first use (see child-cost.ts)
  const child = execaNode(WORKER, [], {
    nodeOptions: [...EXIT_WITH_PARENT_OPTIONS, '--import', TSX],
    ipc: true,
    serialization: 'advanced',
    cancelSignal: hooks.signal,
    forceKillAfterDelay: KILL_GRACE_MS,
    reject: false,
    stdout: 'ignore',
    stderr: 'pipe',
    stdin: 'ignore',
    env: { SGD_NOISE_WORKER: '1' },
  });
  let reported: string | undefined;
  let finished = false;
  const relay = (async () => {
    await child.sendMessage(job as never);
    for await (const raw of child.getEachMessage()) {
      const message = raw as unknown as WorkerMessage;
      if (message.type === 'progress') hooks.progress(message.done, message.total, message.note, message.elapsedMs, message.metrics);
      else if (message.type === 'log') hooks.log(message.message);
      else if (message.type === 'error') reported = message.message;
      else if (message.type === 'done') finished = message.key === job.key;
    }
  })().catch(() => undefined); // the channel closes when the child dies; the exit status below says why
  const result = await child;
  await relay;
  if (hooks.signal.aborted) throw hooks.signal.reason ?? new Error('cancelled');
  if (result.exitCode === 0 && finished) return;
  if (reported) throw new StageFailure(reported);
  const why = lastLines(String(result.stderr ?? ''), 8);
  const how = result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  // A worker that crashes (glibc abort, SIGBUS) while the disk is full has no message of its own: name the cause.
  const full = diskFullNote(path.join(job.cacheDir, 'cache.mdb'));
  throw new StageFailure(`${job.instance}: worker process ${how}${full ? ` while the cache's disk is full: ${full}` : ''}${why ? `:\n${why}` : ''}`);
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
