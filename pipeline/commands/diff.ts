/**
 * `sgd-noise diff [A] [B]`: what differs between two runs (pipeline/run-diff.ts): their resolved config keys, their
 * headline metrics side by side with the change, the verdicts and deviation rows that changed, and which instances
 * they share. A and B are run references (pipeline/run-refs.ts): `HEAD`, `HEAD~n`, a run id or its prefix, a profile,
 * or `key=value[,…]` on `--profile`; without them the last two runs, with one that run against the newest. Output: a
 * table, `--md` (Markdown for a pull request) or `--json`; `--all` also shows the rows that did not change.
 */
import { shortCommit } from '../code-facts.ts';
import { UsageError } from '../errors.ts';
import { diffRuns, type DiffSide } from '../run-diff.ts';
import { diffJson, diffMarkdown, diffText } from '../run-diff-format.ts';
import { listRunRecords, runsDir, type ReadRunRecord } from '../run-records.ts';
import { resolveRunRefs } from '../run-refs.ts';
import type { RunView } from '../run-view.ts';
import type { Command } from './command.ts';
import { headlinesReader } from './runs.ts';

/** `diff`; see the module comment. */
export const diffCommand: Command = {
  // `diff fashion.dynamics.lr=0.05` names a point to compare, not an override of the command's own configuration.
  ownArguments: true,
  cache: () => 'none',
  async run({ values, targets, project, cacheDir, planFor, resolved, maxInstances, out, json }) {
    if (targets.length > 2) throw new UsageError(`diff compares two runs: sgd-noise diff [A] [B]; got ${targets.length} references (${targets.join(' ')})`);
    const { records } = listRunRecords(cacheDir);
    if (targets.length === 0 && records.length < 2) {
      throw new UsageError(
        `diff without references compares the last two runs, and ${runsDir(cacheDir)} holds ${records.length === 0 ? 'no run record' : 'only one'}: ` +
          'run again (sgd-noise run key=value), or name what to compare: sgd-noise diff A B with run ids, HEAD~n, profiles or key=value points',
      );
    }
    const refs = targets.length === 2 ? targets : targets.length === 1 ? [targets[0]!, 'HEAD'] : ['HEAD~1', 'HEAD'];
    const [a, b] = resolveRunRefs(refs, { project, cacheDir, profile: resolved.profile, planFor, maxInstances, records });
    const headlines = headlinesReader(project, cacheDir);
    const side = (view: RunView): DiffSide => {
      const h = headlines(view);
      if (h?.problem) process.stderr.write(`warning: the headlines of ${view.label} could not be read: ${h.problem}\n`);
      const record = view.source === 'record' ? records.find((r) => r.id === view.label) : undefined;
      return { view, ...(h ? { headlines: h } : {}), ...(record ? { about: recordFacts(record) } : {}) };
    };
    const d = diffRuns(side(a!), side(b!));
    if (values.json) json(diffJson(d));
    else out(values.md ? diffMarkdown(d, { all: values.all }) : diffText(d, { all: values.all }));
    return 0;
  },
};

/** What the head of a recorded side shows besides its configuration. */
function recordFacts(r: ReadRunRecord): { name: string; value: string }[] {
  return [
    { name: 'started', value: r.startedAt },
    ...(r.sweeps.length ? [{ name: 'sweeps', value: r.sweeps.map((s) => `--sweep ${s}`).join(' ') }] : []),
    { name: 'outcome', value: r.outcome },
    { name: 'commit', value: shortCommit(r.code) },
  ];
}
