/** Typed config reads: the reader reads the dotted path it is given (below its section), and tsc refuses a misspelled one. */
import test from 'ava';
import { getPath } from './config.ts';
import { sectionReader, typedReader } from './config-paths.ts';
import type { ConfigReader } from './stage.ts';

interface Section {
  dynamics: { batchSize: number; kinds: string[]; mode?: 'a' | 'b' };
  enabled: boolean;
}
interface Whole {
  seed: number;
  fashion: Section;
}

const config: Whole = { seed: 3, fashion: { dynamics: { batchSize: 20, kinds: ['sgd'] }, enabled: true } };
const asked: string[] = [];
const cfg: ConfigReader = <T>(p: string) => {
  asked.push(p);
  return getPath(config, p) as T;
};

test('a section reader reads its section’s path, a whole reader the path as given', (t) => {
  asked.length = 0;
  const fashion = sectionReader<Section>(cfg, 'fashion');
  const m: number = fashion('dynamics.batchSize');
  const kinds: string[] = fashion('dynamics.kinds');
  const mode: 'a' | 'b' | undefined = fashion('dynamics.mode');
  t.is(m, 20);
  t.deepEqual(kinds, ['sgd']);
  t.is(mode, undefined);
  t.deepEqual(fashion('dynamics'), config.fashion.dynamics);
  const whole = typedReader<Whole>(cfg);
  t.is(whole('seed'), 3);
  t.true(whole('fashion.enabled'));
  t.deepEqual(asked, ['fashion.dynamics.batchSize', 'fashion.dynamics.kinds', 'fashion.dynamics.mode', 'fashion.dynamics', 'seed', 'fashion.enabled']);
});

// Compile-time checks (`npx tsc --noEmit -p .` fails if any of these lines type-checks).
export function misspelled(): void {
  const fashion = sectionReader<Section>(cfg, 'fashion');
  // @ts-expect-error a misspelled path
  fashion('dynamics.batchsize');
  // @ts-expect-error a path through a leaf
  fashion('enabled.x');
  // @ts-expect-error arrays are leaves: no path into them
  fashion('dynamics.kinds.0');
  // @ts-expect-error the value's own type: a number is not a string
  const s: string = fashion('dynamics.batchSize');
  void s;
  // @ts-expect-error the whole reader wants the section's name
  typedReader<Whole>(cfg)('dynamics.batchSize');
}
