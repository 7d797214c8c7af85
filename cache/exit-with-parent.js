// Preload for sgd-noise's child processes (`node --import .../exit-with-parent.js`): the child kills itself when
// its parent dies (kill -9 of the runner), so no child goes on holding the cache or a core. Plain JavaScript, so that
// children started without tsx (the WebGPU probe) can load it too.
//
// The watch runs in a worker thread: a child busy in a long synchronous loop (the cost measurement, a salvage read)
// never turns its own event loop, but the thread's timer still fires. When the parent dies the kernel re-parents the
// child, so `process.ppid` changes; the thread then sends SIGKILL to its own process (nothing the child could still
// do is wanted: its results had nowhere to go).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** Set by sgd-noise (bin/sgd-noise.js, then each child for its own children): the pid of the process that spawned us. */
const SPAWNER = 'SGD_NOISE_SPAWNER_PID';

/** Whether `pid` is a live process: it exists and (where /proc tells) is not a zombie waiting to be reaped. */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: existing is all we can tell
  }
}

// The parent may have died before this preload ran (a kill -9 just after the spawn, or a child starved of CPU): then
// `process.ppid` is already the reaper's and would never change. The spawner named in the environment tells.
const spawner = Number(process.env[SPAWNER]);
if (Number.isInteger(spawner) && spawner > 0 && spawner !== process.ppid && !alive(spawner)) process.kill(process.pid, 'SIGKILL');
process.env[SPAWNER] = String(process.pid); // for this process's own children

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
