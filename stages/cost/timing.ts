/** Timing of one operation for cost estimates: warm-up calls, then the median of timed repetitions. */

/** Median milliseconds of `reps` timed calls of `fn` after `warmup` untimed ones. Example: `medianMs(() => step(), 3)`. */
export function medianMs(fn: () => void, reps: number, warmup = 1): number {
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`medianMs: reps must be a positive integer, got ${reps}`);
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}
