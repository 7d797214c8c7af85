/** The declared outputs of the one-hidden-layer stages (pipeline/outputs.ts). */
import { z } from 'zod';
import { f32, json } from '../../pipeline/outputs.ts';
import { numberOrNull } from '../schemas.ts';
import type { EpochRecord } from './train.ts';

const epochRecord: z.ZodType<EpochRecord> = z.object({
  epoch: z.number(),
  lr: z.number(),
  loss: z.number(),
  accuracy: z.number(),
  traceH: z.number(),
  traceSigma: z.number(),
  traceHSigma: z.number(),
  traceHSigmaIso: z.number(),
  ratio: numberOrNull,
});
/** `onehidden.train`: the record of every epoch and the final weights. */
export const oneHiddenTrainOutputs = { records: json(z.array(epochRecord)), weights: f32 } as const;

const perEpoch = z.object({
  epoch: z.number(),
  loss: z.number(),
  accuracy: z.number(),
  traceHSigma: z.number(),
  traceHSigmaIso: z.number(),
  ratio: numberOrNull,
  ratioMin: numberOrNull,
  ratioMax: numberOrNull,
});
const perSeed = z.object({
  seed: z.number(),
  epoch: z.number(),
  loss: z.number(),
  accuracy: z.number(),
  traceHSigma: z.number(),
  traceHSigmaIso: z.number(),
  ratio: numberOrNull,
});
/** `onehidden.summary`. */
export const oneHiddenSummaryOutputs = { perEpoch: json(z.array(perEpoch)), perSeed: json(z.array(perSeed)), table: json(z.array(perEpoch)) } as const;
