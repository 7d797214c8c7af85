/** The project's measureCosts at tiny sizes: every needed operation gets a finite positive cost, nothing else. */
import test from 'ava';
import project from '../../pipeline.config.ts';
import { resolveConfig } from '../../pipeline/project.ts';
import { FASHION_OPS, minibatchGradOp } from '../fashion/cost.ts';
import { ONEHIDDEN_OPS } from '../onehidden/cost.ts';
import { toy2dRepeatOp } from '../toy2d/cost.ts';
import { vggImageGradientOp } from '../vgg/cost.ts';
import { backendInfo } from '../tf/backend.ts';
import { measureCosts } from './measure.ts';

const overrides = [
  'fashion.data.train=40',
  'fashion.data.randomLabels=10',
  'fashion.data.test=30',
  'fashion.dynamics.batchSize=10',
  'fashion.dynamics.gld_leading.k=2',
  'fashion.batchSizes.sizes=[5,20]',
  'onehidden.samples=50',
  'onehidden.covBatches=3',
  'svhn.width=0.0625',
  'cifar10.width=0.0625',
];

test('every needed operation is measured, in milliseconds per unit; unknown ones are left out', async (t) => {
  const { config } = resolveConfig(project, 'quick', overrides);
  const needed = new Set([
    ...Object.values(FASHION_OPS).filter((op) => op !== FASHION_OPS.gradMinibatch),
    minibatchGradOp(10), // minibatch gradients are counted per batch size
    minibatchGradOp(5),
    ...Object.values(ONEHIDDEN_OPS),
    toy2dRepeatOp('gld_hessian'),
    vggImageGradientOp('svhn'),
    vggImageGradientOp('cifar10'),
    'nobody.measures.this',
  ]);
  const lines: string[] = [];
  const { costs, measuredOn, clock } = await measureCosts(config, needed, (line) => lines.push(line));
  t.is(measuredOn, `backend ${backendInfo().label}`, 'the backend measured on, for the dry-run');
  t.is(clock, 'cpu');
  t.deepEqual(Object.keys(costs).sort(), [...needed].filter((op) => op !== 'nobody.measures.this').sort());
  for (const [op, ms] of Object.entries(costs)) t.true(Number.isFinite(ms) && ms > 0, `${op}: ${ms}`);
  t.is(costs[vggImageGradientOp('cifar10')], costs[vggImageGradientOp('svhn')], 'the same network is measured once');
  t.true(
    lines.some((l) => l.startsWith('fashion: timing on')),
    lines.join('\n'),
  );
  t.true(
    lines.some((l) => l.startsWith(`${FASHION_OPS.hvp}: Hessian-vector product, N = 40`)),
    lines.join('\n'),
  );
});
