/** Integer option values, checked: a usage error names the option, what it means and what it got. */
import { UsageError } from './errors.ts';

/** A positive integer option (`--max-jobs 4`), else a usage error naming it and what it is for. */
export function positiveInteger(option: string, text: string, what: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${option}: expected a positive integer (${what}), received '${text}'`);
  return n;
}

/** A non-negative integer option (`--retries 0`), else a usage error naming it. */
export function nonNegativeInteger(option: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`${option}: expected a non-negative integer, received '${text}'`);
  return n;
}
