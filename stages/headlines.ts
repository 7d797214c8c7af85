/**
 * sgd-noise's headline numbers (`Project.headlines`, pipeline/headlines.ts): each experiment's metrics (its
 * `headlines` part), every claim's verdict as the report stage judged and stored it (its `claims` output; no report
 * cached, no verdicts), and the deviation rows (stages/deviations.ts) that apply to the run with its choice on each.
 * Read from the cache only: nothing here runs a stage.
 */
import { getPath } from '../pipeline/config.ts';
import type { HeadlinesSpec } from '../pipeline/headlines.ts';
import { readOutputs } from '../pipeline/outputs.ts';
import type { ConfigReader } from '../pipeline/stage.ts';
import { applicableDeviations, deviationChoice } from './deviations.ts';
import type { Experiment } from './experiment.ts';
import { reportOutputs } from './report/outputs.ts';

/** The report stage's id, whose `claims` output holds the verdicts. */
const REPORT = 'report';

/** The headlines over `experiments` (each experiment's part, in list order), the report's verdicts and the deviations. */
export function headlinesOf(experiments: readonly Experiment[]): HeadlinesSpec {
  return {
    stages: [...experiments.flatMap((e) => e.headlines?.stages ?? []), REPORT],
    outputs: { [REPORT]: ['claims'] },
    read(outputs, config) {
      const cfg: ConfigReader = <T>(p: string) => getPath(config, p) as T;
      const report = outputs[REPORT];
      const claims = report ? readOutputs({ claims: reportOutputs.claims }, report, REPORT).claims : [];
      return {
        metrics: experiments.flatMap((e) => e.headlines?.metrics(outputs, cfg) ?? []),
        claims: claims.map((c) => ({ id: c.id, verdict: c.verdict, dependsOn: c.dependsOn })),
        deviations: applicableDeviations(cfg).map((d) => ({ id: d.id, value: deviationChoice(d, cfg) })),
      };
    },
  };
}
