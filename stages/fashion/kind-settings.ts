/**
 * The one reader of a noise kind's settings block `fashion.dynamics.<kind>`, shared by the fashion stages and their
 * cost model: what the dynamics takes (noise config, refresh interval, schedule) and the noise-shaping keys that the
 * probes read and key on. Which keys shape a kind's noise is the kind's own `noiseKeys`.
 */
import type { ConfigReader } from '../../pipeline/stage.ts';
import type { NoiseConfig } from '../noise/kind.ts';
import { NOISE_KINDS, noiseKind, type NoiseKinds } from '../noise/registry.ts';
import type { EigvecSetting, NoiseSettings } from '../noise/settings.ts';

/** A kind's settings as the dynamics takes them. */
export interface KindSettings {
  /** The values of the kind's `noiseKeys`. */
  readonly noise: NoiseConfig;
  /** Statistics are re-estimated every `refresh` iterations (1 when the kind has none). */
  readonly refresh: number;
  readonly noiseSteps?: 'every' | 'refresh';
  readonly eigvec?: EigvecSetting;
}

/** The settings of `kind` from the whole block `fashion.dynamics.<kind>` (the key a dynamics stage declares). */
export function readKindSettings(cfg: ConfigReader, kind: string, kinds: NoiseKinds = NOISE_KINDS): KindSettings {
  const block = cfg<NoiseSettings>(`fashion.dynamics.${kind}`);
  const noise = Object.fromEntries(noiseKind(kind, kinds).noiseKeys.map((key) => [key, block[key]])) as NoiseConfig;
  return { noise, refresh: block.refresh ?? 1, noiseSteps: block.noiseSteps, eigvec: block.eigvec };
}

/** Config paths of the keys that shape `kind`'s noise. Example: `noiseKeyPaths('gld_hessian')` is `['fashion.dynamics.gld_hessian.k']`. */
export function noiseKeyPaths(kind: string, kinds: NoiseKinds = NOISE_KINDS): string[] {
  return noiseKind(kind, kinds).noiseKeys.map((key) => `fashion.dynamics.${kind}.${key}`);
}

/** `kind`'s noise config from its noise-shaping keys alone (all a stage that declares only `noiseKeyPaths` may read). */
export function readShapeConfig(cfg: ConfigReader, kind: string, kinds: NoiseKinds = NOISE_KINDS): NoiseConfig {
  return Object.fromEntries(noiseKind(kind, kinds).noiseKeys.map((key) => [key, cfg(`fashion.dynamics.${kind}.${key}`)])) as NoiseConfig;
}
