/**
 * Where this project's protocols and the authors' released code (uuujf/SGDNoise on GitHub) differ, in one table:
 * what the paper says, what the released code does (and in which file), what the `paper` profile does, and the
 * config keys and values that reproduce the code (`paper-code` sets all of them). docs/deviations.md shows this table
 * and the report's provenance lists the rows that apply to the run.
 */

/** A config reader over the resolved configuration (undefined for absent optional settings). */
export type DeviationConfig = (path: string) => unknown;

/** One difference between the paper, the released code and this project. */
export interface Deviation {
  /** Short stable id, used by the claims table to say which verdicts depend on it. */
  readonly id: string;
  readonly experiment: string;
  readonly paper: string;
  /** What the released code does, with the file. */
  readonly code: string;
  /** What the `paper` profile does. */
  readonly paperProfile: string;
  /** The keys and values that reproduce the released code. */
  readonly reproduce: readonly { key: string; value: unknown }[];
  /** Whether the row applies to a run with this configuration (its experiment runs and the row's choice matters). */
  appliesTo(cfg: DeviationConfig): boolean;
}

const kinds = (cfg: DeviationConfig, section: string) => (cfg(`${section}.kinds`) as string[] | undefined) ?? [];
const fashionRuns = (kind: string) => (cfg: DeviationConfig) => kinds(cfg, 'fashion.dynamics').includes(kind);
const vggOn = (ds: string) => (cfg: DeviationConfig) => cfg(`${ds}.enabled`) === true;
const CHECKPOINTS_0_TO_15000 = Array.from({ length: 16 }, (_, i) => i * 1000);

/**
 * What `paper` does for the pre-training and what was measured of both lengths at paper scale (1200 images, 200 random
 * labels, lr 0.1, seed 0 of `paper`; stages/report/figures/edge-of-stability.ts; docs/deviations.md has the command).
 */
const PRETRAIN_MEASURED =
  'as the code: 20,000 iterations (fashion.pretrain.iterations). Measured here on one seed (seed 0 of paper, native backend): ' +
  'the first 100 % fit at iteration 2750 (training loss 0.0145, test accuracy 68.63 %, λ_max 17.3 = 0.87·2/η), and at 20,000 ' +
  'training loss 8.2e-5, test accuracy 67.20 %, λ_max 0.67 = 0.03·2/η. Of the two, 20,000 iterations come closer to the paper’s 66.22 % (0.98 point off, about 2 binomial standard ' +
  'errors of a 10,000-image test accuracy; the first fit 2.41 points off); one seed, so no seed spread was measured';

/** The table. */
export const DEVIATIONS: readonly Deviation[] = Object.freeze([
  {
    id: 'cifar10-data',
    experiment: 'CIFAR-10',
    paper: 'silent on the training-set size',
    code: 'all 50,000 training images and the 10,000 test images (CIFAR10/cifar2np.py, cifar10.py)',
    paperProfile: 'as the code (earlier versions assumed 25,000)',
    reproduce: [
      { key: 'cifar10.data.trainCount', value: 50_000 },
      { key: 'cifar10.data.testCount', value: 10_000 },
    ],
    appliesTo: vggOn('cifar10'),
  },
  {
    id: 'vgg-iterations',
    experiment: 'SVHN, CIFAR-10',
    paper: 'silent on the run length per dynamics',
    code: 'sgd.py 100,001 iterations; gd.py, gld.py, gld_diag.py, gld_dyn.py 200,001 (SVHN/, CIFAR10/)',
    paperProfile: 'as the code',
    reproduce: [
      { key: '<svhn|cifar10>.dynamics.iterations', value: 200_001 },
      { key: '<svhn|cifar10>.dynamics.kindIterations', value: { sgd: 100_001 } },
    ],
    appliesTo: (cfg) => vggOn('svhn')(cfg) || vggOn('cifar10')(cfg),
  },
  {
    id: 'vgg-flatness',
    experiment: 'SVHN, CIFAR-10',
    paper: 'expected sharpness E[L(θ+ν)] − L(θ), ν ~ N(0, δ²I)',
    code: 'mean |ΔL| and |Δ accuracy| over 100 draws of N(0, 10⁻⁶ I) at checkpoints 3000, 4000, …, 15000 (flatness.py, utils.py deltaLossAcc)',
    paperProfile: 'signed antithetic ΔL, δ = 10⁻³, 20 draws, at the final iterate only (the checkpoints: no key)',
    reproduce: [{ key: '<svhn|cifar10>.sharpness', value: { delta: 1e-3, samples: 100, mode: 'absolute' } }],
    appliesTo: (cfg) => vggOn('svhn')(cfg) || vggOn('cifar10')(cfg),
  },
  {
    id: 'fashion-top1-eigvec',
    experiment: 'Fashion-MNIST, GLD 1st eigvec(H)',
    paper: 'silent on how u₁ is computed and how often',
    code: 'u₁ at every iteration by 30 power steps from a uniform random vector (FashionMNIST/gld_1Hess.py, --frequence 1)',
    paperProfile: 'as the code (earlier versions: Lanczos every 10 iterations)',
    reproduce: [{ key: 'fashion.dynamics.gld_hessian_top1', value: { refresh: 1, eigvec: { method: 'power', iterations: 30 } } }],
    appliesTo: fashionRuns('gld_hessian_top1'),
  },
  {
    id: 'fashion-leading-noise-steps',
    experiment: 'Fashion-MNIST, GLD leading',
    paper: 'noise at every step',
    code: 'noise only on the refresh iterations (every 10th); the other nine are plain GD (FashionMNIST/gld_lead.py)',
    paperProfile: 'noise on every step from the last refresh (the paper)',
    reproduce: [{ key: 'fashion.dynamics.gld_leading.noiseSteps', value: 'refresh' }],
    appliesTo: fashionRuns('gld_leading'),
  },
  {
    id: 'fashion-refresh',
    experiment: 'Fashion-MNIST, GLD dynamic and GLD diag',
    paper: 'this project has read it as: statistics refreshed every 10 iterations',
    code: 'Σ re-estimated at every iteration (FashionMNIST/gld_dyn.py, gld_diag.py: --frequence 1; gld_lead.py and gld_hess.py: 10)',
    paperProfile: 'every 10 iterations',
    reproduce: [
      { key: 'fashion.dynamics.gld_dynamic.refresh', value: 1 },
      { key: 'fashion.dynamics.gld_diag.refresh', value: 1 },
    ],
    appliesTo: (cfg) => fashionRuns('gld_dynamic')(cfg) || fashionRuns('gld_diag')(cfg),
  },
  {
    id: 'fashion-train-set',
    experiment: 'Fashion-MNIST',
    paper: '1200 training images: 1000 clean, 200 random labels',
    code: 'the first 6000 training images, random labels on 1000–1199 (FashionMNIST/mnist2np.py)',
    paperProfile: 'the first 1200, random labels on 1000–1199 (the paper)',
    reproduce: [
      { key: 'fashion.data.train', value: 6000 },
      { key: 'fashion.data.randomLabelsFrom', value: 1000 },
    ],
    appliesTo: (cfg) => kinds(cfg, 'fashion.dynamics').length > 0,
  },
  {
    id: 'fashion-pretrain',
    experiment: 'Fashion-MNIST',
    paper: 'GD to a sharp minimum (its start point: test accuracy 66.22%)',
    code: '20,000 full-batch GD iterations at lr 0.1, no early stop (FashionMNIST/gd.py); the dynamics scripts start from its checkpoint (--resume)',
    paperProfile: PRETRAIN_MEASURED,
    reproduce: [
      { key: 'fashion.pretrain.iterations', value: 20_000 },
      { key: 'fashion.pretrain.maxIterations', value: 20_000 },
    ],
    appliesTo: (cfg) => kinds(cfg, 'fashion.dynamics').length > 0,
  },
  {
    id: 'fashion-flatness',
    experiment: 'Fashion-MNIST',
    paper: 'expected sharpness E[L(θ+ν)] − L(θ), ν ~ N(0, δ²I)',
    code: 'mean |ΔL| and |Δ test accuracy| over 1000 draws of N(0, 0.01² I) at checkpoints 0, 1000, …, 15000 (FashionMNIST/flatness.py)',
    paperProfile: 'signed antithetic ΔL, δ = 0.01, 100 draws, at 0, 2000, 5000, 10,000, 20,000',
    reproduce: [
      { key: 'fashion.probe.sharpness', value: { delta: 0.01, samples: 1000, mode: 'absolute' } },
      { key: 'fashion.dynamics.checkpoints', value: CHECKPOINTS_0_TO_15000 },
    ],
    appliesTo: (cfg) => kinds(cfg, 'fashion.dynamics').length > 0,
  },
  {
    id: 'toy-covariance',
    experiment: '2-D toy, GLD diag and GLD leading',
    paper: 'Σ, the covariance of the per-sample gradients',
    code: 'eval_Cov calls backward() per sample without zeroing gradients: Σ of their cumulative sums (2Dim/model.py)',
    paperProfile: 'per-sample gradients (correct; a difference from the published counts)',
    reproduce: [{ key: 'toy2d.covariance', value: 'released-cumulative' }],
    appliesTo: (cfg) => kinds(cfg, 'toy2d').some((k) => k === 'gld_diag' || k === 'gld_leading'),
  },
]);

/** The rows that apply to a run with this configuration. */
export function applicableDeviations(cfg: DeviationConfig): Deviation[] {
  return DEVIATIONS.filter((d) => d.appliesTo(cfg));
}

/** Whether the configuration sets every key of the row as the released code has it (the `<a|b>` keys: each enabled one). */
export function reproducesCode(d: Deviation, cfg: DeviationConfig): boolean {
  if (d.reproduce.length === 0) return false;
  return d.reproduce.every(({ key, value }) => expandKey(key, cfg).every((k) => JSON.stringify(cfg(k)) === JSON.stringify(value) || subsetOf(value, cfg(k))));
}

/** Which of the two a run with this configuration follows on row `d` (the provenance table's "this run" column). */
export function deviationChoice(d: Deviation, cfg: DeviationConfig): 'no key' | 'the released code' | 'this project’s choice' {
  if (d.reproduce.length === 0) return 'no key';
  return reproducesCode(d, cfg) ? 'the released code' : 'this project’s choice';
}

/** `<svhn|cifar10>.x` → the enabled ones of svhn.x and cifar10.x; other keys as they are. */
function expandKey(key: string, cfg: DeviationConfig): string[] {
  const m = /^<([^>]+)>\.(.+)$/.exec(key);
  if (!m) return [key];
  return m[1]!
    .split('|')
    .filter((ds) => cfg(`${ds}.enabled`) === true)
    .map((ds) => `${ds}.${m[2]}`);
}

/** Whether every field of `want` (an object) has that value in `have`. */
function subsetOf(want: unknown, have: unknown): boolean {
  if (typeof want !== 'object' || want === null || Array.isArray(want)) return false;
  if (typeof have !== 'object' || have === null) return false;
  return Object.entries(want).every(([k, v]) => JSON.stringify((have as Record<string, unknown>)[k]) === JSON.stringify(v));
}

/** The value as the table prints it. */
function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value).replace(/,/g, ', ');
}

/** The keys and values of a row as one Markdown cell. */
export function reproduceCell(d: Deviation): string {
  return d.reproduce.length === 0 ? '— (no key: not in the code)' : d.reproduce.map(({ key, value }) => `\`${key}=${show(value)}\``).join('<br>');
}

/** The whole table in Markdown (what docs/deviations.md shows between its markers). */
export function deviationsMarkdown(rows: readonly Deviation[] = DEVIATIONS): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '| id | experiment | the paper | the released code (file) | `paper` profile | reproduce the code (`paper-code` sets these) |',
    '|---|---|---|---|---|---|',
    ...rows.map((d) => `| \`${d.id}\` | ${esc(d.experiment)} | ${esc(d.paper)} | ${esc(d.code)} | ${esc(d.paperProfile)} | ${esc(reproduceCell(d))} |`),
  ];
  return lines.join('\n');
}

/** Which deviation rows each claim's verdict depends on (claim id → row ids; VGG claims by data set). */
export function claimDeviations(claimId: string): string[] {
  const fashion = ['fashion-train-set', 'fashion-pretrain'];
  const dynamics = [...fashion, 'fashion-leading-noise-steps', 'fashion-top1-eigvec'];
  const table: Record<string, string[]> = {
    'fashion-sharp-minimum': fashion,
    'toy2d-escapes': ['toy-covariance'],
    'toy2d-indicator': ['toy-covariance'],
    'fashion-escape': [...dynamics, 'fashion-refresh'],
    'fashion-indicator-order': fashion,
    'fashion-generalisation': [...dynamics, 'fashion-refresh'],
    'theory-indicator': fashion,
    'svhn-sgd-vs-gd': ['vgg-iterations'],
    'cifar10-sgd-vs-gd': ['cifar10-data', 'vgg-iterations'],
  };
  return table[claimId] ?? [];
}
