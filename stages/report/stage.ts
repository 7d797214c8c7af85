/** The report stage: renders the run summary from cached artifacts only and publishes it under `report.dir`. */
import { defineStage, type DepRef } from '../../pipeline/stage.ts';
import { packageVersions } from './provenance.ts';
import { renderSummary, type SummaryTable } from './summary.ts';

/**
 * The report stage citing `inputs` (input name → upstream stage). Every input output named `table` (an array of
 * flat records) is rendered as a Markdown table; every input is cited with its cache key.
 */
export function reportStage(inputs: Record<string, DepRef>) {
  return defineStage({
    id: 'report',
    version: 2,
    description: 'Markdown summary of the run with provenance (config, stage keys, package versions)',
    reads: ['seed', 'backend', 'report'],
    deps: () => inputs,
    publish: (_params, cfg) => ({ summary: `${cfg<string>('report.dir')}/summary.md` }),
    async run(ctx, artifacts) {
      const versions = packageVersions();
      ctx.setMeta('versions', versions);
      const tables: SummaryTable[] = Object.entries(artifacts)
        .filter(([, out]) => Array.isArray(out.table))
        .map(([input, out]) => ({ title: input, rows: out.table as Record<string, unknown>[] }));
      const summary = renderSummary({
        title: ctx.config<string>('report.title'),
        config: { seed: ctx.config('seed'), backend: ctx.config('backend') },
        tables,
        stages: Object.entries(ctx.upstream).map(([input, u]) => ({ input, ...u })),
        versions,
      });
      return { summary };
    },
  });
}
