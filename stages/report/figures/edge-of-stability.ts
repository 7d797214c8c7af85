/**
 * "Beyond the paper": the edge of stability (Cohen et al., ICLR 2021, "Gradient Descent on Neural Networks Typically
 * Occurs at the Edge of Stability"). Full-batch GD at learning rate η is stable along the Hessian's top eigenvector
 * only while λ_max < 2/η; Cohen et al. find that λ_max rises to 2/η and hovers there. Here: λ_max·η/2 along the
 * Fashion-MNIST pre-training and every dynamics (fashion.summary's `sharpness`), two findings with fixed criteria, a
 * figure and two tables.
 */
import type { ReportBlock } from '../document.ts';
import { kindLabel, kindStyle } from '../render/theme.ts';
import type { FashionSummary } from './fashion.ts';

/** Pre-training "reaches the edge" at the first measurement with λ_max·η/2 ≥ this. */
export const EOS_REACH = 0.9;
/** "Stays at the edge": from the first reach on, every measurement's λ_max·η/2 lies in [low, high]. */
export const EOS_BAND = { low: 0.8, high: 1.2 } as const;

/** One measurement: the iteration and λ_max·η/2. */
export interface EdgePoint {
  readonly iteration: number;
  readonly edge: number;
}

/** Where a pre-training first reached EOS_REACH and the range of λ_max·η/2 from there on. */
export interface EdgeReach {
  /** The first iteration with λ_max·η/2 ≥ EOS_REACH (null: never). */
  readonly reachedAt: number | null;
  /** Smallest and largest λ_max·η/2 from the first reach on (null: never reached). */
  readonly min: number | null;
  readonly max: number | null;
  /** Measurements from the first reach on. */
  readonly after: number;
  /** Reached, and every measurement from then on within EOS_BAND. */
  readonly holds: boolean;
}

/** Whether λ_max·η/2 lies in EOS_BAND (at the edge of stability). */
export const atEdge = (edge: number) => edge >= EOS_BAND.low && edge <= EOS_BAND.high;

/** The reach-and-hover criterion on one track (any order of points; sorted by iteration here). */
export function edgeReach(points: readonly EdgePoint[]): EdgeReach {
  const sorted = [...points].sort((a, b) => a.iteration - b.iteration);
  const first = sorted.findIndex((p) => p.edge >= EOS_REACH);
  if (first < 0) return { reachedAt: null, min: null, max: null, after: 0, holds: false };
  const rest = sorted.slice(first).map((p) => p.edge);
  return { reachedAt: sorted[first]!.iteration, min: Math.min(...rest), max: Math.max(...rest), after: rest.length, holds: rest.every(atEdge) };
}

type SharpnessRow = FashionSummary['sharpness'][number];

/** One row of the findings table. */
export interface EdgeFinding {
  id: string;
  finding: string;
  criterion: string;
  thisRun: string;
  verdict: string;
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

/** The two findings from the pre-training tracks of every seed (none when no track was recorded). */
export function edgeFindings(rows: readonly SharpnessRow[]): EdgeFinding[] {
  const pre = rows.filter((r) => r.run === 'pretrain');
  const seeds = [...new Set(pre.map((r) => r.seed))].sort((a, b) => a - b);
  if (seeds.length === 0) return [];
  const bySeed = seeds.map((seed) => {
    const track = pre.filter((r) => r.seed === seed).sort((a, b) => a.iteration - b.iteration);
    return { seed, track, reach: edgeReach(track), end: track.at(-1)! };
  });
  const lr = pre[0]!.lr;
  return [
    {
      id: 'eos-pretrain',
      finding: `GD pre-training (η = ${lr}) drives λ_max up to the edge of stability 2/η = ${(2 / lr).toPrecision(3)} and stays there (Cohen et al., ICLR 2021).`,
      criterion: `on every seed λ_max·η/2 reaches ≥ ${EOS_REACH}, and from then on every measurement lies in [${EOS_BAND.low}, ${EOS_BAND.high}]`,
      thisRun: bySeed
        .map(({ seed, reach }) =>
          reach.reachedAt === null
            ? `seed ${seed}: never ≥ ${EOS_REACH} (largest ${f3(Math.max(...pre.filter((r) => r.seed === seed).map((r) => r.edge)))})`
            : `seed ${seed}: ≥ ${EOS_REACH} first at iteration ${reach.reachedAt}, then [${f3(reach.min)}, ${f3(reach.max)}] over ${reach.after} measurement(s)`,
        )
        .join('; '),
      verdict: bySeed.every((s) => s.reach.holds) ? 'holds' : 'does not hold',
    },
    {
      id: 'eos-sharp-minimum',
      finding: 'The sharp minimum (the pre-training’s end) sits at the edge of stability of the pre-training’s learning rate.',
      criterion: `on every seed λ_max·η/2 at the pre-training’s last iteration lies in [${EOS_BAND.low}, ${EOS_BAND.high}]`,
      thisRun: bySeed
        .map(({ seed, end }) => `seed ${seed}: λ_max ${end.lambdaMax.toPrecision(3)} at iteration ${end.iteration}, ${f3(end.edge)}·2/η`)
        .join('; '),
      verdict: bySeed.every((s) => atEdge(s.end.edge)) ? 'holds' : 'does not hold',
    },
  ];
}

/** The part's blocks (text, figure, tables) and findings; null when fashion.summary holds no λ_max track. */
export function edgeOfStabilityBlocks(fashion: FashionSummary): { blocks: ReportBlock[]; findings: EdgeFinding[] } | null {
  const rows = fashion.sharpness ?? [];
  if (!rows.some((r) => r.run === 'pretrain')) return null;
  const findings = edgeFindings(rows);
  const label = (run: string) => (run === 'pretrain' ? 'GD pre-training' : kindLabel(run));
  const panel = (r: SharpnessRow) => (r.run === 'pretrain' ? `pre-training, η = ${r.lr}` : `dynamics from the sharp minimum, η = ${r.lr}`);
  // pre-training first (the summary lists its rows first), then the dynamics
  const data = rows.map((r) => ({ panel: panel(r), series: label(r.run), seed: r.seed, iteration: r.iteration, edge: r.edge, lambdaMax: r.lambdaMax }));
  const runs = [...new Set(rows.map((r) => r.run))];
  const styleOf = (run: string) =>
    run === 'pretrain' ? { color: '#7f7f7f', dash: [] as number[] } : { color: kindStyle(run).color, dash: [...kindStyle(run).dash] };
  const domain = runs.map(label);
  const starts = fashion.start;
  const preRows = starts.map((s) => {
    const track = rows.filter((r) => r.run === 'pretrain' && r.seed === s.seed);
    const reach = edgeReach(track);
    const lr = track[0]?.lr ?? null;
    return {
      seed: s.seed,
      iterations: s.iterations,
      twoOverLr: lr === null ? null : 2 / lr,
      reachedAt: reach.reachedAt,
      min: reach.min,
      max: reach.max,
      firstFitIteration: s.firstFitIteration ?? null,
      firstFitTestAccuracy: s.firstFitTestAccuracy ?? null,
      firstFitLambdaMax: s.firstFitLambdaMax ?? null,
      lambdaMax: s.lambdaMax ?? null,
      edge: s.lambdaMax !== null && s.lambdaMax !== undefined && lr !== null ? (s.lambdaMax * lr) / 2 : null,
      testAccuracy: s.testAccuracy,
    };
  });
  const dynRows = runs
    .filter((r) => r !== 'pretrain')
    .flatMap((run) =>
      [...new Set(rows.filter((r) => r.run === run).map((r) => r.seed))].map((seed) => {
        const track = rows.filter((r) => r.run === run && r.seed === seed).sort((a, b) => a.iteration - b.iteration);
        return {
          dynamics: label(run),
          seed,
          twoOverLr: 2 / track[0]!.lr,
          start: track[0]!.lambdaMax,
          end: track.at(-1)!.lambdaMax,
          endEdge: track.at(-1)!.edge,
          maxEdge: Math.max(...track.map((r) => r.edge)),
          unconverged: track.filter((r) => !r.converged).length,
        };
      }),
    );
  const blocks: ReportBlock[] = [
    {
      type: 'text',
      text:
        'How sharp is the paper’s “sharp minimum”, and what sets it? Full-batch GD at learning rate η is stable along the Hessian’s top eigenvector only while λ_max < 2/η. ' +
        'Cohen et al. (ICLR 2021, “Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability”) find that λ_max rises during GD until it reaches 2/η and then hovers there, the loss still falling non-monotonically (self-stabilisation). ' +
        'λ_max here is the top eigenvalue of the full-batch training-loss Hessian by Lanczos top-1, each measurement warm-started from the previous eigenvector and held to the relative residual fashion.sharpnessTrack.tol, at the iterations that fashion.sharpnessTrack sets. ' +
        'What this means for the paper: where the pre-training’s end sits at λ_max ≈ 2/η, the sharpness of the minimum that the dynamics start from is set by the pre-training’s learning rate, through this self-stabilisation, not by an intrinsic property of the data or the network; a smaller η would have given a sharper start, a larger one a flatter. ' +
        'The paper’s comparisons between noise kinds all start from the same minimum, so no claim’s verdict changes; what the minimum is “sharp” relative to is the pre-training’s 2/η.',
    },
    {
      type: 'figure',
      figure: {
        id: 'beyond-edge-of-stability',
        title: 'λ_max·η/2 along the pre-training and every dynamics',
        caption: `λ_max of the full-batch training-loss Hessian times η/2, each run with its own learning rate η; the line at 1 is λ_max = 2/η. The band [${EOS_BAND.low}, ${EOS_BAND.high}] is the findings' "at the edge". One line per seed.`,
        data,
        spec: {
          title: { text: 'Edge of stability', subtitle: 'λ_max·η/2 = 1 is λ_max = 2/η' },
          facet: { field: 'panel', type: 'nominal', title: null, sort: [...new Set(data.map((d) => d.panel))] },
          resolve: { scale: { x: 'independent' } },
          spec: {
            width: 320,
            height: 260,
            layer: [
              { mark: { type: 'rule', color: '#888888', strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } },
              {
                mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.3 },
                encoding: {
                  x: { field: 'iteration', type: 'quantitative', title: 'iteration' },
                  y: { field: 'edge', type: 'quantitative', title: 'λ_max·η/2' },
                  color: {
                    field: 'series',
                    type: 'nominal',
                    title: 'run',
                    scale: { domain, range: runs.map((r) => styleOf(r).color) },
                    legend: { labelLimit: 320 },
                  },
                  strokeDash: { field: 'series', type: 'nominal', scale: { domain, range: runs.map((r) => styleOf(r).dash) }, legend: null },
                  detail: { field: 'seed', type: 'nominal' },
                  tooltip: [
                    { field: 'series' },
                    { field: 'seed' },
                    { field: 'iteration' },
                    { field: 'lambdaMax', format: '.4g' },
                    { field: 'edge', format: '.3f' },
                  ],
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
        id: 'beyond-edge-pretrain',
        title: 'The pre-training’s λ_max against 2/η: first reach of the edge, the first fit and the end',
        caption: `“first ≥ ${EOS_REACH}”: the first iteration with λ_max·η/2 ≥ ${EOS_REACH}; min and max of λ_max·η/2 from there on. The first fit is the first check with every training label fit (with fashion.pretrain.iterations, GD runs on past it).`,
        columns: [
          { key: 'seed', label: 'seed', format: 'integer' },
          { key: 'iterations', label: 'iterations', format: 'integer' },
          { key: 'twoOverLr', label: '2/η', format: 'sig' },
          { key: 'reachedAt', label: `first ≥ ${EOS_REACH}`, format: 'integer' },
          { key: 'min', label: 'min λ_max·η/2 after', format: 'sig' },
          { key: 'max', label: 'max λ_max·η/2 after', format: 'sig' },
          { key: 'firstFitIteration', label: 'first fit', format: 'integer' },
          { key: 'firstFitLambdaMax', label: 'λ_max at the first fit', format: 'sig' },
          { key: 'firstFitTestAccuracy', label: 'test accuracy at the first fit', format: 'percent' },
          { key: 'lambdaMax', label: 'λ_max at the end', format: 'sig' },
          { key: 'edge', label: 'λ_max·η/2 at the end', format: 'sig' },
          { key: 'testAccuracy', label: 'test accuracy at the end', format: 'percent' },
        ],
        rows: preRows,
        keys: ['seed'],
      },
    },
  ];
  if (dynRows.length > 0) {
    blocks.push({
      type: 'table',
      table: {
        id: 'beyond-edge-dynamics',
        title: 'λ_max along each dynamics against its own 2/η',
        columns: [
          { key: 'dynamics', label: 'dynamics', format: 'text' },
          { key: 'seed', label: 'seed', format: 'integer' },
          { key: 'twoOverLr', label: '2/η', format: 'sig' },
          { key: 'start', label: 'λ_max at the start', format: 'sig' },
          { key: 'end', label: 'λ_max at the end', format: 'sig' },
          { key: 'endEdge', label: 'λ_max·η/2 at the end', format: 'sig' },
          { key: 'maxEdge', label: 'largest λ_max·η/2', format: 'sig' },
          { key: 'unconverged', label: 'measurements above tol', format: 'integer' },
        ],
        rows: dynRows,
        keys: ['dynamics', 'seed'],
      },
    });
  }
  return { blocks, findings };
}
