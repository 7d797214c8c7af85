/**
 * Timing of one operation for cost estimates: warm-up calls, then the median of timed repetitions. On the CPU
 * backends the clock is the CPU time of this process (user + system, all its threads), so that other work on a shared
 * machine inflates it far less than wall-clock time; on a GPU backend (webgpu) the work happens on the device, which
 * CPU time does not see, so the clock is the wall clock and each timed call ends by awaiting a read of its result
 * (the read waits for the device to finish: `clockFor`, `medianMsAsync`).
 */

/** CPU milliseconds this process has used so far (a clock for `medianMs`). */
export function cpuClock(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall-clock milliseconds (a clock for `medianMsAsync` on a GPU backend). */
export function wallClock(): number {
  return performance.now();
}

/** The clock costs are measured with on a backend (tf.getBackend() name): wall time on webgpu, else CPU time. */
export function clockFor(backend: string): { clock: () => number; unit: 'CPU' | 'wall' } {
  return backend === 'webgpu' ? { clock: wallClock, unit: 'wall' } : { clock: cpuClock, unit: 'CPU' };
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
  return median(times);
}

/**
 * `medianMs` of an async `fn`, each call awaited inside the timed region (so a call that ends by awaiting a read of
 * its result on the GPU is timed until the device has finished). Example: `await medianMsAsync(async () => { await
 * readTensor(g) }, 5, 1, wallClock)`.
 */
export async function medianMsAsync(fn: () => Promise<void>, reps: number, warmup = 1, clock: () => number = cpuClock): Promise<number> {
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`medianMsAsync: reps must be a positive integer, got ${reps}`);
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = clock();
    await fn();
    times.push(clock() - t0);
  }
  return median(times);
}

function median(times: number[]): number {
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}
