/** The seed indices of an experiment: `seedIndices(cfg, 'fashion.seeds')` → [0, 1, 2] when that key is 3. */
import type { ConfigReader } from '../pipeline/stage.ts';

/** Indices 0..n−1 where n is the value of the config key `key`. */
export function seedIndices(cfg: ConfigReader, key: string): number[] {
  return Array.from({ length: cfg<number>(key) }, (_, seed) => seed);
}
