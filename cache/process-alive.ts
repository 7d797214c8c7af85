/** Whether a process exists, for telling live holders of a file from ones a crash or kill -9 left behind. */

/** True when process `pid` exists (also when it belongs to another user: EPERM means it is there). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
