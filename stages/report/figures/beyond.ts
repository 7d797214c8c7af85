/**
 * The "Beyond the paper" section: questions the paper leaves open, each answered by this run with a criterion fixed
 * in code (stages/toy2d/shape-summary.ts) and a verdict. First: does Tr(HΣ) alone order escapes across noise shapes?
 */
import type { LoadedArtifacts } from '../../../cache/values.ts';
import type { ReportBlock, ReportSection } from '../document.ts';

/** The protocol numbers the section's text quotes. */
export interface BeyondProtocol {
  readonly lr: number;
  readonly iterations: number;
  readonly variance: number;
  readonly shapes: { readonly repeats: number; readonly angles: number; readonly alphas: number };
}

interface Row {
  frame: string;
  family: string;
  parameter: number | null;
  label: string;
  escapes: number;
  repeats: number;
  rate: number;
  lower: number;
  upper: number;
  trHSigma: number;
}

interface Correlation {
  frame: string;
  shapes: number;
  rho: number;
  lower: number;
  upper: number;
  resamples: number;
  degenerate: number;
}

interface Finding {
  id: string;
  finding: string;
  criterion: string;
  thisRun: string;
  verdict: string;
}

const FAMILY_LABEL: Record<string, string> = { rank1: 'rank 1 at angle φ', mixture: 'isotropic/top-eigenvector mixture', kind: 'GLD kind' };
const FRAME_LABEL: Record<string, string> = { fixed: 'Σ fixed at (1, 1)', local: 'Σ re-estimated along the path' };

/** The section built from `toy2d.shapesSummary`'s outputs. */
export function beyondSection(shapes: LoadedArtifacts, protocol: BeyondProtocol): ReportSection {
  const rows = shapes.table as unknown as Row[];
  const correlation = shapes.correlation as unknown as Correlation[];
  const findings = shapes.findings as unknown as Finding[];
  const data = rows.map((r) => ({
    frame: FRAME_LABEL[r.frame] ?? r.frame,
    family: FAMILY_LABEL[r.family] ?? r.family,
    shape: r.label,
    parameter: r.parameter,
    trHSigma: r.trHSigma,
    escapeRate: r.rate,
    lower: r.lower,
    upper: r.upper,
    escapes: r.escapes,
    repeats: r.repeats,
  }));
  const x = { field: 'trHSigma', type: 'quantitative', title: 'Tr(HΣ) at (1, 1)' };
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        `The paper compares a handful of hand-picked noise kinds. Here every covariance of a family has the toy's total variance ${protocol.variance}: ` +
        `rank-1 noise along ${protocol.shapes.angles} directions φ ∈ [0, π) measured from the sharp Hessian eigenvector, ` +
        `${protocol.shapes.alphas} mixtures (1 − α)·isotropic + α·(top Hessian eigenvector), and the paper's GLD kinds. ` +
        `Each runs ${protocol.shapes.repeats} repeats (each with its own data set) of ${protocol.iterations} iterations at learning rate ${protocol.lr} from the sharp minimum (1, 1), once with Σ held at its value there and once re-estimated at every step as the paper's kinds are. ` +
        'Escape rates carry Wilson 95% intervals; ρ is Spearman’s rank correlation with a 95% percentile bootstrap interval (2000 resamples of the shapes).',
    },
    {
      type: 'figure',
      figure: {
        id: 'beyond-shapes-escape',
        title: 'Escape rate against Tr(HΣ) across noise shapes of equal total variance',
        caption: 'One point per covariance, coloured by family; bars are Wilson 95% intervals of the escape rate. Left: Σ held at its value at (1, 1); right: re-estimated along the path.',
        data,
        spec: {
          title: { text: 'Does Tr(HΣ) order escapes across noise shapes?', subtitle: 'same total variance; escape = ends in the flat basin' },
          facet: { field: 'frame', type: 'nominal', title: null },
          spec: {
            width: 300,
            height: 260,
            layer: [
              {
                mark: { type: 'rule', strokeWidth: 1, opacity: 0.6 },
                encoding: { x, y: { field: 'lower', type: 'quantitative', title: 'escape rate', scale: { domain: [0, 1] } }, y2: { field: 'upper' }, color: { field: 'family', type: 'nominal', title: 'shape', legend: { labelLimit: 320 } } },
              },
              {
                mark: { type: 'point', filled: true, size: 40 },
                encoding: {
                  x,
                  y: { field: 'escapeRate', type: 'quantitative', title: 'escape rate', axis: { format: '%' }, scale: { domain: [0, 1] } },
                  color: { field: 'family', type: 'nominal', title: 'shape', legend: { labelLimit: 320 } },
                  tooltip: [{ field: 'shape' }, { field: 'trHSigma', format: '.3f' }, { field: 'escapes' }, { field: 'repeats' }],
                },
              },
            ],
          },
        },
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-shapes-rho',
        title: 'Spearman’s ρ between Tr(HΣ) and the escape rate',
        caption: 'Over every shape of the family; bootstrap resamples where all rates or all traces came out equal have no ρ and are counted as dropped.',
        columns: [
          { key: 'frame', label: 'Σ', format: 'text' },
          { key: 'shapes', label: 'shapes', format: 'integer' },
          { key: 'rho', label: 'ρ', format: 'sig' },
          { key: 'lower', label: '95% lower', format: 'sig' },
          { key: 'upper', label: '95% upper', format: 'sig' },
          { key: 'degenerate', label: 'resamples dropped', format: 'integer' },
        ],
        rows: correlation.map((c) => ({ ...c, frame: FRAME_LABEL[c.frame] ?? c.frame })),
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-findings',
        title: 'Findings beyond the paper',
        caption: 'Each criterion is fixed in stages/toy2d/shape-summary.ts, before any run.',
        columns: [
          { key: 'finding', label: 'finding', format: 'text' },
          { key: 'thisRun', label: 'this run', format: 'text' },
          { key: 'criterion', label: 'criterion', format: 'text' },
          { key: 'verdict', label: 'verdict', format: 'text' },
        ],
        rows: findings.map((f) => ({ ...f })),
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-shapes',
        title: 'Every shape: escapes and Tr(HΣ) at (1, 1)',
        columns: [
          { key: 'frame', label: 'Σ', format: 'text' },
          { key: 'shape', label: 'shape', format: 'text' },
          { key: 'trHSigma', label: 'Tr(HΣ)', format: 'sig' },
          { key: 'escapes', label: 'escapes', format: 'integer' },
          { key: 'repeats', label: 'repeats', format: 'integer' },
          { key: 'escapeRate', label: 'rate', format: 'percent' },
          { key: 'lower', label: '95% lower', format: 'percent' },
          { key: 'upper', label: '95% upper', format: 'percent' },
        ],
        rows: data,
      },
    },
  ];
  return { id: 'beyond', title: 'Beyond the paper', blocks };
}
