/**
 * `npm run gpu:pack`: writes gpu/pack/, one folder (≤ 60 MB) that runs sgd-noise's GPU check (gpu/check.ts) on a
 * machine with a GPU but no Node.js and no network (`bash run.sh` there; see gpu/run.sh and docs/backends.md, "The GPU
 * check").
 *
 *   run.sh          unpacks, finds the Vulkan loader and NVIDIA's driver manifest, runs the check
 *   node.xz         this Node binary (process.execPath), xz-compressed
 *   dawn.node.xz    Dawn's Node binding from the npm package `webgpu` (linux-x64), xz-compressed
 *   deb/            Debian's libvulkan1 .deb (`apt-get download libvulkan1`), unpacked by run.sh into its scratch dir
 *   app/dist/gpu/   check.mjs, gpu/check.ts bundled by esbuild with tfjs and its backends; webgpu-probe.mjs beside it
 *                   (stages/tf/webgpu.ts runs it to probe the adapter in a child process). Two levels below app/, as
 *                   stages/tf/native.ts is below the repository root, so the addon's path resolves the same way
 *   app/node_modules/webgpu/   the package's index.js and package.json; run.sh puts dawn.node under dist/linux-x64/.
 *                   Kept outside the bundle so that its createRequire finds dawn.node beside it.
 *   app/node_modules/@tensorflow/tfjs-backend-webgpu/   a stub package.json: the code is in check.mjs, but
 *                   stages/tf/webgpu.ts checks the package resolves before starting the backend
 *   app/native/build/sgd_noise_native.node   the native addon (the reference backend), where it was built here;
 *                   check.mjs looks for it at ../../native/build from itself, as stages/tf/native.ts does
 *   app/wasm/       tfjs-backend-wasm's .wasm binaries (the native backend is wasm plus the addon)
 *   app/torch/      bench/torch_common.py, torch_cnn.py and torch_vgg.py
 *   MANIFEST.json   versions, sizes and SHA-256 of every file
 * The two .xz files are cached under gpu/.cache by the SHA-256 of their input (xz -9 of Node takes minutes).
 */
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_ADDON_PATH } from '../stages/tf/native.ts';
import { NVIDIA_ICD_CANDIDATES } from '../stages/tf/webgpu.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACK = path.join(ROOT, 'gpu', 'pack');
const CACHE = path.join(ROOT, 'gpu', '.cache');
/** The most one command can bring to a GPU machine is 64 MiB; this leaves room for the command itself. */
export const PACK_LIMIT_BYTES = 60_000_000;

const require = createRequire(import.meta.url);
const log = (line: string) => process.stderr.write(`gpu:pack: ${line}\n`);

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `xz -9` of `file` into `dest`, from the cache when the same input was compressed before. */
function xzCached(file: string, dest: string): void {
  mkdirSync(CACHE, { recursive: true });
  const cached = path.join(CACHE, `${path.basename(file)}-${sha256(file).slice(0, 16)}.xz`);
  if (!existsSync(cached)) {
    log(`xz -9 ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB; minutes, cached afterwards)...`);
    const tmp = `${cached}.tmp-${process.pid}`;
    const r = spawnSync('sh', ['-c', 'xz -T0 -9 -c "$1" > "$2"', 'sh', file, tmp], { stdio: 'inherit' });
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      throw new Error(`gpu:pack: xz failed on ${file} (exit ${r.status ?? r.signal}); install xz-utils`);
    }
    renameSync(tmp, cached);
  } else log(`${path.basename(file)}: compressed copy from ${path.relative(ROOT, cached)}`);
  copyFileSync(cached, dest);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

async function main(): Promise<void> {
  rmSync(PACK, { recursive: true, force: true });
  const app = path.join(PACK, 'app');
  for (const d of ['dist/gpu', 'node_modules/webgpu', 'node_modules/@tensorflow/tfjs-backend-webgpu', 'wasm', 'native/build', 'torch']) {
    mkdirSync(path.join(app, d), { recursive: true });
  }
  mkdirSync(path.join(PACK, 'deb'), { recursive: true });

  // The check, bundled. `webgpu` stays outside (its index.js loads dawn.node relative to itself); the optional
  // tfjs-node packages are never imported by the check. The banner gives bundled CommonJS code `require`,
  // `__filename` and `__dirname`, which an ES module lacks.
  log('bundling gpu/check.ts with esbuild...');
  const result = await build({
    entryPoints: [path.join(ROOT, 'gpu', 'check.ts')],
    outfile: path.join(app, 'dist', 'gpu', 'check.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    banner: {
      js: [
        "import { createRequire as __sgdCreateRequire } from 'node:module';",
        "import { fileURLToPath as __sgdFileURLToPath } from 'node:url';",
        "import { dirname as __sgdDirname } from 'node:path';",
        'const require = __sgdCreateRequire(import.meta.url);',
        'const __filename = __sgdFileURLToPath(import.meta.url);',
        'const __dirname = __sgdDirname(__filename);',
      ].join('\n'),
    },
    logLevel: 'warning',
    legalComments: 'eof',
  });
  if (result.errors.length) throw new Error(`gpu:pack: esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  copyFileSync(path.join(ROOT, 'stages', 'tf', 'webgpu-probe.mjs'), path.join(app, 'dist', 'gpu', 'webgpu-probe.mjs'));

  // Dawn's binding: the package's own index.js and package.json; dawn.node compressed beside run.sh.
  const webgpuDir = path.dirname(require.resolve('webgpu'));
  const webgpuPkg = JSON.parse(readFileSync(path.join(webgpuDir, 'package.json'), 'utf8')) as { version: string };
  for (const f of ['index.js', 'package.json', 'LICENSE.md']) {
    if (existsSync(path.join(webgpuDir, f))) copyFileSync(path.join(webgpuDir, f), path.join(app, 'node_modules', 'webgpu', f));
  }
  const dawn = path.join(webgpuDir, 'dist', 'linux-x64', 'dawn.node');
  if (!existsSync(dawn)) throw new Error(`gpu:pack: no ${dawn}: install the optional dependency \`webgpu\` (npm install)`);
  xzCached(dawn, path.join(PACK, 'dawn.node.xz'));
  const tfjsWebgpuVersion = (JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-backend-webgpu/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(
    path.join(app, 'node_modules', '@tensorflow', 'tfjs-backend-webgpu', 'package.json'),
    `${JSON.stringify({ name: '@tensorflow/tfjs-backend-webgpu', version: tfjsWebgpuVersion, main: 'index.js', description: 'stub: the code is bundled into app/dist/gpu/check.mjs; this lets require.resolve find the package' }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(app, 'node_modules', '@tensorflow', 'tfjs-backend-webgpu', 'index.js'),
    "throw new Error('@tensorflow/tfjs-backend-webgpu is bundled into app/dist/gpu/check.mjs; this stub only lets require.resolve find it');\n",
  );

  // The reference side: the native addon where it was built, and the wasm binaries.
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(path.join(wasmDir, f), path.join(app, 'wasm', f));
  let native = 'not built here: the check uses wasm as its reference';
  if (existsSync(NATIVE_ADDON_PATH)) {
    copyFileSync(NATIVE_ADDON_PATH, path.join(app, 'native', 'build', 'sgd_noise_native.node'));
    native = 'app/native/build/sgd_noise_native.node';
  } else log(`no ${NATIVE_ADDON_PATH}: ${native}`);
  for (const f of ['torch_common.py', 'torch_cnn.py', 'torch_vgg.py']) copyFileSync(path.join(ROOT, 'bench', f), path.join(app, 'torch', f));

  // The Vulkan loader's .deb.
  log('apt-get download libvulkan1...');
  const apt = spawnSync('apt-get', ['download', 'libvulkan1'], { cwd: path.join(PACK, 'deb'), encoding: 'utf8' });
  const deb = readdirSync(path.join(PACK, 'deb')).find((f) => f.startsWith('libvulkan1_') && f.endsWith('.deb'));
  if (apt.status !== 0 || !deb)
    throw new Error(`gpu:pack: \`apt-get download libvulkan1\` failed (${(apt.stderr ?? apt.error?.message ?? '').trim().slice(-500)})`);

  // Node.
  xzCached(process.execPath, path.join(PACK, 'node.xz'));

  const runSh = readFileSync(path.join(ROOT, 'gpu', 'run.sh'), 'utf8').replace('@NVIDIA_ICD_CANDIDATES@', NVIDIA_ICD_CANDIDATES.map((f) => `'${f}'`).join(' '));
  if (runSh.includes('@NVIDIA_ICD_CANDIDATES@')) throw new Error('gpu:pack: run.sh template lost its placeholder');
  writeFileSync(path.join(PACK, 'run.sh'), runSh);
  chmodSync(path.join(PACK, 'run.sh'), 0o755);

  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' (with uncommitted changes)';
  } catch {
    /* not a git checkout */
  }
  const files = filesUnder(PACK).sort();
  const manifest = {
    what: 'sgd-noise GPU check (gpu/check.ts): bash run.sh; writes $OUT/result.json or ./result.json',
    commit,
    node: { version: process.version, sha256: sha256(process.execPath), from: process.execPath },
    webgpu: { version: webgpuPkg.version, dawnSha256: sha256(dawn) },
    tfjsBackendWebgpu: tfjsWebgpuVersion,
    libvulkan1: deb,
    native,
    files: files.map((f) => ({ path: path.relative(PACK, f), bytes: statSync(f).size, sha256: sha256(f) })),
  };
  writeFileSync(path.join(PACK, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const total = filesUnder(PACK).reduce((s, f) => s + statSync(f).size, 0);
  for (const f of manifest.files.filter((x) => x.bytes > 1e6)) log(`  ${f.path}: ${(f.bytes / 1e6).toFixed(1)} MB`);
  process.stdout.write(
    `gpu:pack: wrote ${path.relative(process.cwd(), PACK) || PACK}: ${files.length + 1} files, ${(total / 1e6).toFixed(1)} MB (${total} bytes; limit ${PACK_LIMIT_BYTES / 1e6} MB)\n`,
  );
  if (total > PACK_LIMIT_BYTES) throw new Error(`gpu:pack: ${total} bytes is over the ${PACK_LIMIT_BYTES}-byte limit`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
