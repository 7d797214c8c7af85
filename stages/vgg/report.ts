/** A VGG11 experiment's part of the report: its section (Figs. 1 and 6) and the test accuracies its claim is judged on. */
import type { ExperimentReport } from '../experiment.ts';
import { single } from '../report/inputs.ts';
import { imageSection } from '../report/figures/images.ts';
import { optionalDep } from '../../pipeline/deps.ts';
import { imageConfig } from './config.ts';
import { imageSummaryStage } from './outputs.ts';
import type { ImageDataset } from './stages.ts';

/** `<ds>.summary` as `<ds>`. */
export function imageReport(ds: ImageDataset): ExperimentReport {
  return {
    inputs: (cfg) => (imageConfig(cfg, ds)('enabled') ? { [ds]: optionalDep(imageSummaryStage(ds)) } : {}),
    sections: (inputs) => {
      const summary = single(inputs, ds, imageSummaryStage(ds));
      return summary ? [imageSection(ds, summary)] : [];
    },
    claims: (inputs) => {
      const summary = single(inputs, ds, imageSummaryStage(ds));
      return summary ? { images: [{ ds, rows: summary.table }] } : {};
    },
  };
}
