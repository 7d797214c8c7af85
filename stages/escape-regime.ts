/**
 * The learning-rate bound of the 2-D toy's escape-law study, in its own module so that the study's config
 * (stages/toy2d/escape-config.ts) and the report's text (stages/report/figures/escape-laws.ts) share it without an
 * import between their folders.
 */

/**
 * The largest η·λ_max the study accepts. Xie, Sato & Sugiyama (ICLR 2021) and Mori et al. (ICML 2022) derive their laws
 * in the continuous-time (diffusion) limit η·λ → 0. In discrete time, isotropic noise of total variance V has the
 * stationary energy V/(2η(2 − ηλᵢ)) along eigendirection i, against V/(4η) in the limit: at η·λ_max ≤ 0.2 the
 * discrete factor 2/(2 − ηλ) stays within 1.11 (at 1.4, the paper's toy rate on scale 1.4, it is 3.3), and the slowest
 * mode of the sharp basin (λ_min = λ_max/10) relaxes over 1/(η·λ_min) ≥ 50 steps.
 */
export const ESCAPE_ETA_LAMBDA_MAX = 0.2;
