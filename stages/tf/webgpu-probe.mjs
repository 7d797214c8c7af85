// Probes for a WebGPU adapter through Dawn's Node binding (the npm package `webgpu`) in a child process, so that a
// missing Vulkan loader, a refused driver or a crash inside the driver never takes the calling process down, and so
// that Dawn's own messages (written to stderr) can be quoted. Prints one JSON line on stdout:
// {"ok":true,"adapter":{vendor, architecture, device, description, software, limits}} or {"ok":false,"reason":…}.
// Plain JavaScript (no TypeScript loader needed); run by stages/tf/webgpu.ts `probeWebGpu()`.
let mod;
try {
  mod = await import('webgpu');
} catch (err) {
  console.log(JSON.stringify({ ok: false, stage: 'package', reason: String(err?.message ? err.message : err) }));
  process.exit(0);
}
const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
];
try {
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    console.log(JSON.stringify({ ok: false, stage: 'adapter', reason: 'requestAdapter() returned null' }));
  } else {
    const info = adapter.info ?? {};
    const limits = Object.fromEntries(LIMITS.map((k) => [k, Number(adapter.limits[k])]));
    const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || info.architecture === 'software';
    const out = {
      vendor: String(info.vendor ?? ''),
      architecture: String(info.architecture ?? ''),
      device: String(info.device ?? ''),
      description: String(info.description ?? ''),
      software,
      limits,
    };
    console.log(JSON.stringify({ ok: true, adapter: out }));
  }
} catch (err) {
  console.log(JSON.stringify({ ok: false, stage: 'adapter', reason: String(err?.message ? err.message : err) }));
}
process.exit(0);
