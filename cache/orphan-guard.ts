/**
 * The Node options that make a child process die with its parent (see exit-with-parent.js): every Node child that
 * sgd-noise starts (stage workers, the cost measurement, salvage readers, the WebGPU probe) is started with them.
 */
import { fileURLToPath } from 'node:url';

/** Path of the preload that makes a Node process exit when its parent dies. */
export const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.js', import.meta.url));

/** `--import` of {@link EXIT_WITH_PARENT}, for a child's Node options (before its other `--import`s). */
export const EXIT_WITH_PARENT_OPTIONS: readonly string[] = ['--import', EXIT_WITH_PARENT];
