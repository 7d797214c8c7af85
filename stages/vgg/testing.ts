/**
 * Tiny SVHN (.mat) and CIFAR-10 (binary) files in the real formats, and the overrides that run the VGG11 stages on them
 * with a width-scaled network, for the stage tests (stages.test.ts on the CPU backends, webgpu.test.ts on webgpu).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { CIFAR_RECORD_BYTES, CIFAR_TEST_FILES, CIFAR_TRAIN_FILES } from '../data/cifar10.ts';
import { encodeMat5 } from '../data/mat5.ts';
import { Rng } from '../numerics/random.ts';

/** Writes 24 SVHN images per split and 12 CIFAR-10 records per batch file under `root`; returns their directories. */
export function writeTinyDatasets(root: string): { svhn: string; cifar: string } {
  const rng = new Rng(17);
  const svhn = path.join(root, 'svhn');
  mkdirSync(svhn);
  for (const split of ['train', 'test']) {
    const n = 24;
    const X = Uint8Array.from({ length: 3072 * n }, () => rng.int(256));
    const y = Float64Array.from({ length: n }, () => 1 + rng.int(10));
    writeFileSync(
      path.join(svhn, `${split}_32x32.mat`),
      encodeMat5(
        [
          { name: 'X', dims: [32, 32, 3, n], data: X },
          { name: 'y', dims: [n, 1], data: y },
        ],
        true,
        deflateSync,
      ),
    );
  }
  const cifar = path.join(root, 'cifar-10-batches-bin');
  mkdirSync(cifar);
  for (const f of [...CIFAR_TRAIN_FILES, ...CIFAR_TEST_FILES]) {
    const bytes = Uint8Array.from({ length: 12 * CIFAR_RECORD_BYTES }, (_, i) => (i % CIFAR_RECORD_BYTES === 0 ? rng.int(10) : rng.int(256)));
    writeFileSync(path.join(cifar, f), bytes);
  }
  return { svhn, cifar };
}

/** Overrides that enable one dataset on the tiny files with a 1/16-width VGG11, 2 iterations of 3 kinds. */
export function overrides(ds: 'svhn' | 'cifar10', dataPath: string, force: boolean): string[] {
  return [
    `${ds}.enabled=true`,
    `${ds}.force=${force}`,
    `${ds}.width=0.0625`,
    `${ds}.data.path=${dataPath}`,
    `${ds}.data.trainCount=20`,
    `${ds}.data.testCount=10`,
    `${ds}.dynamics.kinds=["gd","sgd","gld_diag"]`,
    `${ds}.dynamics.iterations=2`,
    `${ds}.dynamics.batchSize=5`,
    `${ds}.dynamics.covBatches=3`,
    `${ds}.dynamics.refresh=1`,
    `${ds}.dynamics.logEvery=1`,
    `${ds}.dynamics.chunkSize=10`,
    `${ds}.sharpness.samples=2`,
  ];
}
