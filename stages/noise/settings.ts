/**
 * A noise kind's settings block (`fashion.dynamics.<kind>`): each kind module declares its zod schema, and the config
 * schema gets every block from the registry (`kindSettingsShape`); `stages/fashion/kind-settings.ts` reads a block.
 */
import { z } from 'zod';
import type { NoiseConfig, NoiseKind } from './kind.ts';

/** A positive integer (refresh intervals, k), as the config schema writes it. */
export const positiveInt = z.number().int().positive();

/** How `gld_hessian_top1` finds u₁: Lanczos (fashion.dynamics.hessian) or a fixed number of power steps. */
export type EigvecSetting = { method: 'lanczos' } | { method: 'power'; iterations: number };

/** What a settings block may hold: noise-shaping keys (`NoiseConfig`) and the keys that schedule the noise. */
export interface NoiseSettings extends NoiseConfig {
  /** Statistics are re-estimated every `refresh` iterations (absent: 1). */
  readonly refresh?: number;
  /** `every` (absent): noise on every step; `refresh`: only on refresh steps. */
  readonly noiseSteps?: 'every' | 'refresh';
  /** How the Hessian's leading eigenvector is found. */
  readonly eigvec?: EigvecSetting;
}

/** The schema of one kind's settings block. */
export type NoiseSettingsSchema = z.ZodType<NoiseSettings, z.ZodTypeDef, unknown>;

/**
 * The config schema's blocks `<kind>: schema` of every kind of `kinds`, in registry order except that a kind with
 * `settingsBefore` comes just before that kind. Example: `z.object({ ...kindSettingsShape(NOISE_KINDS) })`.
 */
export function kindSettingsShape<R extends Readonly<Record<string, NoiseKind>>>(kinds: R): { [K in keyof R]: R[K]['settings'] } {
  const names = Object.keys(kinds);
  const moved = names.filter((n) => kinds[n]!.settingsBefore !== undefined);
  const order = names.filter((n) => !moved.includes(n));
  for (const n of moved) {
    const at = order.indexOf(kinds[n]!.settingsBefore!);
    if (at < 0) throw new Error(`noise kind ${n}: settingsBefore names '${kinds[n]!.settingsBefore}', which is not a kind of the registry`);
    order.splice(at, 0, n);
  }
  return Object.fromEntries(order.map((n) => [n, kinds[n]!.settings])) as { [K in keyof R]: R[K]['settings'] };
}

/** Every kind's `defaults`, by name: the paper profile's `fashion.dynamics.<kind>` blocks. Example: `kindDefaults(NOISE_KINDS).gld_const`. */
export function kindDefaults<R extends Readonly<Record<string, NoiseKind>>>(kinds: R): { [K in keyof R]: z.output<R[K]['settings']> } {
  return Object.fromEntries(Object.entries(kinds).map(([n, kind]) => [n, kind.defaults])) as { [K in keyof R]: z.output<R[K]['settings']> };
}
