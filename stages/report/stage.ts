/**
 * The report stage: renders `report.dir`/index.html (figures as inline SVG, each also PNG, data as JSON and CSV,
 * Vega-Lite specs) and `summary.md` from the summary stages' cached outputs only. It runs inline and reruns alone
 * when only its own version or the `report` config change.
 */
import { NDArray, toJson, type Artifacts, type LoadedArtifacts } from '../../cache/values.ts';
import { defineStage, type ConfigReader, type DepRef } from '../../pipeline/stage.ts';
import { seedIndices } from '../seeds.ts';
import { buildReport, type ReportInputs } from './build.ts';
import { renderMarkdown } from './markdown.ts';
import { packageVersions } from './provenance.ts';
import { documentFigures, renderReportFiles } from './render/bundle.ts';

/** The config sections of the experiments the report can show (read whole, for the provenance section). */
const EXPERIMENTS = ['toy2d', 'onehidden', 'fashion', 'svhn', 'cifar10'] as const;

/**
 * The upstream stages of the report under the current config (experiments switched off are left out). Every input
 * is optional: when an experiment fails (say its dataset cannot be had), the report still renders the others and
 * names what is missing.
 */
export function reportInputs(cfg: ConfigReader): Record<string, DepRef> {
  const inputs: Record<string, DepRef> = {
    ...(cfg<boolean>('toy2d.enabled') ? { toy2d: { stage: 'toy2d.summary' } } : {}),
    ...(cfg<boolean>('toy2d.enabled') && cfg<boolean>('toy2d.shapes.enabled') ? { toy2dShapes: { stage: 'toy2d.shapesSummary' } } : {}),
    ...(cfg<boolean>('onehidden.enabled') ? { onehidden: { stage: 'onehidden.summary' } } : {}),
    fashion: { stage: 'fashion.summary' },
    ...Object.fromEntries(seedIndices(cfg, 'fashion.seeds').map((seed) => [`theory_${seed}`, { stage: 'fashion.theory', params: { seed } }])),
    ...(cfg<{ enabled: boolean }>('fashion.spectrum').enabled
      ? Object.fromEntries(seedIndices(cfg, 'fashion.seeds').map((seed) => [`spectrum_${seed}`, { stage: 'fashion.spectrum', params: { seed } }]))
      : {}),
    ...(cfg<{ enabled: boolean }>('fashion.tailIndex').enabled
      ? Object.fromEntries(seedIndices(cfg, 'fashion.seeds').map((seed) => [`tail_${seed}`, { stage: 'fashion.tailIndex', params: { seed } }]))
      : {}),
    ...(cfg<boolean>('fashion.batchSizes.enabled') ? { batchSize: { stage: 'fashion.batchSummary' } } : {}),
    ...(cfg<boolean>('svhn.enabled') ? { svhn: { stage: 'svhn.summary' } } : {}),
    ...(cfg<boolean>('cifar10.enabled') ? { cifar10: { stage: 'cifar10.summary' } } : {}),
  };
  return Object.fromEntries(Object.entries(inputs).map(([name, ref]) => [name, { ...ref, optional: true }]));
}

/** The report stage over `inputs(config)` (default: every experiment of sgd-noise). */
export function reportStage(inputs: (cfg: ConfigReader) => Record<string, DepRef> = reportInputs) {
  return defineStage({
    id: 'report',
    version: 11,
    description: 'HTML report with the paper’s figures and a Markdown summary, from cached outputs only',
    reads: ['seed', 'backend', 'report', ...EXPERIMENTS],
    deps: (_p, cfg) => inputs(cfg),
    publish: (_params, cfg) => ({ 'files/*': cfg<string>('report.dir') }),
    async run(ctx, artifacts) {
      const versions = packageVersions();
      ctx.setMeta('versions', versions);
      const theoryNames = Object.keys(artifacts)
        .filter((n) => n.startsWith('theory_'))
        .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
      const pick = (name: string): LoadedArtifacts | undefined => artifacts[name];
      const summaries: ReportInputs = {
        toy2d: pick('toy2d'),
        toy2dShapes: pick('toy2dShapes'),
        spectrum: Object.keys(artifacts)
          .filter((n) => n.startsWith('spectrum_'))
          .sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)))
          .map((n) => artifacts[n]!),
        tailIndex: Object.keys(artifacts)
          .filter((n) => n.startsWith('tail_'))
          .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
          .map((n) => artifacts[n]!),
        onehidden: pick('onehidden'),
        fashion: pick('fashion'),
        batchSize: pick('batchSize'),
        theory: theoryNames.map((n) => artifacts[n]!),
        svhn: pick('svhn'),
        cifar10: pick('cifar10'),
      };
      const config = Object.fromEntries(['seed', 'backend', ...EXPERIMENTS, 'report'].map((k) => [k, ctx.config(k)]));
      const { doc, claims } = buildReport(summaries, {
        title: ctx.config<string>('report.title'),
        run: ctx.run,
        backend: ctx.config<string>('backend'),
        config,
        lineage: ctx.lineage(),
        versions,
        fashionTrainImages: pick('fashion') ? ctx.config<number>('fashion.data.train') : null,
        missing: Object.entries(ctx.missing).map(([input, instance]) => ({ input, instance })),
      });
      const files = await renderReportFiles(doc, { onWarning: (m) => ctx.log(m) });
      const out: Artifacts = { claims: toJson(claims.map((c) => ({ ...c })), 'claims') };
      for (const [rel, contents] of Object.entries(files)) out[`files/${rel}`] = typeof contents === 'string' ? contents : new NDArray(contents, [contents.length]);
      out['files/summary.md'] = renderMarkdown(doc);
      for (const f of documentFigures(doc)) out[`figure/${f.id}`] = toJson(f.data, `figure ${f.id}`);
      return out;
    },
  });
}
