/**
 * sgd-noise's compare renderer (`Project.compareReport`, `sgd-noise report --compare A B …`): each run's report
 * document built as the report stage builds it (buildReport over the run's cached report inputs), merged into one
 * (compare.ts) under a section naming the runs and the settings that differ, and rendered to the files of a report:
 * `index.html`, `figures/…` and `summary.md`.
 */
import { getPath } from '../../pipeline/config.ts';
import type { CompareReport, CompareRun } from '../../pipeline/project.ts';
import type { Experiment } from '../experiment.ts';
import { buildReport, reportFacts } from './build.ts';
import { runStyle } from './compare-figure.ts';
import { mergeReports, runColumnKey } from './compare.ts';
import type { ReportDocument, ReportSection } from './document.ts';
import { flattenConfig } from './figures/provenance.ts';
import { renderMarkdown } from './markdown.ts';
import { packageVersions } from './provenance.ts';
import { renderReportFiles } from './render/bundle.ts';
import { gatherInputs } from './stage.ts';

/** The compare renderer over the report parts of `experiments`. */
export function compareReportOf(experiments: readonly Experiment[]): CompareReport {
  return async (runs, log) => {
    const doc = comparisonDocument(runs, experiments, packageVersions());
    const files = await renderReportFiles(doc, { onWarning: log });
    return { ...files, 'summary.md': renderMarkdown(doc) };
  };
}

/** The longest label a run is called by in figures and column heads; with a longer one every run is `run A`, `run B`, …. */
const MAX_NAME = 40;

/**
 * What the figures, legends and column heads call each run: its label when every label is at most {@link MAX_NAME}
 * characters, else `run A`, `run B`, … (long labels that share a beginning would look the same once cut to fit a
 * legend); the runs table maps each name to its reference. Example: `runNames(['quick', 'paper'])` is the labels.
 */
export function runNames(labels: readonly string[]): string[] {
  if (labels.every((l) => l.length <= MAX_NAME)) return [...labels];
  return labels.map((_, i) => `run ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`);
}

/** The merged document of `runs` (pure: the same runs give the same document). */
export function comparisonDocument(runs: readonly CompareRun[], experiments: readonly Experiment[], versions: Record<string, string>): ReportDocument {
  const names = runNames(runs.map((r) => r.view.label));
  const docs = runs.map((run, i) => ({ label: names[i]!, doc: runDocument(run, experiments, versions) }));
  return mergeReports(docs, {
    title: `sgd-noise: ${runs.length} runs compared`,
    subtitle: `${names.map((l) => `“${l}”`).join(', ')}. Every run rendered from its cached stage outputs only.`,
    sections: [runsSection(runs, names)],
  });
}

/** One run's report document, as the report stage would build it from the same cache entries. */
function runDocument(run: CompareRun, experiments: readonly Experiment[], versions: Record<string, string>): ReportDocument {
  const read = <T>(p: string) => getPath(run.view.config, p) as T;
  return buildReport(
    gatherInputs(run.inputs),
    reportFacts(experiments, read, {
      run: { profile: run.view.profile, overrides: [...run.view.overrides] },
      lineage: run.lineage,
      versions,
      hasFashion: run.inputs.fashion !== undefined,
    }),
    experiments,
  ).doc;
}

/** The first section: how to read the comparison, the runs with their line style, and the settings that differ. */
function runsSection(runs: readonly CompareRun[], names: readonly string[]): ReportSection {
  const settings = differingSettings(runs);
  const named = names.some((n, i) => n !== runs[i]!.view.label);
  return {
    id: 'compared-runs',
    title: 'Runs compared',
    blocks: [
      {
        type: 'text',
        text:
          `This report overlays ${runs.length} runs, each built from its own cached stage outputs (nothing was recomputed). ` +
          'In every figure the colour is the dynamics (noise kind), as in a single report, and the run is the line dash of lines and the shape of points (legend “Run”); where a single report drew the dynamics as dashes too, the shape of the line’s points shows it here. ' +
          'Figures that overlaid runs would hide (the toy problem’s contour map) show one panel per run instead. ' +
          'In tables, a column whose values differ between the runs is shown once per run (“— run”); the others once. A section or figure only some runs have says so.',
      },
      {
        type: 'table',
        table: {
          id: 'compared-runs',
          title: 'The runs',
          columns: [
            { key: 'run', label: 'run', format: 'text' },
            ...(named ? [{ key: 'reference', label: 'reference', format: 'text' as const }] : []),
            { key: 'source', label: 'from', format: 'text' },
            { key: 'profile', label: 'profile', format: 'text' },
            { key: 'overrides', label: 'overrides', format: 'text' },
            { key: 'backend', label: 'backend', format: 'text' },
            { key: 'line', label: 'line', format: 'text' },
            { key: 'shape', label: 'points', format: 'text' },
          ],
          rows: runs.map((r, i) => ({
            run: names[i],
            reference: r.view.label,
            source: { record: 'run record', profile: 'profile', point: 'override set' }[r.view.source],
            profile: r.view.profile,
            overrides: r.view.overrides.length ? r.view.overrides.join(' ') : 'none',
            backend: String(r.view.config.backend),
            line: runStyle(i).dashName,
            shape: runStyle(i).shape,
          })),
        },
      },
      settings.length > 0
        ? {
            type: 'table',
            table: {
              id: 'compared-settings',
              title: 'Settings that differ',
              caption: 'Every resolved configuration key whose value is not the same in all runs (– where a run lacks the key).',
              columns: [
                { key: 'key', label: 'key', format: 'text' },
                ...names.map((name, i) => ({ key: runColumnKey('value', i), label: name, format: 'text' as const })),
              ],
              rows: settings,
            },
          }
        : { type: 'text', text: 'The runs’ resolved configurations are identical.' },
    ],
  };
}

/** One row per resolved config key whose value differs between the runs: the key, then each run's value. */
function differingSettings(runs: readonly CompareRun[]): Record<string, unknown>[] {
  const flat = runs.map((r) => new Map(flattenConfig(r.view.config).map((e) => [e.key, e.value])));
  const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))];
  return keys
    .filter((k) => flat.some((m) => m.get(k) !== flat[0]!.get(k)))
    .map((key) => ({ key, ...Object.fromEntries(flat.map((m, i) => [runColumnKey('value', i), m.get(key)])) }));
}
