/**
 * A run as the comparison commands (`report --compare`, `diff`) see it, whatever named it: a run record, a profile
 * or a sweep point / override set. The resolver of run references (pipeline/run-refs.ts) makes these.
 */

/** A run as the comparison commands see it: its label, its configuration, and the cache entry of each instance. */
export interface RunView {
  /** Short name for legends and column heads: the run id (short), the profile, or the point label. */
  readonly label: string;
  /** Where it came from: a recorded run, or a configuration planned now. */
  readonly source: 'record' | 'profile' | 'point';
  readonly profile: string;
  /** The `key=value` overrides as typed. */
  readonly overrides: readonly string[];
  /** The resolved (validated) configuration. */
  readonly config: Record<string, unknown>;
  /** Instance id → cache key, for every instance of that run's plan (recorded keys for a record). */
  readonly instances: ReadonlyMap<string, string>;
}
