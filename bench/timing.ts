/** Small timing helpers for the benchmarks (wall clock, medians). */
import { performance } from 'node:perf_hooks';

/** Milliseconds `fn` takes (awaiting it). */
export async function timeIt(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time (ms) of `f` over `reps` runs after one warm-up run. */
export function medianMs(f: () => void, reps: number): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Median wall time (ms) of the async `f` over `reps` runs after one warm-up run (`f` must await its reads). */
export async function medianMsAsync(f: () => Promise<unknown>, reps: number): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}
