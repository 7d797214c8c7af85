/** Zod schemas shared by several experiments' output declarations. */
import { z } from 'zod';
import type { NoiseKindName } from './noise/kind.ts';

/** A noise kind's name (the kind table itself is checked where kinds are configured). */
export const noiseKindName = z.custom<NoiseKindName>((v) => typeof v === 'string', 'expected a noise kind name');
/** A finite number or null. */
export const numberOrNull = z.number().nullable();
