/**
 * The report stage: renders `report.dir`/index.html (figures as inline SVG, each also PNG, data as JSON and CSV,
 * Vega-Lite specs) and `summary.md` from the summary stages' cached outputs only. It runs inline and reruns alone
 * when only its own version or the `report` config change.
 */
import { NDArray, type LoadedArtifacts } from '../../cache/values.ts';
import type { ProducedOutputs } from '../../pipeline/outputs.ts';
import { defineStage, type ConfigReader, type DepRef } from '../../pipeline/stage.ts';
import type { Experiment } from '../experiment.ts';
import { buildReport, reportFacts } from './build.ts';
import type { ReportInputs } from './inputs.ts';
import { renderMarkdown } from './markdown.ts';
import { reportOutputs } from './outputs.ts';
import { packageVersions } from './provenance.ts';
import { documentFigures, renderReportFiles } from './render/bundle.ts';

/**
 * The upstream stages of the report under the current config: each experiment's report inputs (experiments switched
 * off give none). Every input is optional: when an experiment fails (say its dataset cannot be had), the report still
 * renders the others and names what is missing.
 */
export function reportInputs(experiments: readonly Experiment[], cfg: ConfigReader): Record<string, DepRef> {
  const inputs: Record<string, DepRef> = {};
  const from: Record<string, string> = {};
  for (const e of experiments) {
    for (const [name, ref] of Object.entries(e.report?.inputs(cfg) ?? {})) {
      if (!ref) continue;
      if (Object.hasOwn(inputs, name)) throw new Error(`report input '${name}' is given by both experiments ${from[name]} and ${e.name}`);
      inputs[name] = { ...ref, optional: true };
      from[name] = e.name;
    }
  }
  return inputs;
}

/** The loaded inputs as the report parts take them: `<name>_<i>` inputs gathered into the array `<name>` in order of i. */
export function gatherInputs(artifacts: Readonly<Record<string, LoadedArtifacts>>): ReportInputs {
  const out: Record<string, LoadedArtifacts | LoadedArtifacts[]> = {};
  const seeded = new Map<string, [number, LoadedArtifacts][]>();
  for (const [name, a] of Object.entries(artifacts)) {
    const m = /^(.+)_(\d+)$/.exec(name);
    if (!m) out[name] = a;
    else seeded.set(m[1]!, [...(seeded.get(m[1]!) ?? []), [Number(m[2]), a]]);
  }
  for (const [name, list] of seeded) out[name] = list.sort((x, y) => x[0] - y[0]).map(([, a]) => a);
  return out;
}

/** The report stage over the report parts of `experiments`. */
export function reportStage(experiments: readonly Experiment[]) {
  const sections = experiments.map((e) => e.name);
  return defineStage({
    id: 'report',
    version: 12,
    outputs: reportOutputs,
    description: 'HTML report with the paper’s figures and a Markdown summary, from cached outputs only',
    reads: ['seed', 'backend', 'report', ...sections],
    deps: (_p, cfg) => reportInputs(experiments, cfg),
    publish: (_params, cfg) => ({ 'files/*': cfg<string>('report.dir') }),
    async run(ctx, artifacts) {
      const versions = packageVersions();
      ctx.setMeta('versions', versions);
      const summaries = gatherInputs(artifacts);
      const { doc, claims } = buildReport(
        summaries,
        reportFacts(experiments, ctx.config, {
          run: ctx.run,
          lineage: ctx.lineage(),
          versions,
          hasFashion: artifacts.fashion !== undefined,
          missing: Object.entries(ctx.missing).map(([input, instance]) => ({ input, instance })),
        }),
        experiments,
      );
      const files = await renderReportFiles(doc, { onWarning: (m) => ctx.log(m) });
      const out: ProducedOutputs<typeof reportOutputs> = { claims: claims.map((c) => ({ ...c })) };
      for (const [rel, contents] of Object.entries(files))
        out[`files/${rel}`] = typeof contents === 'string' ? contents : new NDArray(contents, [contents.length]);
      out['files/summary.md'] = renderMarkdown(doc);
      for (const f of documentFigures(doc)) out[`figure/${f.id}`] = f.data;
      return out;
    },
  });
}
