#!/usr/bin/env node
/**
 * Builds sgd-noise's native kernels (native/build/sgd_noise_native.node), run by `npm install` (the package's
 * install script) and by hand with `node native/build.mjs`.
 *
 * The addon is optional: without a C++ compiler or Node's headers this prints why, exits 0, and the 'auto' backend
 * is plain wasm. It compiles kernels.inc.cc three times (AVX-512, AVX2, baseline x86-64; the addon picks the best one
 * the CPU has at load time) with FMA contraction off, so all three give bit-identical results. The output is written
 * to a temporary name and renamed, so an interrupted build never leaves a half-written addon that would be loaded.
 *
 * Environment: CXX (default c++), SGD_NOISE_NATIVE=0 skips the build, SGD_NOISE_NATIVE_REQUIRED=1 makes a failed
 * build an error (for CI).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'build');
const target = path.join(outDir, 'sgd_noise_native.node');
const stamp = path.join(outDir, 'sources.sha256');
const SOURCES = ['addon.cc', 'pool.cc', 'rows.cc', 'sequential.cc', 'sequential.h', 'kernels.inc.cc', 'kernels.h', 'pool.h', 'rows.h', 'build.mjs'];
const ISAS = [
  ['avx512', ['-mavx512f']],
  ['avx2', ['-mavx2']],
  ['baseline', []],
];
const COMMON = ['-std=c++17', '-O3', '-fPIC', '-ffp-contract=off', '-fno-math-errno', '-Wno-psabi'];

/** Node's headers (node_api.h): next to this node, npm's nodedir, or node-gyp's cache. */
function nodeHeaders() {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    process.env.HOME && path.join(process.env.HOME, '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(path.join(dir, 'node_api.h')));
}

function sourcesHash() {
  const h = createHash('sha256');
  for (const f of SOURCES) h.update(f).update(readFileSync(path.join(here, f)));
  h.update(process.versions.modules).update(process.arch);
  return h.digest('hex');
}

function skip(why) {
  const message = `sgd-noise: native kernels not built (${why}); the 'auto' backend will be wasm. Build them later with \`node native/build.mjs\`.`;
  if (process.env.SGD_NOISE_NATIVE_REQUIRED === '1') {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

if (process.env.SGD_NOISE_NATIVE === '0') skip('SGD_NOISE_NATIVE=0');
if (process.arch !== 'x64') skip(`the kernels are written for x86-64, this is ${process.arch}`);
const headers = nodeHeaders();
if (!headers) skip("Node's headers (node_api.h) were not found; on Debian: apt install libnode-dev");
const cxx = process.env.CXX || 'c++';
const hash = sourcesHash();
if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) process.exit(0);

mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(path.join(outDir, '.build-'));
try {
  const objects = [];
  const compile = (src, obj, flags) => {
    execFileSync(cxx, [...COMMON, ...flags, `-I${headers}`, '-c', path.join(here, src), '-o', obj], { stdio: ['ignore', 'inherit', 'pipe'] });
    objects.push(obj);
  };
  for (const [isa, flags] of ISAS) compile('kernels.inc.cc', path.join(work, `kernels_${isa}.o`), [`-DSGD_ISA=${isa}`, ...flags]);
  compile('pool.cc', path.join(work, 'pool.o'), []);
  compile('rows.cc', path.join(work, 'rows.o'), []);
  compile('sequential.cc', path.join(work, 'sequential.o'), []);
  compile('addon.cc', path.join(work, 'addon.o'), []);
  const tmp = path.join(work, 'out.node');
  execFileSync(cxx, ['-shared', '-o', tmp, ...objects], { stdio: ['ignore', 'inherit', 'pipe'] });
  renameSync(tmp, target);
  writeFileSync(stamp, `${hash}\n`);
  console.log(`sgd-noise: built native kernels (${path.relative(process.cwd(), target)})`);
} catch (err) {
  const detail = err.stderr ? String(err.stderr).trim().split('\n').slice(-3).join(' | ') : err.message;
  rmSync(target, { force: true });
  skip(`${cxx} failed: ${detail}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
