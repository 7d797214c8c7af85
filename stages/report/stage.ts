/**
 * The report stage: renders `report.dir`/index.html (figures as inline SVG, each also PNG, data as JSON and CSV,
 * Vega-Lite specs) and `summary.md` from the summary stages' cached outputs only. It runs inline and reruns alone
 * when only its own version or the `report` config change.
 */
import { NDArray } from '../../cache/values.ts';
import { inputs as allOf, named, optionalDep } from '../../pipeline/deps.ts';
import type { ProducedOutputs } from '../../pipeline/outputs.ts';
import { defineStage, type ConfigReader } from '../../pipeline/stage.ts';
import { fashionBatchSummaryStage } from '../fashion/batch-size.ts';
import { fashionSpectrumStage } from '../fashion/spectrum.ts';
import { fashionSummaryStage } from '../fashion/stages.ts';
import { fashionTailIndexStage } from '../fashion/tail-index.ts';
import { fashionTheoryStage } from '../fashion/theory.ts';
import { oneHiddenSummaryStage } from '../onehidden/stages.ts';
import { seedIndices } from '../seeds.ts';
import { toy2dShapesSummaryStage } from '../toy2d/shape-summary.ts';
import { toy2dSummaryStage } from '../toy2d/stages.ts';
import { imageSummaryStage } from '../vgg/outputs.ts';
import { buildReport, type ReportInputs } from './build.ts';
import { renderMarkdown } from './markdown.ts';
import { reportOutputs } from './outputs.ts';
import { packageVersions } from './provenance.ts';
import { documentFigures, renderReportFiles } from './render/bundle.ts';

/** The config sections of the experiments the report can show (read whole, for the provenance section). */
const EXPERIMENTS = ['toy2d', 'onehidden', 'fashion', 'svhn', 'cifar10'] as const;

/**
 * The upstream stages of the report under the current config (experiments switched off are left out). Every input
 * is optional: when an experiment fails (say its dataset cannot be had), the report still renders the others and
 * names what is missing.
 */
export function reportInputs(cfg: ConfigReader) {
  const seeds = (on: boolean) => (on ? seedIndices(cfg, 'fashion.seeds') : []);
  return allOf(
    {
      ...(cfg<boolean>('toy2d.enabled') ? { toy2d: optionalDep(toy2dSummaryStage) } : {}),
      ...(cfg<boolean>('toy2d.enabled') && cfg<boolean>('toy2d.shapes.enabled') ? { toy2dShapes: optionalDep(toy2dShapesSummaryStage) } : {}),
      ...(cfg<boolean>('onehidden.enabled') ? { onehidden: optionalDep(oneHiddenSummaryStage) } : {}),
      fashion: optionalDep(fashionSummaryStage),
    },
    named('theory_', seeds(true).map((seed) => [`${seed}`, optionalDep(fashionTheoryStage, { seed })] as const)),
    named('spectrum_', seeds(cfg<{ enabled: boolean }>('fashion.spectrum').enabled).map((seed) => [`${seed}`, optionalDep(fashionSpectrumStage, { seed })] as const)),
    named('tail_', seeds(cfg<{ enabled: boolean }>('fashion.tailIndex').enabled).map((seed) => [`${seed}`, optionalDep(fashionTailIndexStage, { seed })] as const)),
    {
      ...(cfg<boolean>('fashion.batchSizes.enabled') ? { batchSize: optionalDep(fashionBatchSummaryStage) } : {}),
      ...(cfg<boolean>('svhn.enabled') ? { svhn: optionalDep(imageSummaryStage('svhn')) } : {}),
      ...(cfg<boolean>('cifar10.enabled') ? { cifar10: optionalDep(imageSummaryStage('cifar10')) } : {}),
    },
  );
}

/** The report stage over `inputs(config)` (default: every experiment of sgd-noise). */
export function reportStage(inputs: typeof reportInputs = reportInputs) {
  return defineStage({
    id: 'report',
    version: 11,
    outputs: reportOutputs,
    description: 'HTML report with the paper’s figures and a Markdown summary, from cached outputs only',
    reads: ['seed', 'backend', 'report', ...EXPERIMENTS],
    deps: (_p, cfg) => inputs(cfg),
    publish: (_params, cfg) => ({ 'files/*': cfg<string>('report.dir') }),
    async run(ctx, artifacts) {
      const versions = packageVersions();
      ctx.setMeta('versions', versions);
      // The seeds whose `prefix`<seed> input ran, in seed order.
      const seedsOf = (prefix: string) =>
        Object.keys(artifacts)
          .filter((n) => n.startsWith(prefix))
          .map((n) => Number(n.slice(prefix.length)))
          .sort((a, b) => a - b);
      const summaries: ReportInputs = {
        toy2d: artifacts.toy2d,
        toy2dShapes: artifacts.toy2dShapes,
        spectrum: seedsOf('spectrum_').map((s) => artifacts[`spectrum_${s}`]!),
        tailIndex: seedsOf('tail_').map((s) => artifacts[`tail_${s}`]!),
        onehidden: artifacts.onehidden,
        fashion: artifacts.fashion,
        batchSize: artifacts.batchSize,
        theory: seedsOf('theory_').map((s) => artifacts[`theory_${s}`]!),
        svhn: artifacts.svhn,
        cifar10: artifacts.cifar10,
      };
      const config = Object.fromEntries(['seed', 'backend', ...EXPERIMENTS, 'report'].map((k) => [k, ctx.config(k)]));
      const { doc, claims } = buildReport(summaries, {
        title: ctx.config<string>('report.title'),
        run: ctx.run,
        backend: ctx.config<string>('backend'),
        config,
        lineage: ctx.lineage(),
        versions,
        fashionTrainImages: artifacts.fashion ? ctx.config<number>('fashion.data.train') : null,
        missing: Object.entries(ctx.missing).map(([input, instance]) => ({ input, instance })),
      });
      const files = await renderReportFiles(doc, { onWarning: (m) => ctx.log(m) });
      const out: ProducedOutputs<typeof reportOutputs> = { claims: claims.map((c) => ({ ...c })) };
      for (const [rel, contents] of Object.entries(files)) out[`files/${rel}`] = typeof contents === 'string' ? contents : new NDArray(contents, [contents.length]);
      out['files/summary.md'] = renderMarkdown(doc);
      for (const f of documentFigures(doc)) out[`figure/${f.id}`] = f.data;
      return out;
    },
  });
}
