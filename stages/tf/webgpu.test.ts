/**
 * The webgpu backend: the adapter is found and recorded, its kernels agree with the cpu backend, the tie rule of
 * max-pool gradients is the cpu kernels' (first maximum), errors name the cause and the fix, and a lost device makes
 * reads fail with one line. Where no adapter exists these tests skip with the reason, except on CI (CI=true), where
 * they fail: .ci/run installs llvmpipe, a CPU Vulkan driver Dawn accepts.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { execa, execaSync } from 'execa';
import { backendInfo, initBackend } from './backend.ts';
import { maxPoolPick } from './kernels/max_pool_grad.ts';
import { readFloat32 } from './read.ts';
import { relErr, WEBGPU_TESTS } from './testing.ts';
import { describeAdapter, findVulkanLoader, noAdapterReason } from './webgpu.ts';

const onCi = process.env.CI === 'true' || process.env.CI === '1';
const gpuTest = WEBGPU_TESTS.ok ? test.serial : test.serial.skip;

test('a WebGPU adapter is available (required on CI)', (t) => {
  if (!WEBGPU_TESTS.ok) {
    if (onCi) t.fail(`no WebGPU adapter on CI: ${WEBGPU_TESTS.reason}`);
    else t.log(`skipped: ${WEBGPU_TESTS.reason}`);
  }
  t.pass();
});

test('no loader and no driver give one line naming the cause and the fix', (t) => {
  const noLoader = noAdapterReason('', { LD_LIBRARY_PATH: '' } as NodeJS.ProcessEnv);
  t.false(noLoader.includes('\n'));
  // which message depends on whether this machine has libvulkan.so.1; both name a fix
  t.regex(noLoader, /apt-get install libvulkan1|Install the GPU's Vulkan driver|VK_DRIVER_FILES/);
  const refused = noAdapterReason('Warning: x\nError: Vulkan shaderUniformBufferArrayDynamicIndexing required\n');
  if (!/no Vulkan loader/.test(refused)) t.regex(refused, /Dawn refused the driver: .*shaderUniformBufferArrayDynamicIndexing required/);
});

test('describeAdapter names the adapter, its vendor and architecture', (t) => {
  const limits = {
    maxBufferSize: 1,
    maxStorageBufferBindingSize: 1,
    maxComputeWorkgroupStorageSize: 1,
    maxComputeInvocationsPerWorkgroup: 1,
    maxComputeWorkgroupSizeX: 1,
    maxComputeWorkgroupsPerDimension: 1,
    maxStorageBuffersPerShaderStage: 1,
  };
  t.is(
    describeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3', software: false, limits }),
    'NVIDIA H100 80GB HBM3 (nvidia, hopper)',
  );
  t.is(
    describeAdapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe', software: true, limits }),
    'llvmpipe (mesa, software)',
  );
});

gpuTest('initBackend(webgpu) records the adapter, its limits and a label naming it', async (t) => {
  const info = await initBackend('webgpu');
  t.is(info.backend, 'webgpu');
  t.truthy(info.adapter);
  t.true(info.adapter!.limits.maxBufferSize > 0 && info.adapter!.limits.maxStorageBufferBindingSize > 0);
  t.true(info.label.startsWith('webgpu ('));
  t.is(backendInfo().adapter?.description, info.adapter!.description);
  t.log(info.label, JSON.stringify(info.adapter!.limits));
});

gpuTest('conv2d, its two gradients and a matmul agree with the cpu backend (float32, ≤ 1e-5 relative)', async (t) => {
  const run = async (b: 'cpu' | 'webgpu') => {
    await initBackend(b);
    const x = tf.tensor4d(
      Array.from({ length: 2 * 9 * 9 * 3 }, (_, i) => Math.sin(i * 0.37)),
      [2, 9, 9, 3],
    );
    const f = tf.tensor4d(
      Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i * 0.11)),
      [3, 3, 3, 4],
    );
    const [dx, df] = tf.grads((a: tf.Tensor, b2: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b2 as tf.Tensor4D, 1, 'valid'))))([x, f]);
    const m = tf.matMul(tf.reshape(x, [18, 27]), tf.reshape(tf.slice(x, [0, 0, 0, 0], [1, 9, 3, 3]), [27, 3]));
    const out = [await readFloat32(dx!), await readFloat32(df!), await readFloat32(m)];
    tf.dispose([x, f, dx!, df!, m]);
    return out;
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  for (let i = 0; i < cpu.length; i++) t.true(relErr(gpu[i]!, cpu[i]!) < 1e-5, `output ${i}: ${relErr(gpu[i]!, cpu[i]!)}`);
});

gpuTest('MaxPoolGrad and MaxPoolPick route ties to the first maximum, bit for bit as on cpu', async (t) => {
  // windows with ties everywhere (integers in 0..2) and a 6-wide input (where wasm's stock kernel misroutes)
  const values = Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => (i * 7) % 3);
  const dyValues = Array.from({ length: 2 * 3 * 3 * 3 }, (_, i) => i + 1);
  const run = async (b: 'cpu' | 'webgpu') => {
    await initBackend(b);
    const x = tf.tensor4d(values, [2, 6, 6, 3]);
    const dy = tf.tensor4d(dyValues, [2, 3, 3, 3]);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy)))(x);
    const d = tf.tensor4d(
      Array.from({ length: values.length }, (_, i) => i * 0.5),
      [2, 6, 6, 3],
    );
    const picked = maxPoolPick(x, d, 2, 2);
    const out = [await readFloat32(dx), await readFloat32(picked)];
    tf.dispose([x, dy, dx, d, picked]);
    return out;
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  t.deepEqual(Array.from(gpu[0]!), Array.from(cpu[0]!));
  t.deepEqual(Array.from(gpu[1]!), Array.from(cpu[1]!));
});

gpuTest('a lost device fails the next read with one line naming the cause and the fix', async (t) => {
  // in a child process: a lost device cannot be reopened in the process that lost it
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { initBackend } from './stages/tf/backend.ts';
    import { readFloat32 } from './stages/tf/read.ts';
    import { loseDeviceForTest } from './stages/tf/webgpu.ts';
    await initBackend('webgpu');
    const a = tf.ones([1000]);
    await readFloat32(tf.add(a, a));
    loseDeviceForTest();
    try { await readFloat32(tf.mul(a, 3)); console.log('NO ERROR'); } catch (e) { console.log('ERROR ' + e.message); }
    process.exit(0);`;
  const r = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { reject: false, timeout: 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('ERROR ') || l === 'NO ERROR') ?? `(no result; stderr: ${r.stderr.slice(-300)})`;
  t.log(line);
  t.regex(line, /^ERROR backend 'webgpu': the GPU device was lost \(destroyed.*Rerun it/);
});

test('tfjs stages ask the runner for one GPU on webgpu and none on the CPU backends', async (t) => {
  const { gpusForBackend } = await import('./backend.ts');
  const { stages } = await import('../registry.ts');
  const on =
    (backend: string) =>
    <T>(p: string) =>
      (p === 'backend' ? backend : undefined) as T;
  t.is(gpusForBackend({}, on('webgpu')), 1);
  t.is(gpusForBackend({}, on('native')), 0);
  const gpuStages = stages.filter((s) => s.gpus !== undefined).map((s) => s.id);
  t.log(gpuStages.join(', '));
  for (const id of ['fashion.pretrain', 'fashion.dynamics', 'fashion.probe', 'onehidden.train', 'svhn.dynamics', 'cifar10.dynamics'])
    t.true(gpuStages.includes(id), id);
});

test.serial('Dawn run without a loader or without a driver: the probe names the cause and the fix', (t) => {
  // a real Dawn in a child: the driver list pointed at nothing ("Found no drivers"), and, where this test may
  // mount (root, util-linux unshare), the loader replaced by an empty file ("Couldn't load Vulkan")
  const noDriver = execaSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {
    env: { VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' },
    reject: false,
  });
  t.log(noDriver.stdout);
  if (!WEBGPU_TESTS.ok && /not installed/.test(noDriver.stdout)) return void t.pass();
  t.regex(
    noDriver.stdout,
    /^REASON the Vulkan loader found no GPU adapter that Dawn accepts\. The Vulkan loader found no driver at all\..*Install the GPU's Vulkan driver/m,
  );
  const loader = findVulkanLoader();
  const unshare = execaSync('sh', ['-c', 'command -v unshare && [ "$(id -u)" = 0 ]'], { reject: false });
  if (loader === null || unshare.exitCode !== 0) return void t.log('the no-loader case needs root and unshare: not run');
  const noLoader = execaSync(
    'unshare',
    ['-m', 'sh', '-c', `mount --bind /dev/null ${loader} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', '--input-type=module', '-e', PROBE],
    { reject: false },
  );
  t.log(noLoader.stdout);
  t.regex(
    noLoader.stdout,
    /^REASON no usable Vulkan loader \(libvulkan\.so\.1\) \(Couldn't load Vulkan: .*\): install it \(Debian: `apt-get install libvulkan1`\), or use backend=native$/m,
  );
});

/** Prints the probe's reason (a fresh process: the probe result is cached per process). */
const PROBE = `
  import { probeWebGpu } from './stages/tf/webgpu.ts';
  const p = probeWebGpu();
  console.log(p.ok ? 'ADAPTER ' + p.adapter.description : 'REASON ' + p.reason);`;
