/**
 * Every noise kind, listed in one place (nothing registers itself on import). Adding a kind = one module + one line.
 */
import { gd } from './gd.ts';
import { gldConst } from './gld-const.ts';
import { gldDiag } from './gld-diag.ts';
import { gldDynamic } from './gld-dynamic.ts';
import { gldFull } from './gld-full.ts';
import { gldHessianTop1 } from './gld-hessian-top1.ts';
import { gldHessian } from './gld-hessian.ts';
import { gldLeading } from './gld-leading.ts';
import type { NoiseKind, NoiseKindName } from './kind.ts';
import { sgd } from './sgd.ts';

/** The eight kinds of the paper, then gld_full (Gaussian noise with SGD's full Σ), by name. */
export const NOISE_KINDS: Readonly<Record<NoiseKindName, NoiseKind>> = Object.freeze({
  gd,
  sgd,
  gld_const: gldConst,
  gld_dynamic: gldDynamic,
  gld_diag: gldDiag,
  gld_leading: gldLeading,
  gld_hessian: gldHessian,
  gld_hessian_top1: gldHessianTop1,
  gld_full: gldFull,
});

/** The kind called `name`, or an error listing the known names. Example: `noiseKind('gld_diag')`. */
export function noiseKind(name: string): NoiseKind {
  if (!Object.hasOwn(NOISE_KINDS, name)) {
    throw new Error(`unknown noise kind '${name}' (known: ${Object.keys(NOISE_KINDS).join(', ')})`);
  }
  return NOISE_KINDS[name as NoiseKindName];
}
