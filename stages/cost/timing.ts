/**
 * Timing of one operation for cost estimates, in CPU time of this process (user + system, all its threads), so that
 * other work on a shared machine inflates it far less than wall-clock time: warm-up calls, then the median of timed
 * repetitions.
 */

/** CPU milliseconds this process has used so far (a clock for `medianMs`). */
export function cpuClock(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Median CPU milliseconds of `reps` timed calls of `fn` after `warmup` untimed ones. Example: `medianMs(() => step(), 3)`.
 */
export function medianMs(fn: () => void, reps: number, warmup = 1, clock: () => number = cpuClock): number {
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`medianMs: reps must be a positive integer, got ${reps}`);
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = clock();
    fn();
    times.push(clock() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}
