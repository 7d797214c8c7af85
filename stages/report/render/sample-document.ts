/**
 * A small synthetic ReportDocument exercising every block and chart shape the report uses (log-scale lines, a
 * many-series scatter, bars, a table of every format, marked-up text). For renderer tests and for eyeballing the
 * theme; the numbers are made up.
 */
import type { ReportDocument, ReportFigure } from '../document.ts';
import { kindColor, kindDash, kindLabelExpr, kindShape, KIND_ORDER } from './theme.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Log-y line chart: training loss of four kinds over iterations. */
export function sampleLineFigure(): ReportFigure {
  const kinds = ['gd', 'sgd', 'gld_const', 'gld_diag'];
  const data = kinds.flatMap((kind, k) => Array.from({ length: 30 }, (_, i) => ({ kind, iteration: i * 100, loss: 2.3 * Math.exp(-i / (6 + 3 * k)) + 1e-3 })));
  return {
    id: 'sample-loss',
    title: 'Training loss',
    caption: 'Full-batch training loss against iteration, log scale; lower is better.',
    data,
    spec: {
      mark: { type: 'line' },
      width: 420,
      height: 260,
      encoding: {
        x: { field: 'iteration', type: 'quantitative', title: 'Iteration' },
        y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'Training loss (log)' },
        color: kindColor(kinds),
        strokeDash: kindDash(kinds),
      },
    },
  };
}

/** Scatter with one series per registered noise kind. */
export function sampleScatterFigure(): ReportFigure {
  const rand = lcg(7);
  const data = KIND_ORDER.flatMap((kind, k) => Array.from({ length: 12 }, () => ({ kind, sharpness: 5 + 20 * rand() + 4 * k, accuracy: 0.6 + 0.3 * rand() })));
  return {
    id: 'sample-scatter',
    title: 'Sharpness against test accuracy',
    caption: 'One point per run; colour and shape give the noise kind.',
    data,
    spec: {
      mark: { type: 'point' },
      width: 420,
      height: 260,
      encoding: {
        x: { field: 'sharpness', type: 'quantitative', title: 'Largest Hessian eigenvalue' },
        y: { field: 'accuracy', type: 'quantitative', title: 'Test accuracy', axis: { format: '.0%' }, scale: { zero: false } },
        color: kindColor(KIND_ORDER),
        shape: kindShape(KIND_ORDER),
      },
    },
  };
}

/** Bar chart: escape rate per kind. */
export function sampleBarFigure(): ReportFigure {
  const data = KIND_ORDER.map((kind, k) => ({ kind, escapeRate: ((k * 37) % 10) / 10 + 0.05 }));
  return {
    id: 'sample-escape',
    title: 'Escape rate',
    caption: 'Fraction of runs that left the sharp minimum within the budget.',
    data,
    spec: {
      mark: { type: 'bar' },
      width: 420,
      height: 220,
      encoding: {
        x: { field: 'kind', type: 'nominal', sort: [...KIND_ORDER], title: null, axis: { labelAngle: -30, labelExpr: kindLabelExpr(KIND_ORDER) } },
        y: { field: 'escapeRate', type: 'quantitative', title: 'Escape rate', axis: { format: '.0%' } },
        color: kindColor(KIND_ORDER, { legend: false }),
      },
    },
  };
}

/** The sample document: three figures, one table, text with markup and an attempted script injection. */
export function sampleReportDocument(): ReportDocument {
  return {
    title: 'Sample report <renderer check>',
    subtitle: 'Synthetic numbers; profile quick, backend cpu.',
    sections: [
      {
        id: 'dynamics',
        title: 'Dynamics',
        blocks: [
          { type: 'text', text: 'Loss of **four kinds** with `lr = 0.1`.\n\nA <script>alert(1)</script> tag stays text.' },
          { type: 'figure', figure: sampleLineFigure() },
          { type: 'figure', figure: sampleScatterFigure() },
        ],
      },
      {
        id: 'escape',
        title: 'Escaping sharp minima',
        blocks: [
          { type: 'figure', figure: sampleBarFigure() },
          {
            type: 'table',
            table: {
              id: 'escape-summary',
              title: 'Escape summary',
              caption: 'Per kind.',
              columns: [
                { key: 'kind', label: 'Kind', format: 'text' },
                { key: 'rate', label: 'Escape rate', format: 'percent' },
                { key: 'runs', label: 'Runs', format: 'integer' },
                { key: 'trace', label: 'Tr Σ' },
                { key: 'seeds', label: 'Seeds' },
              ],
              rows: [
                { kind: 'sgd', rate: 0.8125, runs: 16, trace: 1.836361, seeds: [1, 2, 3] },
                { kind: 'gld_const', rate: 0.0625, runs: 16, trace: 0.000012346, seeds: [] },
                { kind: 'gd', rate: 0, runs: 16, trace: null },
              ],
            },
          },
        ],
      },
    ],
  };
}
