/** Reading a config key a profile may leave out (the cost models read the whole config, where it may be absent). */
import type { ConfigReader } from '../pipeline/stage.ts';

/** An optional config value (a key the profile may leave out), or undefined. */
export function optionalConfig<T>(cfg: ConfigReader, path: string): T | undefined {
  try {
    return cfg<T>(path);
  } catch {
    return undefined;
  }
}
