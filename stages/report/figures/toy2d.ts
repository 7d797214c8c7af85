/** The toy2d section (paper Fig. 2): loss contours with every dynamics' trajectories, and the success-count table. */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import type { toy2dSummaryStage } from '../../toy2d/stages.ts';
import type { ReportSection } from '../document.ts';
import { kindColor, kindLabel } from '../render/theme.ts';
import { contourLines } from './contour.ts';

/** One row of `toy2d.summary`'s table. */
export interface Toy2dRow {
  kind: string;
  repeats: number;
  escapes: number[];
  escapesMean: number;
  escapesMin: number;
  escapesMax: number;
  traceHSigma: number | null;
  traceHSigmaClosedForm: number | null;
}

/** Loss levels drawn as contours: log-spaced, as the loss spans four orders of magnitude between the basins. */
export const TOY2D_LEVELS = [0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256];

/** The protocol numbers the section's text quotes (from the resolved config). */
export interface Toy2dProtocol {
  lr: number;
  iterations: number;
  variance: number;
}

/** `toy2d.summary`'s outputs, as declared (stages/toy2d/outputs.ts). */
export type Toy2dSummary = OutputsOf<typeof toy2dSummaryStage>;

/** The section built from `toy2d.summary`'s outputs. */
export function toy2dSection(summary: Toy2dSummary, protocol: Toy2dProtocol): ReportSection {
  const rows = summary.table;
  const kinds = rows.map((r) => r.kind);
  const grid = summary.lossGrid;
  const trajectories = summary.trajectories;
  const contour = contourLines({ x: grid.w1, y: grid.w2, values: grid.loss }, TOY2D_LEVELS).map((p) => ({
    layer: 'contour',
    level: p.level,
    line: p.line,
    order: p.order,
    w1: p.x,
    w2: p.y,
  }));
  const paths = trajectories.map((p) => ({ layer: 'trajectory', kind: p.kind, path: `${p.kind}/${p.repeat}`, point: p.point, w1: p.w1, w2: p.w2 }));
  const markers = [
    { layer: 'marker', w1: 1, w2: 1, text: 'sharp minimum (1, 1)' },
    { layer: 'marker', w1: -1, w2: -1, text: 'flat minimum (−1, −1)' },
  ];
  const axis = (field: string, title: string) => ({ field, type: 'quantitative', title, scale: { domain: [grid.w1[0], grid.w1.at(-1)], nice: false } });
  const trajectoryCount = new Set(paths.map((p) => p.path)).size / Math.max(1, kinds.length);
  return {
    id: 'toy2d',
    title: 'Two-basin toy problem (paper Fig. 2)',
    blocks: [
      {
        type: 'text',
        text:
          `Every dynamics starts at the sharp minimum (1, 1) and runs ${protocol.iterations} iterations at learning rate ${protocol.lr}; every GLD kind adds its noise to the weights with the same total variance ${protocol.variance} per step (SGD uses minibatches of one point). ` +
          'An escape is a run that ends with both coordinates below −0.5 (in the flat basin).',
      },
      {
        type: 'figure',
        figure: {
          id: 'toy2d-trajectories',
          title: 'Trajectories from the sharp minimum',
          caption: `Grey: contours of the training loss of the first data set (levels ${TOY2D_LEVELS.join(', ')}). Coloured: ${trajectoryCount} trajectories per dynamics (first seed).`,
          data: [...contour, ...paths, ...markers],
          compare: 'panels',
          spec: {
            title: { text: 'Toy problem: trajectories from the sharp minimum', subtitle: 'loss contours of one data set; coloured lines are dynamics' },
            width: 440,
            height: 440,
            layer: [
              {
                transform: [{ filter: "datum.layer === 'contour'" }],
                mark: { type: 'line', strokeWidth: 0.7, color: '#b0b0b0', clip: true },
                encoding: {
                  x: axis('w1', 'w₁'),
                  y: axis('w2', 'w₂'),
                  detail: { field: 'line', type: 'nominal' },
                  order: { field: 'order', type: 'quantitative' },
                },
              },
              {
                transform: [{ filter: "datum.layer === 'trajectory'" }],
                mark: { type: 'line', strokeWidth: 1.2, opacity: 0.75, clip: true },
                encoding: {
                  x: axis('w1', 'w₁'),
                  y: axis('w2', 'w₂'),
                  color: kindColor(kinds, { title: 'Dynamics' }),
                  detail: { field: 'path', type: 'nominal' },
                  order: { field: 'point', type: 'quantitative' },
                },
              },
              {
                transform: [{ filter: "datum.layer === 'marker'" }],
                mark: { type: 'point', shape: 'cross', size: 120, color: '#000000', filled: true },
                encoding: { x: axis('w1', 'w₁'), y: axis('w2', 'w₂') },
              },
              {
                transform: [{ filter: "datum.layer === 'marker'" }],
                mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11 },
                encoding: { x: axis('w1', 'w₁'), y: axis('w2', 'w₂'), text: { field: 'text', type: 'nominal' } },
              },
            ],
          },
        },
      },
      {
        type: 'table',
        table: {
          id: 'toy2d-success',
          title: 'Escapes from the sharp minimum, with each kind’s Tr(HΣ) at (1, 1)',
          caption: 'Escapes per seed out of the repeats; Tr(HΣ) is averaged over the data sets, beside its closed form (population covariance).',
          columns: [
            { key: 'dynamics', label: 'dynamics', format: 'text' },
            { key: 'repeats', label: 'repeats', format: 'integer' },
            { key: 'escapes', label: 'escapes per seed', format: 'text' },
            { key: 'escapesMean', label: 'mean escapes', format: 'sig' },
            { key: 'traceHSigma', label: 'Tr(HΣ) at (1,1)', format: 'sig' },
            { key: 'traceHSigmaClosedForm', label: 'closed form', format: 'sig' },
          ],
          rows: rows.map((r) => ({
            dynamics: kindLabel(r.kind),
            repeats: r.repeats,
            escapes: r.escapes.join(', '),
            escapesMean: r.escapesMean,
            traceHSigma: r.traceHSigma,
            traceHSigmaClosedForm: r.traceHSigmaClosedForm,
          })),
        },
      },
    ],
  };
}
