/**
 * The M-SGD finding's criterion (Wu et al., ICML 2020): does a kind's escape from the sharp minimum match SGD's?
 * Compared on three numbers per seed — the run's excursion (its peak training loss over the start's, its lowest
 * random-label fit; escape is judged by the excursion, as the report's escape claim is) and its final test accuracy — as a pure function of plain per-kind, per-seed numbers, with every threshold a named constant fixed here
 * before any run.
 *
 * - With ≥ MIN_SEEDS_FOR_SPREAD seeds of SGD: a kind matches on a number when its mean over its seeds lies inside SGD's
 *   min–max over seeds widened on each side by SPREAD_WIDEN times that range (the loss rise on a log scale, as a ratio).
 * - With one seed of SGD: fixed tolerances — the loss-rise ratio kind / SGD within [1/LOSS_RISE_FACTOR, LOSS_RISE_FACTOR],
 *   the random-label fit within FIT_TOLERANCE and the test accuracy within TEST_TOLERANCE (absolute fractions).
 *
 * The finding holds when every M-SGD kind present matches SGD on all three numbers and GLD full (Gaussian noise of SGD's
 * covariance, refresh 1) misses on at least one.
 */

/** One seed: the loss-rise ratio kind / SGD matches within [1/this, this] (beyond.ts's LIKE_SGD_FACTOR, the GLD-full finding's). */
export const LOSS_RISE_FACTOR = 2;
/** Seeds of SGD from which the criterion uses their spread rather than fixed tolerances. */
export const MIN_SEEDS_FOR_SPREAD = 2;
/** SGD's min–max over seeds is widened on each side by this fraction of its range. */
export const SPREAD_WIDEN = 0.5;
/** One seed: the random-label fit matches within this many (fractional) points, i.e. 10 percentage points. */
export const FIT_TOLERANCE = 0.1;
/** One seed: the test accuracy matches within this many (fractional) points, i.e. 3 percentage points. */
export const TEST_TOLERANCE = 0.03;

/** One run of a kind: peak / start training loss and lowest random-label fit over the logged iterations, final test accuracy (fractions). */
export interface EscapeNumbers {
  readonly lossRise: number;
  readonly randomFit: number | null;
  readonly testAccuracy: number | null;
}

/** Whether a kind matches SGD on each number, by which rule, and the three verdicts together. */
export interface LikeSgd {
  readonly rule: 'spread' | 'tolerance';
  readonly lossRise: boolean;
  readonly randomFit: boolean;
  readonly testAccuracy: boolean;
  readonly all: boolean;
}

/** The criterion's text, as the report states it. */
export const LIKE_SGD_CRITERION =
  `compared per run on its excursion — peak training loss / start (the loss rise) and lowest random-label fit over the logged iterations — and its final test accuracy: ` +
  `with ≥ ${MIN_SEEDS_FOR_SPREAD} seeds, the kind's mean over seeds of each number (loss rise on a log scale) lies inside SGD's min–max over seeds ` +
  `widened on each side by ${SPREAD_WIDEN}× its range; with one seed, the loss-rise ratio kind / SGD lies in [1/${LOSS_RISE_FACTOR}, ${LOSS_RISE_FACTOR}], ` +
  `the random-label fit within ${100 * FIT_TOLERANCE} and the test accuracy within ${100 * TEST_TOLERANCE} percentage points of SGD's. ` +
  'The finding holds when every M-SGD kind matches SGD on all three numbers and GLD full (refresh 1) misses on at least one.';

const finite = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null && Number.isFinite(x));
const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Inside [min − w·range, max + w·range] of `ref`. */
function inSpread(ref: readonly number[], x: number): boolean {
  const lo = Math.min(...ref);
  const hi = Math.max(...ref);
  const pad = SPREAD_WIDEN * (hi - lo);
  return x >= lo - pad && x <= hi + pad;
}

/**
 * Whether `kind`'s runs (one entry per seed) match `sgd`'s on each number. A number absent (null) on either side
 * does not match. Example: `likeSgd([{lossRise: 3, randomFit: 0.4, testAccuracy: 0.6}], [...])`.
 */
export function likeSgd(sgd: readonly EscapeNumbers[], kind: readonly EscapeNumbers[]): LikeSgd {
  if (sgd.length === 0 || kind.length === 0) throw new Error(`likeSgd: needs runs of both (sgd ${sgd.length}, kind ${kind.length})`);
  const rule = sgd.length >= MIN_SEEDS_FOR_SPREAD ? 'spread' : 'tolerance';
  const compare = (pick: (e: EscapeNumbers) => number | null, log: boolean, tolerance: number): boolean => {
    const f = (x: number) => (log ? Math.log(x) : x);
    const ref = finite(sgd.map(pick)).filter((x) => !log || x > 0);
    const own = finite(kind.map(pick)).filter((x) => !log || x > 0);
    if (ref.length !== sgd.length || own.length === 0) return false;
    const x = meanOf(own.map(f));
    if (rule === 'spread') return inSpread(ref.map(f), x);
    return Math.abs(x - f(ref[0]!)) <= tolerance;
  };
  const lossRise = compare((e) => e.lossRise, true, Math.log(LOSS_RISE_FACTOR));
  const randomFit = compare((e) => e.randomFit, false, FIT_TOLERANCE);
  const testAccuracy = compare((e) => e.testAccuracy, false, TEST_TOLERANCE);
  return { rule, lossRise, randomFit, testAccuracy, all: lossRise && randomFit && testAccuracy };
}

/** The M-SGD finding over the runs by kind: each compared kind's match with SGD, and the verdict (null without sgd, gld_full or any M-SGD kind). */
export function msgdFinding(
  runs: Readonly<Record<string, readonly EscapeNumbers[]>>,
  msgdKinds: readonly string[],
): { matches: Record<string, LikeSgd>; verdict: boolean | null } {
  const sgd = runs.sgd;
  const present = msgdKinds.filter((k) => (runs[k]?.length ?? 0) > 0);
  const matches: Record<string, LikeSgd> = {};
  if (!sgd?.length) return { matches, verdict: null };
  for (const k of [...present, 'gld_full']) if (runs[k]?.length) matches[k] = likeSgd(sgd, runs[k]!);
  if (!matches.gld_full || present.length === 0) return { matches, verdict: null };
  return { matches, verdict: present.every((k) => matches[k]!.all) && !matches.gld_full.all };
}
