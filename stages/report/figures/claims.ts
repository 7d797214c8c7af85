/**
 * The paper's claims and reported values beside this run's numbers, each with the criterion used to judge it and a
 * verdict. Criteria are fixed here, before any run, and printed in the report.
 */
import { claimDeviations } from '../../deviations.ts';
import type { ReportSection } from '../document.ts';
import { kindLabel } from '../render/theme.ts';
import type { FashionOutcome, FashionStart } from './fashion.ts';
import { spearman, spread } from './stats.ts';
import type { Toy2dRow } from './toy2d.ts';

/** How a claim came out. */
export type Verdict = 'holds' | 'does not hold' | 'not run';

/** One claim of the paper, judged on this run. */
export interface Claim {
  id: string;
  claim: string;
  paper: string;
  thisRun: string;
  criterion: string;
  verdict: Verdict;
  /** Rows of stages/deviations.ts (released code vs this project) the verdict depends on. */
  dependsOn: string;
}

/**
 * Escape from the sharp minimum is judged by the run's excursion, not its end (a run that leaves and later re-fits its
 * random labels has escaped): the largest training loss over the logged iterations ≥ this many times the start's…
 */
export const ESCAPE_LOSS_RISE = 10;
/** …and the lowest random-label fit more than this many points (as a fraction) below the start's; staying is within it. */
export const ESCAPE_FIT_DROP = 0.05;
/** A run stays when its largest training loss stays below this many times the start's (and its fit within ESCAPE_FIT_DROP). */
export const STAY_LOSS_RISE = 2;
/** The escape claim's criterion, as the report prints it. */
export const ESCAPE_CRITERION = `judged by each run's excursion over the logged iterations, the final values beside it: escape: peak training loss ≥ ${ESCAPE_LOSS_RISE}× the start and lowest random-label fit more than ${100 * ESCAPE_FIT_DROP} points below the start; stay: peak loss < ${STAY_LOSS_RISE}× the start and random-label fit never more than ${100 * ESCAPE_FIT_DROP} points below the start`;

/** The excursion of one kind's runs (mean over seeds) against the start's random-label fit. */
type ExcursionOutcome = Pick<FashionOutcome, 'peakLossRise' | 'lowestRandomFit'>;

/** True when a run left the sharp minimum at some point (ESCAPE_CRITERION), wherever it ended. */
export function hasEscaped(o: ExcursionOutcome, startRandomFit: number): boolean {
  return o.peakLossRise >= ESCAPE_LOSS_RISE && o.lowestRandomFit < startRandomFit - ESCAPE_FIT_DROP;
}

/** True when a run never left the sharp minimum (ESCAPE_CRITERION). */
export function hasStayed(o: ExcursionOutcome, startRandomFit: number): boolean {
  return o.peakLossRise < STAY_LOSS_RISE && o.lowestRandomFit >= startRandomFit - ESCAPE_FIT_DROP;
}

/** What the claims are judged on; a missing experiment gives 'not run'. */
export interface ClaimInputs {
  toy2d?: Toy2dRow[];
  oneHiddenRatios?: (number | null)[];
  fashion?: { starts: FashionStart[]; outcomes: FashionOutcome[]; trainImages: number | null };
  theory?: { kind: string; traceHSigma: number | null; noiseInduced: number | null }[];
  images?: { ds: string; rows: { kind: string; testAccuracy: number }[] }[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const sig = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toPrecision(3));
const range = (xs: number[]) => (xs.length === 0 ? 'none' : `${sig(Math.min(...xs))}–${sig(Math.max(...xs))}`);
const ESCAPING = ['sgd', 'gld_leading', 'gld_hessian', 'gld_hessian_top1'];
const STAYING = ['gd', 'gld_const'];

/** Every claim, judged. */
export function judgeClaims(x: ClaimInputs): Claim[] {
  const claims: Omit<Claim, 'dependsOn'>[] = [];
  const notRun = (id: string, claim: string, paper: string, criterion: string): Omit<Claim, 'dependsOn'> => ({
    id,
    claim,
    paper,
    thisRun: 'experiment not in this run',
    criterion,
    verdict: 'not run',
  });

  // Fashion: the sharp minimum.
  {
    const id = 'fashion-sharp-minimum';
    const claim = 'Full-batch GD from the initialisation fits every training image, random labels included, and reaches 66.22% test accuracy there.';
    const paper = '100% training accuracy; test accuracy 66.22% (1000 clean + 200 random labels)';
    const criterion = 'training accuracy 100% on every seed and mean test accuracy within 3 percentage points of 66.22%';
    if (!x.fashion) claims.push(notRun(id, claim, paper, criterion));
    else {
      const s = x.fashion.starts;
      const test = spread(s.map((r) => r.testAccuracy))!;
      const fit = s.every((r) => r.trainAccuracy >= 1);
      const its = s.map((r) => r.iterations).join(', ');
      claims.push({
        id,
        claim,
        paper,
        thisRun: `training accuracy ${s.map((r) => pct(r.trainAccuracy)).join(', ')} after ${its} GD iterations; test accuracy ${pct(test.mean)}${test.n > 1 ? ` (${pct(test.min)}–${pct(test.max)})` : ''}${x.fashion.trainImages ? ` with ${x.fashion.trainImages} training images` : ''}`,
        criterion,
        verdict: fit && Math.abs(test.mean - 0.6622) <= 0.03 ? 'holds' : 'does not hold',
      });
    }
  }

  // toy2d: the ordering of escapes.
  {
    const id = 'toy2d-escapes';
    const claim =
      'On the two-basin toy problem GD never escapes the sharp minimum, GLD const and GLD diag rarely do, and the curvature-aligned kinds (GLD leading, GLD Hessian, GLD 1st eigvec) often do.';
    const paper = 'Fig. 2: GD 0; GLD const and GLD diag rare; GLD leading, GLD Hessian, GLD 1st eigvec frequent';
    const criterion = 'mean escapes: GD 0; GLD const and GLD diag ≤ 5% of repeats; GLD leading, GLD Hessian, GLD 1st eigvec ≥ 15% of repeats';
    if (!x.toy2d) claims.push(notRun(id, claim, paper, criterion));
    else {
      const by = new Map(x.toy2d.map((r) => [r.kind, r]));
      const frac = (k: string) => (by.has(k) ? by.get(k)!.escapesMean / by.get(k)!.repeats : null);
      const ok =
        frac('gd') === 0 &&
        ['gld_const', 'gld_diag'].every((k) => frac(k) !== null && frac(k)! <= 0.05) &&
        ['gld_leading', 'gld_hessian', 'gld_hessian_top1'].every((k) => frac(k) !== null && frac(k)! >= 0.15);
      claims.push({
        id,
        claim,
        paper,
        thisRun: x.toy2d.map((r) => `${kindLabel(r.kind)} ${r.escapesMean.toFixed(1)}/${r.repeats}`).join('; '),
        criterion,
        verdict: ok ? 'holds' : 'does not hold',
      });
    }
  }

  // toy2d: the indicator at (1,1).
  {
    const id = 'toy2d-indicator';
    const claim = 'At the sharp minimum, noise aligned with the curvature has a larger Tr(HΣ) than isotropic or diagonal noise of the same total variance.';
    const paper = 'closed forms at (1,1): GLD const 1.1, GLD diag 1.1, GLD Hessian 1.836, GLD 1st eigvec 2.0';
    const criterion = 'min Tr(HΣ) over GLD leading, GLD Hessian, GLD 1st eigvec > max over GLD const, GLD diag';
    if (!x.toy2d) claims.push(notRun(id, claim, paper, criterion));
    else {
      const tr = (k: string) => x.toy2d!.find((r) => r.kind === k)?.traceHSigma ?? null;
      const aligned = ['gld_leading', 'gld_hessian', 'gld_hessian_top1'].map(tr);
      const iso = ['gld_const', 'gld_diag'].map(tr);
      const ok = [...aligned, ...iso].every((v) => v !== null) && Math.min(...(aligned as number[])) > Math.max(...(iso as number[]));
      claims.push({
        id,
        claim,
        paper,
        thisRun: ['gld_const', 'gld_diag', 'gld_leading', 'gld_hessian', 'gld_hessian_top1'].map((k) => `${kindLabel(k)} ${sig(tr(k))}`).join('; '),
        criterion,
        verdict: ok ? 'holds' : 'does not hold',
      });
    }
  }

  // onehidden: Tr(HΣ) ≫ Tr(HΣ̄).
  {
    const id = 'onehidden-ratio';
    const claim = 'During training, the SGD noise raises the loss far more than isotropic noise of the same variance: Tr(HΣ) ≫ Tr(HΣ̄).';
    const paper = 'Fig. 4: Tr(HΣ)/Tr(HΣ̄) of the order of 100 throughout training';
    const criterion = 'ratio (mean over seeds) ≥ 10 at every epoch';
    const ratios = (x.oneHiddenRatios ?? []).filter((r): r is number => r !== null);
    if (!x.oneHiddenRatios) claims.push(notRun(id, claim, paper, criterion));
    else {
      const sorted = [...ratios].sort((a, b) => a - b);
      const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null;
      claims.push({
        id,
        claim,
        paper,
        thisRun: `ratio between ${sig(sorted[0])} and ${sig(sorted.at(-1))} over ${ratios.length} epochs (median ${sig(median)})`,
        criterion,
        verdict: ratios.length > 0 && ratios.length === x.oneHiddenRatios.length && sorted[0]! >= 10 ? 'holds' : 'does not hold',
      });
    }
  }

  // Fashion: who escapes.
  const outcome = (k: string) => x.fashion?.outcomes.find((o) => o.kind === k);
  const startRandom = x.fashion ? spread(x.fashion.starts.map((s) => s.randomAccuracy))!.mean : 1;
  {
    const id = 'fashion-escape';
    const claim = 'From the sharp minimum, SGD and the curvature-aligned kinds (GLD leading, GLD Hessian, GLD 1st eigvec) escape, while GD and GLD const stay.';
    const paper = 'Fig. 3: SGD, GLD leading, GLD Hessian and GLD 1st eigvec leave the sharp minimum; GD and GLD const do not';
    const criterion = ESCAPE_CRITERION;
    if (!x.fashion) claims.push(notRun(id, claim, paper, criterion));
    else {
      const escaped = (k: string) => (outcome(k) ? hasEscaped(outcome(k)!, startRandom) : false);
      const stayed = (k: string) => (outcome(k) ? hasStayed(outcome(k)!, startRandom) : false);
      const present = [...ESCAPING, ...STAYING].filter((k) => outcome(k));
      const ok = present.length === ESCAPING.length + STAYING.length && ESCAPING.every(escaped) && STAYING.every(stayed);
      claims.push({
        id,
        claim,
        paper,
        thisRun: present
          .map((k) => {
            const o = outcome(k)!;
            return `${kindLabel(k)} peak loss ×${sig(o.peakLossRise)}, lowest random fit ${pct(o.lowestRandomFit)} (final ×${sig(o.lossRise)}, ${pct(o.randomFit)})`;
          })
          .join('; '),
        criterion,
        verdict: ok ? 'holds' : 'does not hold',
      });
    }
  }

  // Fashion: the indicator orders the escapes.
  {
    const id = 'fashion-indicator-order';
    const claim = 'Tr(HΣ) at the sharp minimum orders the noise kinds as their escapes do.';
    const paper = 'Section 5: the larger Tr(HΣ), the more efficient the escape';
    const criterion =
      'Spearman ρ between Tr(HΣ_kind) at the start and the peak loss rise over the run ≥ 0.7 over all kinds, and every escaping kind’s (peak loss rise ≥ 10×) Tr(HΣ) above every other kind’s';
    if (!x.fashion) claims.push(notRun(id, claim, paper, criterion));
    else {
      const o = x.fashion.outcomes;
      const rho = spearman(
        o.map((r) => r.traceHSigmaAtStart),
        o.map((r) => r.peakLossRise),
      );
      const esc = o.filter((r) => r.peakLossRise >= ESCAPE_LOSS_RISE).map((r) => r.traceHSigmaAtStart);
      const stay = o.filter((r) => r.peakLossRise < ESCAPE_LOSS_RISE).map((r) => r.traceHSigmaAtStart);
      const separated = esc.length > 0 && stay.length > 0 && Math.min(...esc) > Math.max(...stay);
      claims.push({
        id,
        claim,
        paper,
        thisRun: `ρ = ${sig(rho)} over ${o.length} kinds; Tr(HΣ) of the kinds whose loss peaked ≥ 10× the start: ${range(esc)}; of the others: ${range(stay)}`,
        criterion,
        verdict: rho !== null && rho >= 0.7 && separated ? 'holds' : 'does not hold',
      });
    }
  }

  // Fashion: generalisation.
  {
    const id = 'fashion-generalisation';
    const claim = 'The kinds that escape the sharp minimum end with better test accuracy than GD.';
    const paper = 'Fig. 3: SGD, GLD leading, GLD Hessian and GLD 1st eigvec reach higher test accuracy than GD and GLD const';
    const criterion = 'mean final test accuracy of each of SGD, GLD leading, GLD Hessian, GLD 1st eigvec above GD’s';
    if (!x.fashion || !outcome('gd')?.testAccuracy) claims.push(notRun(id, claim, paper, criterion));
    else {
      const gd = outcome('gd')!.testAccuracy!.mean;
      const present = ESCAPING.filter((k) => outcome(k)?.testAccuracy);
      claims.push({
        id,
        claim,
        paper,
        thisRun: [`GD ${pct(gd)}`, ...present.map((k) => `${kindLabel(k)} ${pct(outcome(k)!.testAccuracy!.mean)}`)].join('; '),
        criterion,
        verdict: present.length === ESCAPING.length && present.every((k) => outcome(k)!.testAccuracy!.mean > gd) ? 'holds' : 'does not hold',
      });
    }
  }

  // Theory: the indicator predicts the short-horizon increase.
  {
    const id = 'theory-indicator';
    const claim =
      'For a short time near a minimum, the expected loss increase of a noise kind is (t/2)·Tr(HΣ): the indicator ranks the kinds by how fast they raise the loss.';
    const paper = 'Proposition 1 (first-order expansion) and Section 3';
    const criterion = 'Spearman ρ between Tr(HΣ_kind) and the measured noise-induced increase at the horizon ≥ 0.7 over the noisy kinds';
    if (!x.theory) claims.push(notRun(id, claim, paper, criterion));
    else {
      const rows = x.theory.filter((r) => r.kind !== 'gd' && r.traceHSigma !== null && r.noiseInduced !== null);
      const rho = spearman(
        rows.map((r) => r.traceHSigma!),
        rows.map((r) => r.noiseInduced!),
      );
      claims.push({
        id,
        claim,
        paper,
        thisRun: `ρ = ${sig(rho)} over ${rows.length} kinds (see the theory section for the magnitudes)`,
        criterion,
        verdict: rho !== null && rho >= 0.7 ? 'holds' : 'does not hold',
      });
    }
  }

  // VGG11.
  for (const ds of ['svhn', 'cifar10']) {
    const id = `${ds}-sgd-vs-gd`;
    const name = ds === 'svhn' ? 'SVHN' : 'CIFAR-10';
    const claim = `On ${name}, VGG11 trained with SGD generalises better than with GD.`;
    const paper = `${ds === 'svhn' ? 'Fig. 1' : 'Fig. 6'}: SGD above GD in test accuracy`;
    const criterion = 'mean final test accuracy of SGD above GD’s';
    const run = x.images?.find((i) => i.ds === ds);
    const sgd = run?.rows.find((r) => r.kind === 'sgd');
    const gd = run?.rows.find((r) => r.kind === 'gd');
    if (!run || !sgd || !gd) claims.push(notRun(id, claim, paper, criterion));
    else
      claims.push({
        id,
        claim,
        paper,
        thisRun: `SGD ${pct(sgd.testAccuracy)}, GD ${pct(gd.testAccuracy)}`,
        criterion,
        verdict: sgd.testAccuracy > gd.testAccuracy ? 'holds' : 'does not hold',
      });
  }
  return claims.map((c) => ({ ...c, dependsOn: claimDeviations(c.id).join(', ') || '–' }));
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The claims as a report section. */
export function claimsSection(claims: readonly Claim[], profile: string): ReportSection {
  const counts = (v: Verdict) => claims.filter((c) => c.verdict === v).length;
  return {
    id: 'claims',
    title: 'The paper against this run',
    blocks: [
      {
        type: 'text',
        text: `Profile \`${profile}\`: ${plural(counts('holds'), 'claim holds', 'claims hold')}, ${counts('does not hold')} ${counts('does not hold') === 1 ? 'does' : 'do'} not, ${counts('not run')} ${counts('not run') === 1 ? 'was' : 'were'} not run. Each verdict follows the criterion printed beside it; the criteria are fixed in \`stages/report/figures/claims.ts\`, not tuned to a run.`,
      },
      {
        type: 'table',
        table: {
          id: 'claims',
          title: 'Claims and reported values',
          columns: [
            { key: 'claim', label: 'claim', format: 'text' },
            { key: 'paper', label: 'paper', format: 'text' },
            { key: 'thisRun', label: 'this run', format: 'text' },
            { key: 'criterion', label: 'criterion', format: 'text' },
            { key: 'verdict', label: 'verdict', format: 'text' },
            { key: 'dependsOn', label: 'depends on (deviations)', format: 'text' },
          ],
          rows: claims.map((c) => ({ ...c })),
        },
      },
    ],
  };
}
