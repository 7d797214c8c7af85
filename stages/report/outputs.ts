/** The declared outputs of the report stage (pipeline/outputs.ts): the judged claims, the files to publish, the figures' data. */
import { z } from 'zod';
import { file, json } from '../../pipeline/outputs.ts';
import type { Claim } from './figures/claims.ts';

const claim: z.ZodType<Claim> = z.object({
  id: z.string(),
  claim: z.string(),
  paper: z.string(),
  thisRun: z.string(),
  criterion: z.string(),
  verdict: z.enum(['holds', 'does not hold', 'not run']),
  dependsOn: z.string(),
});

/** `report`: `claims`, every file of the report under `files/` (published to `report.dir`), each figure's rows under `figure/<id>`. */
export const reportOutputs = {
  claims: json(z.array(claim)),
  'files/*': file,
  'figure/*': json(z.array(z.record(z.string(), z.unknown()))),
} as const;
