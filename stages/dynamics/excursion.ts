/**
 * How far a run went from its start, not only where it ended: the largest training loss and the lowest random-label
 * fit over the logged iterations. A run that leaves the sharp minimum and later re-fits its random labels (as SGD does
 * at paper length) has a large excursion and a final point near its start; judging escape by the final point alone
 * would call it "stayed".
 */

/** The logged quantities an excursion reads (a dynamics log row; `randomAccuracy` null without random labels). */
export interface ExcursionLogRow {
  readonly iteration: number;
  readonly trainLoss: number;
  readonly randomAccuracy: number | null;
}

/** The extremes of one run over its log: the peak training loss and the lowest random-label fit, with their iterations. */
export interface Excursion {
  readonly peakTrainLoss: number;
  readonly peakIteration: number;
  /** Null when the log has no random-label accuracy. */
  readonly lowestRandomFit: number | null;
  readonly lowestIteration: number | null;
}

/** The excursion of a run from its log (start row included); throws on an empty log or a non-finite loss. */
export function runExcursion(log: readonly ExcursionLogRow[]): Excursion {
  if (log.length === 0) throw new Error('runExcursion: empty log');
  let peak = log[0]!;
  let lowest: ExcursionLogRow | null = null;
  for (const row of log) {
    if (!Number.isFinite(row.trainLoss)) throw new Error(`runExcursion: training loss ${row.trainLoss} at iteration ${row.iteration}`);
    if (row.trainLoss > peak.trainLoss) peak = row;
    if (row.randomAccuracy !== null && (lowest === null || row.randomAccuracy < lowest.randomAccuracy!)) lowest = row;
  }
  return {
    peakTrainLoss: peak.trainLoss,
    peakIteration: peak.iteration,
    lowestRandomFit: lowest?.randomAccuracy ?? null,
    lowestIteration: lowest?.iteration ?? null,
  };
}
