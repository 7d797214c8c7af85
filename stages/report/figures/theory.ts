/**
 * Theory against experiment at the sharp minimum: the measured short-horizon loss increase of each noise kind beside
 * the indicator's prediction (t/2)·Tr(HΣ) and the quadratic model's ¼·Tr((I − e^{−2Ht})Σ) in H's top-k eigenbasis.
 */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import type { fashionTheoryStage } from '../../fashion/theory.ts';
import type { ReportSection } from '../document.ts';
import { kindLabel, OKABE_ITO } from '../render/theme.ts';

/** `fashion.theory[seed]`'s outputs, as declared (stages/fashion/outputs.ts). */
export type FashionTheory = OutputsOf<typeof fashionTheoryStage>;

/** One (kind, step) row of `fashion.theory[seed]`. */
export type TheoryRow = FashionTheory['rows'][number];

/** Rows of every seed's theory stage, with the seed attached. */
export function theoryRows(theories: readonly Pick<FashionTheory, 'rows'>[]): (TheoryRow & { seed: number })[] {
  return theories.flatMap((t, seed) => t.rows.map((r) => ({ ...r, seed })));
}

/** One (kind, step) averaged over seeds: means of the measured and predicted increases, the combined standard error. */
export interface TheoryPoint {
  kind: string;
  step: number;
  measured: number;
  stderr: number;
  noiseInduced: number;
  linear: number;
  quadratic: number;
  quadraticDiscrete: number;
  traceHSigma: number;
}

/** Averages every seed's rows per (kind, step), in first-seen order; the stderr of a mean of independent means. */
export function theoryBySeedMean(rows: readonly (TheoryRow & { seed: number })[]): TheoryPoint[] {
  const groups = new Map<string, TheoryRow[]>();
  for (const r of rows) {
    const id = `${r.kind}/${r.step}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return [...groups.values()].map((at) => {
    const m = (f: (r: TheoryRow) => number) => at.reduce((a, r) => a + f(r), 0) / at.length;
    return {
      kind: at[0]!.kind,
      step: at[0]!.step,
      measured: m((r) => r.measuredMean),
      stderr: Math.sqrt(at.reduce((a, r) => a + r.measuredStderr ** 2, 0)) / at.length,
      noiseInduced: m((r) => r.noiseInduced),
      linear: m((r) => r.linear),
      quadratic: m((r) => r.quadratic),
      quadraticDiscrete: m((r) => r.quadraticDiscrete),
      traceHSigma: m((r) => r.traceHSigma),
    };
  });
}

/** Per kind at the last step: measured noise-induced increase (mean over seeds) against the predictions. */
export function theoryAtHorizon(rows: readonly (TheoryRow & { seed: number })[]): (TheoryPoint & { ratioToLinear: number | null })[] {
  const last = Math.max(...rows.map((r) => r.step));
  return theoryBySeedMean(rows)
    .filter((p) => p.step === last)
    .map((p) => ({ ...p, ratioToLinear: p.linear ? p.noiseInduced / p.linear : null }));
}

/** The section built from the `fashion.theory[seed]` outputs (in seed order). */
export function theorySection(theories: readonly FashionTheory[]): ReportSection {
  const rows = theoryRows(theories);
  const settings = theories[0]!.settings;
  const kinds = [...new Set(rows.map((r) => r.kind))].filter((k) => k !== 'gd');
  const curves = theoryBySeedMean(rows)
    .filter((p) => p.kind !== 'gd')
    .flatMap((p) => {
      const dynamics = kindLabel(p.kind);
      return [
        {
          dynamics,
          step: p.step,
          curve: 'measured (minus GD drift)',
          value: p.noiseInduced,
          lo: p.noiseInduced - 2 * p.stderr,
          hi: p.noiseInduced + 2 * p.stderr,
        },
        { dynamics, step: p.step, curve: 'indicator (t/2)·Tr(HΣ)', value: p.linear },
        { dynamics, step: p.step, curve: 'quadratic model, top-k', value: p.quadratic },
        { dynamics, step: p.step, curve: 'discrete quadratic, top-k', value: p.quadraticDiscrete },
      ];
    });
  const curveColors = {
    domain: ['measured (minus GD drift)', 'indicator (t/2)·Tr(HΣ)', 'quadratic model, top-k', 'discrete quadratic, top-k'],
    range: [OKABE_ITO.black, OKABE_ITO.vermillion, OKABE_ITO.blue, OKABE_ITO.skyBlue],
  };
  const horizon = theoryAtHorizon(rows);
  return {
    id: 'theory',
    title: 'Theory against experiment: short-horizon loss increase at the sharp minimum',
    blocks: [
      {
        type: 'text',
        text:
          `From the Fashion-MNIST sharp minimum θ₀, every noise kind runs ${settings.runs} independent short runs of ${settings.steps} steps (lr η = ${settings.lr}); ` +
          'the noise statistics are fixed at θ₀. Measured: the mean of L(θ_n) − L(θ₀) over the runs minus the same change under GD (the deterministic drift), with ±2 standard errors. ' +
          'With continuous time t = nη and diffusion ηΣ, the indicator predicts (t/2)·Tr(H·ηΣ) = (nη²/2)·Tr(HΣ); the quadratic model predicts ¼·Tr((I − e^{−2Ht})·ηΣ) ' +
          `and its exact discrete-time counterpart, both evaluated in the top-${settings.k} eigenbasis of H (so they only count the part of Tr(HΣ) that basis captures).`,
      },
      {
        type: 'figure',
        figure: {
          id: 'theory-loss-increase',
          title: 'Measured loss increase against the predictions',
          caption: 'One panel per noise kind (GD is the reference and is subtracted). Black points: measured, with ±2 standard errors; lines: predictions.',
          data: curves,
          spec: {
            title: { text: 'Short-horizon loss increase: measured vs predicted', subtitle: 'Fashion-MNIST, from the sharp minimum' },
            facet: { field: 'dynamics', type: 'nominal', title: null, sort: kinds.map(kindLabel) },
            columns: 4,
            resolve: { scale: { y: 'independent' } },
            spec: {
              width: 190,
              height: 150,
              layer: [
                {
                  transform: [{ filter: "datum.curve !== 'measured (minus GD drift)'" }],
                  mark: { type: 'line', strokeWidth: 1.6 },
                  encoding: {
                    x: { field: 'step', type: 'quantitative', title: 'steps n' },
                    y: { field: 'value', type: 'quantitative', title: 'E[L(θ_n)] − L(θ₀) (nats)' },
                    color: { field: 'curve', type: 'nominal', title: null, scale: curveColors, legend: { labelLimit: 320, orient: 'bottom', columns: 2 } },
                  },
                },
                {
                  transform: [{ filter: "datum.curve === 'measured (minus GD drift)'" }],
                  mark: { type: 'rule', color: OKABE_ITO.black },
                  encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
                },
                {
                  transform: [{ filter: "datum.curve === 'measured (minus GD drift)'" }],
                  mark: { type: 'point', filled: true, size: 30 },
                  encoding: {
                    x: { field: 'step', type: 'quantitative' },
                    y: { field: 'value', type: 'quantitative' },
                    color: { field: 'curve', type: 'nominal', title: null, scale: curveColors, legend: { labelLimit: 320, orient: 'bottom', columns: 2 } },
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
          id: 'theory-horizon',
          title: `Loss increase after ${horizon[0]?.step ?? '?'} steps, measured and predicted`,
          caption: 'Measured: mean over runs (and seeds) of L(θ_n) − L(θ₀); noise-induced: minus the GD drift. Ratio: noise-induced ÷ indicator prediction.',
          columns: [
            { key: 'dynamics', label: 'dynamics', format: 'text' },
            { key: 'traceHSigma', label: 'Tr(HΣ)', format: 'sig' },
            { key: 'measured', label: 'measured', format: 'sig' },
            { key: 'stderr', label: '± stderr', format: 'sig' },
            { key: 'noiseInduced', label: 'noise-induced', format: 'sig' },
            { key: 'linear', label: '(t/2)·Tr(HΣ)', format: 'sig' },
            { key: 'quadratic', label: 'quadratic, top-k', format: 'sig' },
            { key: 'quadraticDiscrete', label: 'discrete quadratic, top-k', format: 'sig' },
            { key: 'ratioToLinear', label: 'measured ÷ indicator', format: 'sig' },
          ],
          rows: horizon.map((r) => ({ ...r, dynamics: kindLabel(r.kind) })),
        },
      },
    ],
  };
}
