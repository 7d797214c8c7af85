/** The report's handle on `<ds>.summary` names the stage `imageExperimentStages(ds)` makes, with its declared outputs. */
import test from 'ava';
import { imageSummaryOutputs, imageSummaryStage } from './outputs.ts';
import { imageExperimentStages } from './stages.ts';

for (const ds of ['svhn', 'cifar10'] as const) {
  test(`${ds}: the summary handle is the summary stage's id and outputs`, (t) => {
    const summary = imageExperimentStages(ds).find((s) => s.id.endsWith('.summary'))!;
    t.is(imageSummaryStage(ds).id, summary.id);
    t.is(summary.outputs, imageSummaryOutputs);
    t.is(imageSummaryStage(ds).outputs, imageSummaryOutputs);
  });
}
