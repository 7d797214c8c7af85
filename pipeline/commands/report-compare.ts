/**
 * `sgd-noise report --compare A B …`: resolves the run references, reads every run's report-stage inputs from the
 * cache (refusing, exit 1, with what is missing and the command that computes it, when any is not cached), hands them
 * to the project's compare renderer (`compareReport`) and writes its files atomically to
 * `<publish dir>/reports/compare-<labels or hash>/` or `--out DIR`. Nothing is computed and nothing enters the cache.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { NDArray } from '../../cache/values.ts';
import { UsageError } from '../errors.ts';
import { lineageOf } from '../execute.ts';
import { shellQuote } from '../executors/slurm/executor.ts';
import type { CompareRun } from '../project.ts';
import { writeOutputFile } from '../publish.ts';
import { resolveRunRefs } from '../run-refs.ts';
import type { RunView } from '../run-view.ts';
import { loadViewInputs, uncachedInputs, viewStageInputs, type ViewInput } from '../view-inputs.ts';
import type { CommandContext } from './command.ts';

/** Where a comparison was written, and the labels of its runs in order. */
export interface ComparisonWritten {
  readonly index: string;
  readonly labels: readonly string[];
}

/** Folder names longer than this become `compare-<hash>`. */
const MAX_FOLDER = 80;

/**
 * The folder of a comparison under `reports/`: `compare-` and the labels joined by `_vs_` (characters other than
 * letters, digits and `._=+-` as `_`), or `compare-` and 12 hex digits of their hash when that is long or empty.
 * Example: `compareFolder(['quick', 'fashion.dynamics.lr=0.05'])` is `compare-quick_vs_fashion.dynamics.lr=0.05`.
 */
export function compareFolder(labels: readonly string[]): string {
  const slug = labels.map((l) => l.replace(/[^A-Za-z0-9._=+-]+/g, '_')).join('_vs_');
  if (slug.length > 0 && slug.length <= MAX_FOLDER && !slug.startsWith('.')) return `compare-${slug}`;
  return `compare-${createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 12)}`;
}

/** The views with unique labels: a label seen before gets ` #2`, ` #3`, … (the same reference given twice). */
export function uniqueLabels(views: readonly RunView[]): RunView[] {
  const seen = new Map<string, number>();
  return views.map((v) => {
    const n = (seen.get(v.label) ?? 0) + 1;
    seen.set(v.label, n);
    return n === 1 ? v : { ...v, label: `${v.label} #${n}` };
  });
}

/** The command that computes a run's missing entries (with the command's own `--project` and `--cache`, if given). */
function runCommandOf(view: RunView, flags: { project?: string; cache?: string }): string {
  const given = (['project', 'cache'] as const).flatMap((f) => (flags[f] === undefined ? [] : [`--${f}`, flags[f]!]));
  return ['sgd-noise', 'run', '--profile', view.profile, ...view.overrides, ...given].map(shellQuote).join(' ');
}

/**
 * Renders and writes the comparison of the command's run references (its targets); undefined when some run's report
 * inputs are not cached (the message, naming them per run with the command that computes them, is on stderr).
 */
export async function renderComparison(ctx: CommandContext): Promise<ComparisonWritten | undefined> {
  const { project, targets, values, cache } = ctx;
  if (targets.length < 2)
    throw new UsageError(`report --compare takes two or more run references (HEAD~n, run ids, profiles or key=value[,key=value…]); got ${targets.length}`);
  if (project.reportStage === undefined || project.compareReport === undefined) {
    throw new UsageError(
      `project ${project.name} cannot compare runs (it declares no ${project.reportStage === undefined ? 'reportStage' : 'compareReport'} in defineProject)`,
    );
  }
  const stage = project.reportStage;
  const views = uniqueLabels(
    resolveRunRefs(targets, { project, cacheDir: ctx.cacheDir, profile: values.profile, planFor: ctx.planFor, maxInstances: ctx.maxInstances }),
  );
  const planned = views.map((view) => ({
    view,
    inputs: viewStageInputs(project.stages, view, stage, { hashFile: ctx.fileHashes.hash, maxInstances: ctx.maxInstances }),
  }));
  const lacking = planned.map((p) => ({ ...p, missing: uncachedInputs(cache, p.inputs) })).filter((p) => p.missing.length > 0);
  if (lacking.length > 0) {
    process.stderr.write(missingMessage(lacking, values));
    return undefined;
  }
  const runs: CompareRun[] = planned.map(({ view, inputs }) => ({
    view,
    inputs: loadViewInputs(cache, inputs),
    lineage: lineageOf(
      cache,
      inputs.map((i) => i.key),
    ),
  }));
  const files = await project.compareReport(runs, (line) => process.stderr.write(`${line}\n`));
  const labels = views.map((v) => v.label);
  const dir = values.out !== undefined ? path.resolve(values.out) : path.join(ctx.publishRoot, 'reports', compareFolder(labels));
  writeFiles(dir, files);
  return { index: path.join(dir, 'index.html'), labels };
}

/** The refusal: per run, the report inputs that are not cached, and the command that computes them. */
function missingMessage(
  lacking: readonly { view: RunView; inputs: readonly ViewInput[]; missing: readonly ViewInput[] }[],
  flags: { project?: string; cache?: string },
): string {
  const lines = ['the comparison renders from cached outputs only, and some runs lack report inputs:'];
  for (const { view, inputs, missing } of lacking) {
    lines.push(`  run '${view.label}': ${missing.length} of its ${inputs.length} report inputs are not cached:`);
    for (const m of missing) lines.push(`    ${m.instance}`);
    lines.push(`    compute them with: ${runCommandOf(view, flags)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes each file under `dir` atomically (temp + rename); a path that would leave `dir` is refused. */
function writeFiles(dir: string, files: Readonly<Record<string, string | Uint8Array>>): void {
  if (!Object.hasOwn(files, 'index.html')) throw new Error('the compare renderer gave no index.html');
  for (const [rel, contents] of Object.entries(files)) {
    const target = path.resolve(dir, rel);
    if (!target.startsWith(dir + path.sep)) throw new Error(`compare renderer file '${rel}' would be written outside ${dir}`);
    writeOutputFile(target, typeof contents === 'string' ? contents : new NDArray(contents, [contents.length]));
  }
}
