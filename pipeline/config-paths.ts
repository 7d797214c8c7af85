/**
 * Config reads checked by tsc: `Paths<C>` is every dotted path into a config type and `PathValue<C, P>` the type at
 * one, so a reader typed by them refuses a misspelled path at compile time and returns the value's own type:
 *
 * ```ts
 * const dyn = sectionReader<FashionConfig>(cfg, 'fashion');
 * dyn('dynamics.batchSize'); // number (reads 'fashion.dynamics.batchSize')
 * dyn('dynamics.batchsize'); // tsc error
 * ```
 *
 * Only the reading is typed: which keys a stage declares in `reads` (and so its cache key) is unchanged.
 */
import type { ConfigReader } from './stage.ts';

/** Every dotted path into T: `'a' | 'a.b' | …`. Arrays and tuples are leaves (a config reads them whole). */
export type Paths<T> = T extends readonly unknown[]
  ? never
  : T extends object
    ? {
        [K in keyof T & string]:
          | K
          | (NonNullable<T[K]> extends readonly unknown[] ? never : NonNullable<T[K]> extends object ? `${K}.${Paths<NonNullable<T[K]>>}` : never);
      }[keyof T & string]
    : never;

/** The type at the dotted path P of T (an optional key's value includes undefined). */
export type PathValue<T, P extends string> = P extends `${infer K}.${infer Rest}`
  ? K extends keyof T
    ? PathValue<NonNullable<T[K]>, Rest>
    : never
  : P extends keyof T
    ? T[P]
    : never;

/** A reader whose path argument is checked against C and whose result is the type at that path. */
export type TypedReader<C> = <P extends Paths<C>>(path: P) => PathValue<C, P>;

/** `cfg` typed by the whole configuration's type C: `typedReader<Config>(cfg)('fashion.dynamics.batchSize')`. */
export function typedReader<C>(cfg: ConfigReader): TypedReader<C> {
  return ((path: string) => cfg(path)) as TypedReader<C>;
}

/** `cfg` below one section, typed by that section's type C: `sectionReader<FashionConfig>(cfg, 'fashion')('data.train')` reads `fashion.data.train`. */
export function sectionReader<C>(cfg: ConfigReader, section: string): TypedReader<C> {
  return ((path: string) => cfg(`${section}.${path}`)) as TypedReader<C>;
}
