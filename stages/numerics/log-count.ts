/** How often a logged loop logs (the cost models count evaluations by it). */

/** How many times a loop of `iterations` steps logs when it logs at 0, every `every` steps and at the last step. */
export function logCount(iterations: number, every: number): number {
  if (iterations === 0) return 1;
  return 1 + Math.floor(iterations / every) + (iterations % every === 0 ? 0 : 1);
}
