/** The report stage: renders the run summary from cached artifacts only and publishes it under `report.dir`. */
import { defineStage, type ConfigReader, type DepRef } from '../../pipeline/stage.ts';
import { packageVersions } from './provenance.ts';
import { renderSummary, type SummaryTable } from './summary.ts';

/**
 * The report stage citing `inputs(config)` (input name → upstream stage; experiments switched off are left out). Every input's output `table` (an array of flat
 * records) and `tables` ([{title, rows}]) is rendered as Markdown tables; every input is cited with its cache key.
 */
export function reportStage(inputs: (cfg: ConfigReader) => Record<string, DepRef>) {
  return defineStage({
    id: 'report',
    version: 3,
    description: 'Markdown summary of the run with provenance (config, stage keys, package versions)',
    reads: ['seed', 'backend', 'report'],
    deps: (_p, cfg) => inputs(cfg),
    publish: (_params, cfg) => ({ summary: `${cfg<string>('report.dir')}/summary.md` }),
    async run(ctx, artifacts) {
      const versions = packageVersions();
      ctx.setMeta('versions', versions);
      const tables: SummaryTable[] = Object.entries(artifacts).flatMap(([input, out]) => [
        ...(Array.isArray(out.tables) ? (out.tables as unknown as SummaryTable[]).map((t) => ({ title: `${input}: ${t.title}`, rows: t.rows })) : []),
        ...(Array.isArray(out.table) ? [{ title: input, rows: out.table as Record<string, unknown>[] }] : []),
      ]);
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
