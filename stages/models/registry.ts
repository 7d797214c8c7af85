/** Every model by name, in one place: `createModel('cnn')`. */
import { createCnn } from './cnn.ts';
import type { FlatModel } from './model.ts';
import { createOneHidden } from './onehidden.ts';
import { createTanhMlp, createTinyConvNet } from './tiny.ts';
import { createToy2d } from './toy2d.ts';
import { createVgg11 } from './vgg.ts';

/** Factories of the models, keyed by name. */
export const MODELS = {
  toy2d: () => createToy2d(),
  onehidden: () => createOneHidden(),
  cnn: () => createCnn(),
  vgg11: () => createVgg11(),
  'tiny-conv': () => createTinyConvNet(),
  'tanh-mlp': () => createTanhMlp(),
} as const satisfies Record<string, () => FlatModel>;

/** Builds the model registered under `name`; errors list the known names. */
export function createModel(name: string): FlatModel {
  const factory = (MODELS as Record<string, () => FlatModel>)[name];
  if (!factory) throw new Error(`unknown model '${name}'; known: ${Object.keys(MODELS).join(', ')}`);
  return factory();
}
