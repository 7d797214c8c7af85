/** Per-stage seeds: a pure function of the root seed and the instance id, so scheduling order never matters. */
import { createHash } from 'node:crypto';

/** The 32-bit unsigned seed of `instance` under `rootSeed`. */
export function deriveSeed(rootSeed: number, instance: string): number {
  const digest = createHash('sha256').update(`sgd-noise/seed/${rootSeed}/${instance}`).digest();
  return digest.readUInt32BE(0);
}
