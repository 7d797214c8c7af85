/** Schema pieces the experiments' config sections share. */
import { z } from 'zod';
import type { NoiseKindName } from './noise/kind.ts';
import { NOISE_KINDS } from './noise/registry.ts';

/** A positive integer. */
export const posInt = z.number().int().positive();

/**
 * Expected sharpness: ν ~ N(0, δ²I), `samples` draws. `mode` absent or `signed`: E[L(θ+ν)] − L(θ) with antithetic
 * pairs; `absolute`: E|L(θ+ν) − L(θ)| and the mean absolute test-accuracy change (the released flatness.py).
 */
export const sharpnessSchema = z.object({ delta: z.number().positive(), samples: posInt.min(2), mode: z.enum(['signed', 'absolute']).optional() }).strict();

/** The name of a noise kind of stages/noise/registry.ts. */
export const noiseKindName = z.enum(Object.keys(NOISE_KINDS) as [NoiseKindName, ...NoiseKindName[]]);
