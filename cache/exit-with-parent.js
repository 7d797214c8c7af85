// Preload for sgd-noise's child processes (`node --import .../exit-with-parent.js`): the child kills itself when
// its parent dies (kill -9 of the runner), so no child goes on holding the cache or a core. Plain JavaScript, so that
// children started without tsx (the WebGPU probe) can load it too.
//
// The watch runs in a worker thread: a child busy in a long synchronous loop (the cost measurement, a salvage read)
// never turns its own event loop, but the thread's timer still fires. When the parent dies the kernel re-parents the
// child, so `process.ppid` changes; the thread then sends SIGKILL to its own process (nothing the child could still
// do is wanted: its results had nowhere to go).
import { Worker } from 'node:worker_threads';

// The thread's code imports dynamically: eval'd worker code is CommonJS, or ESM when the process was started with
// `--input-type=module` (as the cost measurement's child is), and a dynamic import works in both.
const watcher = new Worker(
  `import('node:worker_threads').then(({ workerData }) => {
     setInterval(() => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); }, workerData.everyMs);
   });`,
  { eval: true, workerData: { parent: process.ppid, everyMs: 250 }, stdout: false, stderr: false },
);
// A watch that cannot run must not take the child down with it.
watcher.on('error', () => undefined);
watcher.unref();
