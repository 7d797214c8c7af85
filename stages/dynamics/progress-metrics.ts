/**
 * What a dynamics stage shows beside its progress bar: the training loss and test accuracy of the latest log row, the
 * evaluations the loop makes every `logEvery` iterations anyway (so showing them costs nothing).
 */
import type { ProgressMetric } from '../../pipeline/events.ts';
import type { DynamicsLog } from './run.ts';

/** `loss` and, where a test set is evaluated, `test acc` of `row`; none before the first row. */
export function dynamicsMetrics(row: DynamicsLog | undefined): ProgressMetric[] {
  if (!row) return [];
  const metrics: ProgressMetric[] = [{ name: 'trainLoss', label: 'loss', value: row.trainLoss }];
  if (row.testAccuracy !== null) metrics.push({ name: 'testAccuracy', label: 'test acc', value: row.testAccuracy, format: 'percent' });
  return metrics;
}
