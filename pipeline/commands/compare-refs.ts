/**
 * STAND-IN, to be replaced by the resolver of pipeline/run-refs.ts: turns the run references of
 * `report --compare A B …` into RunViews, knowing only two of their forms: a profile name (`quick`, that profile's
 * configuration now) and a `key=value[,key=value…]` override set (a sweep point's label) on `--profile` (default: the
 * project's default profile), optionally `PROFILE:key=value,…`. Run ids and `HEAD~n` are refused with that said.
 */
import { ConfigError } from '../config.ts';
import { UsageError } from '../errors.ts';
import type { Plan } from '../plan.ts';
import type { Project, ResolvedConfig } from '../project.ts';
import { resolveConfig } from '../project.ts';
import type { RunView } from '../run-view.ts';
import { isOverride } from './options.ts';

/** What the stand-in resolver needs from the command. */
export interface CompareRefContext {
  readonly project: Project;
  /** `--profile`, the base of `key=value` references (undefined: the project's default). */
  readonly profile: string | undefined;
  /** Plans a resolved configuration (the command's planner, with its file-hash cache). */
  readonly planFor: (resolved: ResolvedConfig) => Plan;
  /** `--max-instances`. */
  readonly maxInstances: number;
}

/** Splits `a.b=1,c=[1,2]` at the commas that start another `key=` (a JSON value may hold commas of its own). */
export function splitOverrideSet(text: string): string[] {
  return text.split(/,(?=[A-Za-z_][\w-]*(?:\.[\w-]+)*=)/);
}

/** The RunView of each reference, in order (stand-in; see the module comment). */
export function resolveCompareRefs(refs: readonly string[], ctx: CompareRefContext): RunView[] {
  return refs.map((ref) => resolveCompareRef(ref, ctx));
}

/** One reference: a profile name, or an override set with an optional `PROFILE:` in front. */
function resolveCompareRef(ref: string, ctx: CompareRefContext): RunView {
  const { project } = ctx;
  if (Object.hasOwn(project.profiles, ref)) return view(ref, 'profile', ref, [], ctx);
  const prefixed = /^([^:=,]+):(.*)$/s.exec(ref);
  const profile = prefixed ? prefixed[1]! : (ctx.profile ?? project.defaultProfile);
  const set = prefixed ? prefixed[2]! : ref;
  if (prefixed && !Object.hasOwn(project.profiles, profile)) {
    throw new UsageError(`run reference '${ref}': '${profile}' is not a profile (profiles: ${Object.keys(project.profiles).join(', ')})`);
  }
  const overrides = set === '' ? [] : splitOverrideSet(set);
  if (overrides.length === 0 || !overrides.every(isOverride)) {
    throw new UsageError(
      `run reference '${ref}' matches nothing: it is not a profile (${Object.keys(project.profiles).join(', ')}) nor a key=value[,key=value…] override set ` +
        '(run ids and HEAD~n name recorded runs, which this version of report --compare does not read yet)',
    );
  }
  return view(ref, 'point', profile, overrides, ctx);
}

/** Resolves and plans one configuration; a profile that declares a sweep is refused (a view is one configuration). */
function view(label: string, source: RunView['source'], profile: string, overrides: string[], ctx: CompareRefContext): RunView {
  let resolved: ResolvedConfig;
  try {
    resolved = resolveConfig(ctx.project, profile, overrides, [], { maxInstances: ctx.maxInstances });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.issues.map((i) => `run reference '${label}': ${i}`));
    throw err;
  }
  if (resolved.points.length > 0) {
    const first = resolved.points[0]!.point;
    throw new UsageError(
      `run reference '${label}': profile ${profile} sweeps ${Object.keys(first.values).join(', ')}, so it names ${resolved.points.length} runs; name one point, e.g. ${profile}:${first.label}`,
    );
  }
  const plan = ctx.planFor(resolved);
  return {
    label,
    source,
    profile,
    overrides,
    config: resolved.config,
    instances: new Map(plan.order.map((id) => [id, plan.nodes.get(id)!.key])),
  };
}
