/** The one-hidden-layer section (paper Fig. 4): Tr(HΣ) against its isotropic counterpart Tr(HΣ̄) during training. */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import type { oneHiddenSummaryStage } from '../../onehidden/stages.ts';
import type { ReportSection } from '../document.ts';
import { OKABE_ITO } from '../render/theme.ts';
import { spreadBy } from './stats.ts';

/** `onehidden.summary`'s outputs, as declared (stages/onehidden/outputs.ts). */
export type OneHiddenSummary = OutputsOf<typeof oneHiddenSummaryStage>;

/** One epoch of one seed, as `onehidden.summary` lists it in `perSeed`. */
export type OneHiddenEpoch = OneHiddenSummary['perSeed'][number];

// Figure text avoids the combining macron of Σ̄, which the PNG renderer's font cannot place: Σ_iso instead.
const QUANTITIES = { traceHSigma: 'Tr(HΣ), SGD noise', traceHSigmaIso: 'Tr(HΣ_iso), isotropic noise of the same TrΣ' } as const;

/** The protocol numbers the section's text quotes (from the resolved config). */
export interface OneHiddenProtocol {
  hidden: number;
  itersPerEpoch: number;
  covBatches: number;
  covBatchSize: number;
}

/** The section built from `onehidden.summary`'s outputs. */
export function oneHiddenSection(summary: OneHiddenSummary, protocol: OneHiddenProtocol): ReportSection {
  const perSeed = summary.perSeed;
  const seeds = new Set(perSeed.map((r) => r.seed)).size;
  const traces = (Object.keys(QUANTITIES) as (keyof typeof QUANTITIES)[]).flatMap((q) =>
    spreadBy(
      perSeed.map((r) => ({ epoch: r.epoch, quantity: QUANTITIES[q], value: r[q] })),
      ['epoch', 'quantity'],
      'value',
    ).filter((r) => r.min > 0),
  );
  const ratios = spreadBy(perSeed, ['epoch'], 'ratio');
  const band = (y: string, color: string) => ({
    mark: { type: 'area', opacity: 0.18, color },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' },
      y: { field: 'min', type: 'quantitative', scale: y === 'log' ? { type: 'log' } : {} },
      y2: { field: 'max' },
    },
  });
  const spreadNote = seeds > 1 ? `Lines: mean over ${seeds} seeds; bands: their range.` : 'One seed.';
  return {
    id: 'onehidden',
    title: 'One-hidden-layer network (paper Fig. 4)',
    blocks: [
      {
        type: 'text',
        text: `Adam, full batch, ${protocol.itersPerEpoch} iterations per epoch. After every epoch: the exact Hessian H (D = ${3 * protocol.hidden} parameters, one HVP each) and Σ from ${protocol.covBatches} independent minibatches of ${protocol.covBatchSize}; Σ̄ = (TrΣ / D)·I is isotropic noise of the same total variance.`,
      },
      {
        type: 'figure',
        figure: {
          id: 'onehidden-traces',
          title: 'Tr(HΣ) and Tr(HΣ̄) during training',
          caption: `The indicator of the SGD noise against isotropic noise of the same variance, per epoch, log scale. ${spreadNote}`,
          data: traces,
          spec: {
            title: { text: 'One hidden layer: Tr(HΣ) vs Tr(HΣ_iso)', subtitle: 'per epoch, log scale; Σ_iso = (TrΣ / D)·I' },
            width: 460,
            height: 280,
            encoding: {
              x: { field: 'epoch', type: 'quantitative', title: `epoch (${protocol.itersPerEpoch} Adam iterations each)`, scale: { nice: false } },
              color: {
                field: 'quantity',
                type: 'nominal',
                title: null,
                scale: { range: [OKABE_ITO.vermillion, OKABE_ITO.blue] },
                legend: { orient: 'bottom', labelLimit: 400, direction: 'vertical' },
              },
            },
            layer: [
              {
                mark: { type: 'line', point: true },
                encoding: { y: { field: 'mean', type: 'quantitative', scale: { type: 'log' }, title: 'trace (loss units)' } },
              },
              {
                mark: { type: 'area', opacity: 0.18 },
                encoding: { y: { field: 'min', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'max' } },
              },
            ],
          },
        },
      },
      {
        type: 'figure',
        figure: {
          id: 'onehidden-ratio',
          title: 'Tr(HΣ) / Tr(HΣ̄) during training',
          caption: `How many times more the SGD noise raises the loss than isotropic noise of the same variance would (the paper reports the order of 100). ${spreadNote}`,
          data: ratios,
          spec: {
            title: { text: 'One hidden layer: Tr(HΣ) / Tr(HΣ_iso)', subtitle: 'per epoch; Σ_iso = (TrΣ / D)·I' },
            width: 460,
            height: 240,
            layer: [
              band('linear', OKABE_ITO.bluishGreen),
              {
                mark: { type: 'line', point: true, color: OKABE_ITO.bluishGreen },
                encoding: {
                  x: { field: 'epoch', type: 'quantitative', title: `epoch (${protocol.itersPerEpoch} Adam iterations each)`, scale: { nice: false } },
                  y: { field: 'mean', type: 'quantitative', title: 'ratio (dimensionless)' },
                },
              },
            ],
          },
        },
      },
      {
        type: 'table',
        table: {
          id: 'onehidden-epochs',
          title: 'Indicator per epoch (mean over seeds)',
          columns: [
            { key: 'epoch', label: 'epoch', format: 'integer' },
            { key: 'loss', label: 'training loss', format: 'sig' },
            { key: 'accuracy', label: 'training accuracy', format: 'percent' },
            { key: 'traceHSigma', label: 'Tr(HΣ)', format: 'sig' },
            { key: 'traceHSigmaIso', label: 'Tr(HΣ̄)', format: 'sig' },
            { key: 'ratio', label: 'ratio', format: 'sig' },
            { key: 'ratioMin', label: 'ratio min', format: 'sig' },
            { key: 'ratioMax', label: 'ratio max', format: 'sig' },
          ],
          rows: summary.table,
        },
      },
    ],
  };
}
