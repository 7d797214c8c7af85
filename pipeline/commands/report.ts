/**
 * `sgd-noise report`: renders the report stage the project declares (`reportStage` in defineProject) from cached
 * outputs only, and prints the path of its index.html (`--open`: opens it). `report --compare A B …` renders one
 * report over several runs instead (report-compare.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CacheStore } from '../../cache/store.ts';
import { codeFacts, type CodeFacts } from '../code-facts.ts';
import { UsageError } from '../errors.ts';
import { matchInstances, selectInstances, type Plan } from '../plan.ts';
import { failureLine } from '../progress.ts';
import { runToCompletion } from '../runner.ts';
import { noTargets, type Command } from './command.ts';
import { renderComparison } from './report-compare.ts';

/** `report`; see the module comment. */
export const reportCommand: Command = {
  cache: () => 'read',
  takesCompare: true,
  async run(ctx) {
    const { values, targets, project, plan, cache, resolved, overrides, publishRoot } = ctx;
    if (values.compare) {
      if (ctx.sweeps.length > 0) throw new UsageError('report --compare takes no --sweep: name each point as a reference (key=value[,key=value…])');
      const written = await renderComparison(ctx);
      if (written === undefined) return 1;
      if (values.json) process.stdout.write(`${JSON.stringify({ index: written.index, runs: written.labels })}\n`);
      else process.stdout.write(`${written.index}\n`);
      if (values.open) openInBrowser(written.index);
      return 0;
    }
    noTargets('report', targets);
    if (project.reportStage === undefined) throw new UsageError(`project ${project.name} declares no report stage (reportStage in defineProject)`);
    const code = await codeFacts(project.root);
    return renderReportFromCache(project.reportStage, plan, cache, resolved.profile, resolved.config, overrides, code, publishRoot, values.open, values.json);
  },
};

/**
 * `sgd-noise report`: runs only the report stage, refusing (exit 1) when any instance it depends on is not cached,
 * so rendering never recomputes an experiment; prints the path of the published index.html.
 */
async function renderReportFromCache(
  stage: string,
  plan: Plan,
  cache: CacheStore,
  profile: string,
  config: Record<string, unknown>,
  overrides: string[],
  code: CodeFacts,
  root: string,
  open: boolean,
  asJson: boolean,
): Promise<number> {
  if (!plan.nodes.has(stage)) {
    const perPoint = matchInstances(plan, stage);
    if (perPoint.length > 0) {
      throw new UsageError(
        `with this sweep the '${stage}' stage has one instance per point (${perPoint.join(', ')}); render one with: sgd-noise run --only 'ID' and the same --sweep flags`,
      );
    }
    throw new UsageError(`this project has no '${stage}' stage`);
  }
  const needed = [...selectInstances(plan, [stage])].filter((id) => id !== stage);
  const missing = needed.filter((id) => cache.lookup(plan.nodes.get(id)!.key).status !== 'hit');
  if (missing.length > 0) {
    process.stderr.write(
      `the report renders from cached outputs only, and ${missing.length} of the ${needed.length} stage instances it needs are not cached:
` +
        missing
          .map(
            (id) => `  ${id}
`,
          )
          .join('') +
        `run them first: sgd-noise run --profile ${profile}
`,
    );
    return 1;
  }
  let published: string | undefined;
  const summary = await runToCompletion(
    { plan, cache, scope: profile, config, selected: new Set([stage]), jobs: 1, publishRoot: root, overrides, code },
    (e) => {
      if (e.type === 'published' && e.instance === stage) published = e.file;
      if (e.type === 'failed') process.stderr.write(`${failureLine(e.instance, e.error)}\n`);
    },
  );
  if (!summary.ok) return 1;
  if (!published) throw new Error(`the '${stage}' stage published no files`);
  const index = published.endsWith(path.sep) ? path.join(published, 'index.html') : published;
  if (asJson)
    process.stdout.write(`${JSON.stringify({ index, rendered: summary.ran.includes(stage) })}
`);
  else
    process.stdout.write(`${index}
`);
  if (open) openInBrowser(index);
  return 0;
}

/** Opens `index` in the desktop's browser, detached; says on stderr when the opener cannot start. */
function openInBrowser(index: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [index], { detached: true, stdio: 'ignore' });
    child.on('error', () => process.stderr.write(`cannot start ${opener}; open ${index} in a browser\n`));
    child.unref();
  } catch {
    process.stderr.write(`cannot start ${opener}; open ${index} in a browser\n`);
  }
}
