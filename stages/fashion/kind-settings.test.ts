import test from 'ava';
import project from '../../pipeline.config.ts';
import { configReader } from '../../pipeline/estimate.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { noiseKeyPaths, readKindSettings, readShapeConfig } from './kind-settings.ts';

const cfgOf = (profile: string) => configReader(resolveConfig(project, profile, ['backend=wasm']).config as Record<string, unknown>);

test('a kind’s settings: its noise keys, its refresh (1 when it has none) and its schedule options', (t) => {
  const quick = cfgOf('quick');
  t.deepEqual(readKindSettings(quick, 'gld_leading'), { noise: { k: 10, rescaleToTrace: false }, refresh: 10, noiseSteps: undefined, eigvec: undefined });
  t.deepEqual(readKindSettings(quick, 'gld_const'), { noise: { sigma: 1e-3 }, refresh: 1, noiseSteps: undefined, eigvec: undefined });
  t.deepEqual(readKindSettings(quick, 'gd'), { noise: {}, refresh: 1, noiseSteps: undefined, eigvec: undefined });
  const code = cfgOf('paper-code');
  t.is(readKindSettings(code, 'gld_leading').noiseSteps, 'refresh');
  t.deepEqual(readKindSettings(code, 'gld_hessian_top1'), { noise: {}, refresh: 1, noiseSteps: undefined, eigvec: { method: 'power', iterations: 30 } });
});

test('the keys that shape a kind’s noise, as paths and values (what the probes declare and read)', (t) => {
  t.deepEqual(noiseKeyPaths('gld_leading'), ['fashion.dynamics.gld_leading.k', 'fashion.dynamics.gld_leading.rescaleToTrace']);
  t.deepEqual(noiseKeyPaths('gld_hessian'), ['fashion.dynamics.gld_hessian.k']);
  t.deepEqual(noiseKeyPaths('gld_const'), ['fashion.dynamics.gld_const.sigma']);
  for (const kind of ['gd', 'sgd', 'gld_dynamic', 'gld_diag', 'gld_hessian_top1', 'gld_full']) t.deepEqual(noiseKeyPaths(kind), [], kind);
  const read: string[] = [];
  const quick = cfgOf('quick');
  t.deepEqual(
    readShapeConfig((p) => (read.push(p), quick(p)), 'gld_leading'),
    { k: 10, rescaleToTrace: false },
  );
  t.deepEqual(read, noiseKeyPaths('gld_leading'));
  t.throws(() => noiseKeyPaths('gld_fool'), { message: /unknown noise kind 'gld_fool'/ });
});
