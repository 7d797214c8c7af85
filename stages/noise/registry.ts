/**
 * Every noise kind, listed in one place (nothing registers itself on import). Adding a kind = one module + one line:
 * the kind names, the config schema's `fashion.dynamics.<kind>` blocks, the fashion cost model and the figures' styles
 * and legend order all come from this table.
 */
import { gd } from './gd.ts';
import { gldConst } from './gld-const.ts';
import { gldDiag } from './gld-diag.ts';
import { gldDynamic } from './gld-dynamic.ts';
import { gldFull } from './gld-full.ts';
import { gldHessianTop1 } from './gld-hessian-top1.ts';
import { gldHessian } from './gld-hessian.ts';
import { gldLeading } from './gld-leading.ts';
import type { NoiseKind } from './kind.ts';
import { msgdBernoulli } from './msgd-bernoulli.ts';
import { msgdGaussian } from './msgd-gaussian.ts';
import { sgd } from './sgd.ts';

/** A table of kinds by name (the registry, or in tests the registry plus a test-only kind). */
export type NoiseKinds = Readonly<Record<string, NoiseKind>>;

/**
 * The eight kinds of the paper, then gld_full (Gaussian noise with SGD's full Σ) and the two M-SGD kinds (SGD's
 * multiplicative noise, Wu et al. ICML 2020), by name; the order is the legend order.
 */
export const NOISE_KINDS = Object.freeze({
  gd,
  sgd,
  gld_const: gldConst,
  gld_dynamic: gldDynamic,
  gld_diag: gldDiag,
  gld_leading: gldLeading,
  gld_hessian: gldHessian,
  gld_hessian_top1: gldHessianTop1,
  gld_full: gldFull,
  msgd_gaussian: msgdGaussian,
  msgd_bernoulli: msgdBernoulli,
}) satisfies NoiseKinds;

/** The kind called `name` in `kinds` (default: the registry), or an error listing the known names. Example: `noiseKind('gld_diag')`. */
export function noiseKind(name: string, kinds: NoiseKinds = NOISE_KINDS): NoiseKind {
  if (!Object.hasOwn(kinds, name)) {
    throw new Error(`unknown noise kind '${name}' (known: ${Object.keys(kinds).join(', ')})`);
  }
  return kinds[name]!;
}
