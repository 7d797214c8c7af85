/** Zod schemas shared by several experiments' output declarations. */
import { z } from 'zod';
import type { DynamicsLog } from './dynamics/run.ts';
import type { NoiseKindName } from './noise/kind.ts';

/** A noise kind's name (the kind table itself is checked where kinds are configured). */
export const noiseKindName = z.custom<NoiseKindName>((v) => typeof v === 'string', 'expected a noise kind name');
/** A finite number or null. */
export const numberOrNull = z.number().nullable();

/** One row of a dynamics log (`runDynamics`), as the Fashion-MNIST and VGG stages store it. */
export const dynamicsLog: z.ZodType<DynamicsLog> = z.object({
  iteration: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  cleanAccuracy: numberOrNull,
  randomAccuracy: numberOrNull,
  testLoss: numberOrNull,
  testAccuracy: numberOrNull,
  noiseTrace: z.number(),
});

/**
 * A schema that checks `checks` (the fields a record must have) but types the value as `T`, for large records whose
 * every field is not worth spelling out twice: `partly<ProbeResult>(z.object({traceH: z.number()}).passthrough())`.
 */
export const partly = <T>(checks: z.ZodTypeAny): z.ZodType<T, z.ZodTypeDef, unknown> => checks as z.ZodType<T, z.ZodTypeDef, unknown>;
