/**
 * The escape-law part of "Beyond the paper" (from `toy2d.escapeSummary`): a figure of log τ̂ with 95% intervals
 * against B/η, log λ_max and ΔL (SGD and GLD const), the fitted lines' table, every point's table, and the findings.
 */
import type { OutputsOf } from '../../../pipeline/deps.ts';
import { ESCAPE_ETA_LAMBDA_MAX } from '../../escape-regime.ts';
import type { toy2dEscapeSummaryStage } from '../../toy2d/escape-summary.ts';
import type { ReportBlock } from '../document.ts';
import { kindStyle } from '../render/theme.ts';

/** `toy2d.escapeSummary`'s outputs, as declared (stages/toy2d/outputs.ts). */
export type EscapeLawsSummary = OutputsOf<typeof toy2dEscapeSummaryStage>;

const CURVATURE_PANEL = 'sharp curvature λ_max (fixed barrier of the loss descended)';
const BARRIER_PANEL = 'barrier of the loss descended (fixed curvature)';
const PANEL: Record<string, { panel: string; x: string }> = {
  'sgd-ratio': { panel: 'B/η (SGD)', x: 'batchOverLr' },
  'sgd-curvature': { panel: CURVATURE_PANEL, x: 'lambdaMax' },
  'gld-curvature': { panel: CURVATURE_PANEL, x: 'lambdaMax' },
  'sgd-barrier': { panel: BARRIER_PANEL, x: 'deltaL' },
  'gld-barrier': { panel: BARRIER_PANEL, x: 'deltaL' },
};
const DYN_LABEL: Record<string, string> = { sgd: 'SGD', gld_const: 'GLD const (matched total variance)' };

/** One panel: log τ̂ (log axis) with its interval against one variable, SGD and GLD const coloured. */
function panel(panelName: string, xTitle: string, xLog: boolean) {
  const color = {
    field: 'dynamics',
    type: 'nominal',
    title: 'dynamics',
    scale: { domain: Object.values(DYN_LABEL), range: [kindStyle('sgd').color, kindStyle('gld_const').color] },
    legend: { labelLimit: 320 },
  };
  const x = { field: 'x', type: 'quantitative', title: xTitle, scale: xLog ? { type: 'log' } : { type: 'linear', zero: false } };
  const y = { field: 'tau', type: 'quantitative', title: 'mean escape time τ̂ (iterations, log)', scale: { type: 'log' } };
  return {
    width: 220,
    height: 220,
    transform: [{ filter: `datum.panel === '${panelName}'` }],
    layer: [
      {
        mark: { type: 'rule' },
        encoding: { x, y: { field: 'tauLower', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'tauUpperShown' }, color },
      },
      {
        mark: { type: 'line', point: true },
        encoding: { x, y, color, tooltip: [{ field: 'sweep' }, { field: 'x' }, { field: 'tau' }, { field: 'escapes' }, { field: 'repeats' }] },
      },
    ],
  };
}

const range = (xs: number[], digits = 3) => `${Math.min(...xs).toPrecision(digits)}–${Math.max(...xs).toPrecision(digits)}`;

/** The regime the points run in, from the table: η·λ_max, steps per slowest relaxation, ΔL/T per dynamics. */
export function regime(table: EscapeLawsSummary['table']): string {
  if (table.length === 0) return '';
  const of = (d: string) => table.filter((r) => r.dynamics === d).map((r) => r.barrierOverT);
  const sgd = of('sgd');
  const gld = of('gld_const');
  return (
    `Every point runs in the small-learning-rate regime both theories are derived in: η·λ_max ${range(table.map((r) => r.etaLambdaMax))} (at most ${ESCAPE_ETA_LAMBDA_MAX}, enforced by the config), so the discrete factor 2/(2 − η·λ) of the stationary variance stays within ${(2 / (2 - Math.max(...table.map((r) => r.etaLambdaMax)))).toFixed(2)}, and the basin’s slowest mode relaxes over 1/(η·λ_min) = ${range(table.map((r) => r.relaxation))} steps. ` +
    `Barriers over the linearised stationary temperature along the escape direction: ΔL̄/T ${sgd.length ? range(sgd) : '–'} for SGD (its population barrier) and ΔL/T ${gld.length ? range(gld) : '–'} for GLD const. ` +
    'SGD’s data-free barriers are set higher than GLD const’s because on this toy each example shifts the whole two-basin loss: a saddle at ΔL/T of a few lies within about √(ΔL/T·η·λ_max/B) data standard deviations of the minimum, where the population loss has no barrier left and SGD crosses in a few steps whatever B. SGD escapes over the data-smeared ridge of the population loss, whose barrier ΔL̄ is several times lower than the data-free ΔL; GLD const, driven by the data-free gradient, escapes over ΔL.'
  );
}

/** The blocks of the escape-law part and its findings. */
export function escapeLawBlocks(s: EscapeLawsSummary): { blocks: ReportBlock[]; findings: EscapeLawsSummary['findings'] } {
  const { table, fits, findings } = s;
  const measured = table.filter((r) => r.tau !== null);
  const data = measured.map((r) => ({
    panel: PANEL[r.sweep]!.panel,
    sweep: r.sweep,
    dynamics: DYN_LABEL[r.dynamics] ?? r.dynamics,
    x: (r as Record<string, unknown>)[PANEL[r.sweep]!.x] as number,
    tau: r.tau!,
    tauLower: r.tauLower,
    // an interval open above (too few escapes to bound it) is drawn to twice the largest finite τ̂
    tauUpperShown: r.tauUpper ?? 2 * Math.max(...measured.map((m) => m.tau!)),
    escapes: r.escapes,
    repeats: r.repeats,
  }));
  const noEscape = table.length - measured.length;
  const base = table.find((r) => r.sweep === 'sgd-barrier') ?? table[0];
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        'Escape-time laws on the 2-D toy. Xie, Sato & Sugiyama (ICLR 2021, “A Diffusion Theory for Deep Learning Dynamics: SGD Exponentially Favors Flat Minima”) predict that SGD’s mean escape time τ grows as exp(c·B·ΔL/(η·λ)) — exponentially in B/η, in the barrier ΔL and in the inverse sharpness — while for isotropic Langevin noise the sharpness enters only polynomially. ' +
        'Mori, Ziyin, Liu & Ueda (ICML 2022, “Power-Law Escape Rate of SGD”) argue that SGD’s noise scales with the loss, so that the log-loss barrier Δlog L sets τ. ' +
        'The toy’s sharp branch is scaled by s (Hessian s·[[110, 90], [90, 110]], λ_max = 200s) and its flat branch lowered by b, which sets ΔL at any s (closed forms in stages/toy2d/barrier.ts: the saddle lies on the diagonal, ΔL = 100s·q*²). ' +
        'That ΔL is the data-free loss’s, which GLD const descends (Δlog L = log((ΔL + ε)/ε) for it, ε = 0.02s the population loss at the sharp minimum). SGD draws fresh examples, each shifting the whole loss, so it descends the population loss L̄ = E_x ℓ, whose data-smeared ridge is lower: SGD’s barrier is L̄’s, ΔL̄ = L̄(saddle) − L̄(min) and Δlog L̄ = log L̄(saddle) − log L̄(min) (stages/toy2d/population.ts: L̄ exact in one data coordinate and by Gauss–Legendre quadrature in the other; its saddle on the diagonal by symmetry, checked against a 2-D flood fill). ' +
        'Every run starts at (1, 1); its escape time is the first iteration past the ridge of the data-free loss; runs that have not escaped by the horizon are censored (kept: they add their horizon to the time at risk), and τ̂ is the exponential maximum-likelihood mean T/d with a 95% likelihood-ratio interval. ' +
        'SGD draws a fresh minibatch of B points from the data distribution at every step (online SGD): on a fixed data set with η·λ_max ≤ 1 the iterate cannot leave the box of the per-example minima, so its escape would be decided by the data set’s extreme point rather than by the noise. ' +
        `GLD const adds isotropic Gaussian noise whose total variance per step is SGD’s at the sharp minimum of the scale-${base?.scale ?? 1} loss for the same B and η, η²·4.4·s₀²/B, held fixed across its curvature sweep (Xie et al.’s fixed-temperature Langevin setting). ` +
        'Each curvature sweep holds the barrier of the loss its dynamics descends: GLD const’s data-free ΔL; SGD’s population barrier ΔL̄ at the base point’s value, the data-free ΔL of each scale solved for by Brent’s method (stages/toy2d/population-match.ts), so SGD’s curvature slope is not that of a falling barrier. ' +
        `${regime(table)} ` +
        `Lines are weighted least squares of log τ̂ with variance 1/escapes; slopes carry normal 95% intervals from those variances.${noEscape ? ` ${noEscape} point${noEscape === 1 ? '' : 's'} with no escape (τ̂ infinite) are left out of the figure and the fits.` : ''}`,
    },
    {
      type: 'figure',
      figure: {
        id: 'beyond-escape-laws',
        title: 'Mean escape time from the toy’s sharp minimum against B/η, the sharp curvature and the barrier',
        caption:
          'τ̂ = time at risk / escapes (censored runs kept), 95% likelihood-ratio intervals as bars; log τ̂ axis. Intervals without a finite upper end are drawn to twice the largest τ̂. Curvature panel: SGD at a fixed population ΔL̄, GLD const at a fixed data-free ΔL. Barrier panel: SGD against ΔL̄, the barrier of the population loss L̄ = E_x ℓ it descends; GLD const against the data-free ΔL of the loss it descends.',
        data,
        spec: {
          title: { text: 'Escape-time laws on the 2-D toy', subtitle: 'SGD and GLD const (isotropic, SGD’s total variance), from the sharp minimum' },
          hconcat: [
            panel('B/η (SGD)', 'B/η', false),
            panel(CURVATURE_PANEL, 'λ_max (log)', true),
            panel(BARRIER_PANEL, 'SGD: population ΔL̄; GLD const: data-free ΔL', false),
          ],
          resolve: { scale: { color: 'shared' } },
        },
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-escape-fits',
        title: 'Fitted escape-time laws: log τ̂ against each sweep’s variable',
        columns: [
          { key: 'sweep', label: 'sweep', format: 'text' },
          { key: 'x', label: 'against', format: 'text' },
          { key: 'points', label: 'points', format: 'integer' },
          { key: 'excluded', label: 'no escape', format: 'integer' },
          { key: 'slope', label: 'slope', format: 'sig' },
          { key: 'slopeLower', label: '95% lower', format: 'sig' },
          { key: 'slopeUpper', label: '95% upper', format: 'sig' },
          { key: 'r2', label: 'R²', format: 'sig' },
        ],
        rows: fits.map((f) => ({ ...f })),
        keys: ['sweep', 'x'],
      },
    },
    {
      type: 'table',
      table: {
        id: 'beyond-escape-points',
        title: 'Every point: barrier, curvature and the censored mean escape time',
        columns: [
          { key: 'sweep', label: 'sweep', format: 'text' },
          { key: 'dynamics', label: 'dynamics', format: 'text' },
          { key: 'batch', label: 'B', format: 'integer' },
          { key: 'lr', label: 'η', format: 'sig' },
          { key: 'batchOverLr', label: 'B/η', format: 'sig' },
          { key: 'lambdaMax', label: 'λ_max', format: 'sig' },
          { key: 'etaLambdaMax', label: 'η·λ_max', format: 'sig' },
          { key: 'barrierLoss', label: 'barrier of', format: 'text' },
          { key: 'deltaL', label: 'ΔL (SGD: ΔL̄)', format: 'sig' },
          { key: 'deltaLogL', label: 'Δlog L (SGD: Δlog L̄)', format: 'sig' },
          { key: 'dataFreeDeltaL', label: 'data-free ΔL', format: 'sig' },
          { key: 'barrierOverT', label: 'ΔL/T', format: 'sig' },
          { key: 'repeats', label: 'runs', format: 'integer' },
          { key: 'escapes', label: 'escapes', format: 'integer' },
          { key: 'tau', label: 'τ̂', format: 'sig' },
          { key: 'tauLower', label: '95% lower', format: 'sig' },
          { key: 'tauUpper', label: '95% upper', format: 'sig' },
        ],
        rows: table.map((r) => ({ ...r })),
        keys: ['sweep', 'dynamics', 'batch', 'lr', 'lambdaMax', 'dataFreeDeltaL'],
      },
    },
  ];
  return { blocks, findings };
}
