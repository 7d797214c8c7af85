import test from 'ava';
import { createOneHidden } from '../models/onehidden.ts';
import { Rng } from '../numerics/random.ts';
import { initBackend } from '../tf/backend.ts';
import { oneHiddenData } from './data.ts';
import { epochLr, trainOneHidden, type EpochRecord } from './train.ts';

test('the learning rate is constant, then decays linearly over the last epochs', (t) => {
  const lrs = Array.from({ length: 31 }, (_, e) => epochLr(1, e, 31, 10));
  t.is(lrs[0], 1);
  t.is(lrs[21], 1);
  t.true(Math.abs(lrs[22]! - 0.9) < 1e-12);
  t.true(Math.abs(lrs[30]! - 0.1) < 1e-12);
});

test('a short run records every epoch, learns, and its indicator is self-consistent', async (t) => {
  await initBackend('wasm');
  const model = createOneHidden();
  const data = oneHiddenData(new Rng(1), 200);
  const rng = new Rng(2);
  const reported: [number, number, EpochRecord][] = [];
  const { records } = await trainOneHidden(model, model.init(new Rng(3)), data, {
    epochs: 3,
    itersPerEpoch: 10,
    lr: 1e-2,
    decayEpochs: 1,
    covBatchSize: 10,
    covBatches: 20,
    rng,
    onEpoch: (done, total, record) => reported.push([done, total, record]),
  });
  t.deepEqual(
    records.map((r) => r.epoch),
    [0, 1, 2, 3],
  );
  t.deepEqual(
    reported,
    [1, 2, 3].map((e) => [e, 3, records[e]!]),
    'each epoch reports its own record (the stage shows its loss and accuracy)',
  );
  t.true(records[3]!.loss < records[0]!.loss, `loss ${records[0]!.loss} → ${records[3]!.loss}`);
  for (const r of records) {
    t.true(r.traceH > 0 && r.traceSigma > 0 && r.traceHSigma > 0);
    t.true(Math.abs(r.traceHSigmaIso - (r.traceSigma * r.traceH) / model.size) <= 1e-12 * r.traceHSigmaIso);
    t.true(r.ratio !== null && Math.abs(r.ratio - r.traceHSigma / r.traceHSigmaIso) < 1e-9 * r.ratio);
  }
  t.log(records.map((r) => `epoch ${r.epoch}: loss ${r.loss.toFixed(4)} acc ${r.accuracy} ratio ${r.ratio?.toFixed(1)}`).join('\n'));
});
