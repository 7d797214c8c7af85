/**
 * bench/torch_vgg.py (the PyTorch VGG11 that gpu/check.ts times on CUDA) computes the same mean loss and gradient as
 * sgd-noise's VGG11 (stages/models/vgg.ts) from the same flat weights on the same 4 images (relative difference
 * ≤ 1e-4 in float64; both compute in float32). Skipped, with the reason, when Debian's `/usr/bin/python3` cannot import
 * torch (package python3-torch). No timing is asserted.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TORCH_PYTHON, torchAvailability } from '../bench/compare.ts';
import { readFloat32File, relativeDifference, writeExchange } from '../bench/exchange.ts';
import { valueAndGradRead } from '../stages/models/curvature.ts';
import { createVgg11 } from '../stages/models/vgg.ts';
import { Rng } from '../stages/numerics/random.ts';
import { initBackend } from '../stages/tf/backend.ts';

const torch = torchAvailability();
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'torch_vgg.py');
const TOLERANCE = 1e-4;

function runVgg(dir: string, mode: 'check' | 'bench'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TORCH_PYTHON, [SCRIPT, dir, mode, 'cpu'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

for (const width of [1, 1 / 8]) {
  test.serial(`torch_vgg.py and sgd-noise's VGG11 (width ${width}) agree on the loss and gradient (4 images)`, async (t) => {
    if (!torch.ok) {
      t.log(`skipped: ${torch.reason}`);
      t.pass();
      return;
    }
    await initBackend('wasm');
    const model = createVgg11({ width });
    const rng = new Rng(11);
    const n = 4;
    const x = rng.fillNormal(new Float32Array(n * 32 * 32 * 3));
    const y = Int32Array.from({ length: n }, (_, i) => (3 * i) % 10);
    const w = model.init(rng);
    const batch = { x: tf.tensor4d(x, [n, 32, 32, 3]), y: tf.tensor1d(y, 'int32') };
    const dir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-vgg-test-'));
    try {
      writeExchange(dir, model, { w: { data: w, shape: [model.size] }, x_train: { data: x, shape: [n, 32, 32, 3] }, y_train: { data: y, shape: [n] } });
      const { value, grad } = await valueAndGradRead(model, w, batch);
      const r = runVgg(dir, 'check');
      t.is(r.status, 0, r.stderr);
      const torchLoss = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { loss: number }).loss;
      const tg = readFloat32File(dir, 'torch-grad.f32');
      const loss = relativeDifference(value, torchLoss);
      const gradient = relativeDifference(grad, tg);
      t.log(
        `width ${width} (D = ${model.size}): loss ${value} / ${torchLoss} (${loss.toExponential(2)}), gradient ${gradient.toExponential(2)} (torch ${torch.ok ? torch.version : ''})`,
      );
      t.true(loss <= TOLERANCE, `loss relative difference ${loss}`);
      t.true(gradient <= TOLERANCE, `gradient relative difference ${gradient}`);
      t.true(relativeDifference(new Float32Array(tg.length), tg) > 0, 'the gradient is not zero');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tf.dispose([batch.x, batch.y]);
    }
  });
}

test.serial('a layout that is not VGG11 makes torch_vgg.py fail loudly', (t) => {
  if (!torch.ok) {
    t.log(`skipped: ${torch.reason}`);
    t.pass();
    return;
  }
  const model = createVgg11({ width: 1 / 16 });
  const wrong = { ...model, params: model.params.map((p, i) => (i === 0 ? { ...p, shape: [4, 3, 3, 3] } : p)) };
  const dir = mkdtempSync(path.join(tmpdir(), 'sgd-noise-vgg-test-'));
  try {
    writeExchange(dir, wrong, {
      w: { data: new Float32Array(model.size), shape: [model.size] },
      x_train: { data: new Float32Array(3072), shape: [1, 32, 32, 3] },
      y_train: { data: new Int32Array(1), shape: [1] },
    });
    const r = runVgg(dir, 'check');
    t.not(r.status, 0);
    t.regex(r.stderr, /parameter layout/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
