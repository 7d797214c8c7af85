import test from 'ava';
import project from '../../pipeline.config.ts';
import { ConfigError } from '../../pipeline/config.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import type { FashionSplit } from '../data/fashion-mnist.ts';
import { Rng } from '../numerics/random.ts';
import { prepareFashion } from './data.ts';

const split = (count: number): FashionSplit => ({
  count,
  rows: 1,
  cols: 1,
  images: new Uint8Array(count),
  labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
});

test('random labels go on the last ones by default, or from randomLabelsFrom on (the released 1000–1199 of 6000)', (t) => {
  const last = prepareFashion(split(60), split(5), 12, 2, new Rng(1));
  t.deepEqual(
    Array.from(last.randomized.keys()).filter((i) => last.randomized[i]),
    [10, 11],
  );
  const released = prepareFashion(split(6000), split(5), 6000, 200, new Rng(1), 1000);
  const marked = Array.from(released.randomized.keys()).filter((i) => released.randomized[i]);
  t.is(marked.length, 200);
  t.is(marked[0], 1000);
  t.is(marked.at(-1), 1199);
  t.true(released.changed.reduce((a, b) => a + b, 0) > 150); // about 9 in 10 random labels differ from the true one
  t.throws(() => prepareFashion(split(60), split(5), 12, 2, new Rng(1), 11), { message: /random labels on 11\.\.12 do not fit in 12 training images/ });
});

test('a randomLabelsFrom that does not fit is a config error naming fashion.data.randomLabelsFrom', (t) => {
  const err = t.throws(() => resolveConfig(project, 'quick', ['fashion.data.randomLabelsFrom=260']), { instanceOf: ConfigError });
  t.regex(err!.message, /fashion\.data\.randomLabelsFrom/);
  t.notThrows(() => resolveConfig(project, 'paper-code', []));
});
