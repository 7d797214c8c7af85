/** The declared outputs of the VGG11 stages of one dataset (pipeline/outputs.ts), and the report's handle on the summary. */
import { z } from 'zod';
import { stageHandle } from '../../pipeline/deps.ts';
import { json } from '../../pipeline/outputs.ts';
import { dynamicsLog, numberOrNull } from '../schemas.ts';
import type { ImageDataset } from './stages.ts';

/** `<ds>.data`: counts, label histograms and checksums of the images used. */
export const imageDataOutputs = {
  summary: json(
    z.object({
      train: z.number(),
      test: z.number(),
      trainLabels: z.array(z.number()),
      testLabels: z.array(z.number()),
      trainSha256: z.string(),
      testSha256: z.string(),
    }),
  ),
} as const;

/** Under the released flatness protocol (`<ds>.sharpness.mode` = absolute) only: the mode and the mean |Δ test accuracy|. */
const absoluteFlatness = z.object({ sharpnessMode: z.literal('absolute').optional(), testAccuracyChange: numberOrNull.optional() });

/** `<ds>.dynamics`: the log of one run and where it ended (its last log row with the sharpness there). */
export const imageDynamicsOutputs = {
  log: json(z.array(dynamicsLog)),
  summary: json(
    z.intersection(dynamicsLog, z.object({ kind: z.string(), seed: z.number(), sharpness: z.number(), sharpnessStderr: z.number() }).merge(absoluteFlatness)),
  ),
} as const;

/** `<ds>.summary`: per kind the final accuracy and sharpness over seeds, and every run's log. */
export const imageSummaryOutputs = {
  table: json(
    z.array(
      z.object({
        kind: z.string(),
        trainAccuracy: z.number(),
        testAccuracy: z.number(),
        testAccuracyMin: z.number(),
        testAccuracyMax: z.number(),
        sharpness: z.number(),
        sharpnessMode: z.literal('absolute').optional(),
        testAccuracyChange: z.number().optional(),
      }),
    ),
  ),
  series: json(z.array(z.intersection(dynamicsLog, z.object({ kind: z.string(), seed: z.number() })))),
} as const;

/** `<ds>.summary` for `dep` (the stage is made by `imageExperimentStages(ds)`, under this id). */
export const imageSummaryStage = (ds: ImageDataset) => stageHandle(`${ds}.summary`, imageSummaryOutputs);
