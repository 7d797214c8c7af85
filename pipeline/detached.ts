/**
 * A detached coordinator: a run that `run --detach` submitted as a batch job of its own. Its job script sets
 * {@link DETACHED_ENV}; there, SIGTERM (what a scheduler sends at the job's time limit, on `scancel` of it, or before
 * a node goes down for maintenance) makes the run leave its jobs running for the next run to adopt, instead of
 * cancelling them as a Ctrl-C in a terminal does. `sgd-noise cancel` cancels the coordinator and then its jobs.
 */
import type { Executor } from './executor.ts';

/** The environment variable that marks a detached coordinator (`1`), set by its job script. */
export const DETACHED_ENV = 'SGD_NOISE_DETACHED';

/** Whether this process is a detached coordinator. */
export function isDetachedCoordinator(): boolean {
  return process.env[DETACHED_ENV] === '1';
}

/**
 * On SIGTERM in a detached coordinator whose executor can leave its jobs: leaves them (the jobs file says so), says
 * so on stderr and ends the process at once, as the signal would. Anywhere else it returns and the caller cancels the
 * run as usual.
 */
export function leaveJobsIfDetached(sig: NodeJS.Signals, executor: Executor | undefined): void {
  if (sig !== 'SIGTERM' || !isDetachedCoordinator() || !executor?.leave) return;
  executor.leave();
  process.stderr.write(
    `\n${sig}: this detached coordinator stops here and leaves its jobs running; the same command, run again, adopts them (\`sgd-noise cancel\` cancels them)\n`,
  );
  // The signal's default action, raised again (exit status 143), as run.ts's second signal does.
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
  process.exit(143);
}
