/** A VGG11 experiment's headline numbers (pipeline/headlines.ts): per dynamics, the final test accuracy (`<ds>.summary`). */
import { readOutputs } from '../../pipeline/outputs.ts';
import type { ExperimentHeadlines } from '../experiment.ts';
import { kindLabel } from '../report/render/theme.ts';
import { imageSummaryOutputs } from './outputs.ts';
import type { ImageDataset } from './stages.ts';

/** The mean final test accuracy per configured kind on `ds`; none when that experiment is switched off. */
export function imageHeadlines(ds: ImageDataset): ExperimentHeadlines {
  const summary = `${ds}.summary`;
  return {
    stages: [summary],
    metrics(outputs, cfg) {
      if (!cfg<boolean>(`${ds}.enabled`)) return [];
      const cached = outputs[summary];
      const table = cached ? readOutputs(imageSummaryOutputs, cached, summary).table : [];
      const name = ds === 'svhn' ? 'SVHN' : 'CIFAR-10';
      return cfg<string[]>(`${ds}.dynamics.kinds`).map((kind) => ({
        id: `${ds}.testAccuracy.${kind}`,
        label: `${name} final test accuracy, ${kindLabel(kind)}`,
        value: table.find((r) => r.kind === kind)?.testAccuracy ?? null,
        brief: `${ds} test acc`,
      }));
    },
  };
}
