/** The report stage: renders the run summary from cached artifacts only and publishes it under `report.dir`. */
import { defineStage } from '../../pipeline/stage.ts';
import { packageVersions } from './provenance.ts';
import { renderSummary } from './summary.ts';

/** Upstream instances cited by the report, by input name (experiment issues add theirs here). */
export const REPORT_INPUTS: Record<string, { stage: string }> = {};

/** Renders `summary.md`; reruns only when its own config or a cited artifact changes. */
export const reportStage = defineStage({
  id: 'report',
  version: 1,
  description: 'Markdown summary of the run with provenance (config, stage keys, package versions)',
  reads: ['seed', 'backend', 'report'],
  deps: () => REPORT_INPUTS,
  publish: (_params, cfg) => ({ summary: `${cfg<string>('report.dir')}/summary.md` }),
  async run(ctx) {
    const versions = packageVersions();
    ctx.setMeta('versions', versions);
    const summary = renderSummary({
      title: ctx.config<string>('report.title'),
      config: { seed: ctx.config('seed'), backend: ctx.config('backend') },
      stages: Object.entries(ctx.upstream).map(([input, u]) => ({ input, ...u })),
      versions,
    });
    return { summary };
  },
});
