import test from 'ava';
import { renderSummary } from './summary.ts';

test('the summary lists config, cited stages with short keys, and versions', (t) => {
  const md = renderSummary({
    title: 'sgd-noise: quick',
    config: { seed: 1, backend: 'wasm' },
    tables: [{ title: 'toy2d', rows: [{ kind: 'gd', escapes: [0, 1], trace: 1.83636 }] }],
    stages: [{ input: 'toy', instance: 'toy2d.data', key: 'ab'.repeat(32) }],
    versions: { node: 'v20' },
  });
  t.is(
    md,
    [
      '# sgd-noise: quick',
      '',
      '## Configuration',
      '',
      '| key | value |',
      '|---|---|',
      '| `seed` | `1` |',
      '| `backend` | `"wasm"` |',
      '',
      '## toy2d',
      '',
      '| kind | escapes | trace |',
      '|---|---|---|',
      '| gd | 0, 1 | 1.836 |',
      '',
      '## Stages',
      '',
      '| input | stage instance | cache key |',
      '|---|---|---|',
      '| toy | `toy2d.data` | `abababababababab` |',
      '',
      '## Software',
      '',
      '| package | version |',
      '|---|---|',
      '| node | v20 |',
      '',
    ].join('\n'),
  );
});
