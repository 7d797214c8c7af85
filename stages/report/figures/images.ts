/** The VGG11 sections (paper Figs. 1 and 6): SVHN and CIFAR-10, rendered whenever their runs are in the cache. */
import type { LoadedOutputs } from '../../../pipeline/outputs.ts';
import type { imageSummaryOutputs } from '../../vgg/outputs.ts';
import type { ReportSection } from '../document.ts';
import { kindLabel } from '../render/theme.ts';
import { kindLinesFigure } from './kind-lines.ts';

/** Display names of the image datasets. */
const NAMES: Record<string, string> = { svhn: 'SVHN', cifar10: 'CIFAR-10' };

/** `<ds>.summary`'s outputs, as declared (stages/vgg/outputs.ts). */
export type ImageSummary = LoadedOutputs<typeof imageSummaryOutputs>;

/** The section of one image dataset from its `<ds>.summary` outputs. */
export function imageSection(ds: 'svhn' | 'cifar10', summary: ImageSummary): ReportSection {
  const name = NAMES[ds]!;
  const { series, table } = summary;
  const absolute = table.some((r) => r.sharpnessMode === 'absolute');
  const kinds = table.map((r) => r.kind);
  return {
    id: ds,
    title: `VGG11 on ${name} (paper ${ds === 'svhn' ? 'Fig. 1' : 'Fig. 6'})`,
    blocks: [
      {
        type: 'text',
        text: `VGG11 from initialisation, full-batch GD at lr 0.05 and the noisy variants (diagonal Σ from random minibatches of 100, refreshed every 10 iterations).`,
      },
      {
        type: 'figure',
        figure: kindLinesFigure({
          id: `${ds}-test-accuracy`,
          title: `${name}: test accuracy`,
          caption: `Test accuracy of every dynamics against iteration on ${name}.`,
          rows: series,
          kinds,
          y: 'testAccuracy',
          yTitle: 'test accuracy',
          percent: true,
        }),
      },
      {
        type: 'table',
        table: {
          id: `${ds}-final`,
          title: `${name}: final accuracy and expected sharpness`,
          columns: [
            { key: 'dynamics', label: 'dynamics', format: 'text' },
            { key: 'trainAccuracy', label: 'training accuracy', format: 'percent' },
            { key: 'testAccuracy', label: 'test accuracy (mean)', format: 'percent' },
            { key: 'testAccuracyMin', label: 'min', format: 'percent' },
            { key: 'testAccuracyMax', label: 'max', format: 'percent' },
            { key: 'sharpness', label: absolute ? 'mean |ΔL| (released flatness protocol)' : 'expected sharpness', format: 'sig' },
            ...(absolute ? [{ key: 'testAccuracyChange', label: 'mean |Δ test accuracy|', format: 'percent' as const }] : []),
          ],
          rows: table.map((r) => ({ ...r, dynamics: kindLabel(r.kind) })),
        },
      },
    ],
  };
}
