/** The record stored for each completed stage run, validated with zod whenever it is read. */
import { z } from 'zod';
import { outputRefSchema } from './values.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-digit hex SHA-256');
const jsonValue: z.ZodType<unknown> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(jsonValue)]));

/** Schema of a manifest: key → outputs, with the fingerprint that produced the key and run metadata. */
export const manifestSchema = z
  .object({
    format: z.literal(1),
    key: hex64,
    stage: z.string().min(1),
    instance: z.string().min(1),
    params: z.record(z.union([z.string(), z.number(), z.boolean()])),
    version: z.number().int(),
    config: z.record(jsonValue),
    inputs: z.record(hex64),
    /** Optional inputs this entry was computed without (their upstream failed), input name → instance. */
    missing: z.record(z.string()).optional(),
    /** Declared input files: name → SHA-256 of the content (part of the key; absent when the stage declares none). */
    files: z.record(hex64).optional(),
    outputs: z.record(outputRefSchema),
    seed: z.number().int().nullable(),
    createdAt: z.string(),
    durationMs: z.number().nonnegative(),
    host: z.object({ node: z.string(), platform: z.string(), pid: z.number().int() }),
    meta: z.record(jsonValue),
  })
  .strict();

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/** What a run records per stage instance and scope (profile), to explain later why a stage is stale. */
export const fingerprintSchema = z
  .object({
    key: hex64,
    version: z.number().int(),
    config: z.record(jsonValue),
    inputs: z.record(hex64),
    files: z.record(hex64).optional(),
    at: z.string(),
  })
  .strict();

/** A stage instance's last fingerprint in one scope. */
export type Fingerprint = z.infer<typeof fingerprintSchema>;
