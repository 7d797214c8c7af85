/**
 * Lets a worker notice that the process that started it has died, even from inside a long synchronous loop (where
 * the IPC `disconnect` event never fires): when the parent dies the kernel re-parents the worker, so `process.ppid`
 * changes. `check()` is cheap and rate-limited, so it can sit in every progress report and cancellation check.
 */

/** Minimum time between two looks at the parent pid. */
export const PARENT_CHECK_INTERVAL_MS = 200;

/** A watch on the parent process: `check()` calls `onOrphaned` once the parent is gone. */
export interface ParentWatch {
  /** Looks at the parent (at most every PARENT_CHECK_INTERVAL_MS) and calls `onOrphaned` if it has died. */
  check(): void;
  /** Stops the background timer. */
  stop(): void;
}

/**
 * Watches the current parent. Besides explicit `check()` calls, a background timer checks while the event loop is
 * free. `readPpid` is for tests.
 */
export function watchParent(onOrphaned: () => void, readPpid: () => number = () => process.ppid): ParentWatch {
  const parent = readPpid();
  let last = 0;
  let fired = false;
  const look = () => {
    if (fired || readPpid() === parent) return;
    fired = true;
    onOrphaned();
  };
  const timer = setInterval(look, PARENT_CHECK_INTERVAL_MS * 2);
  timer.unref();
  return {
    check() {
      const now = Date.now();
      if (now - last < PARENT_CHECK_INTERVAL_MS) return;
      last = now;
      look();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * `signal` with its `aborted` getter and `throwIfAborted` also calling `check`: numerical loops that only poll the
 * signal (`signal.throwIfAborted()` every iteration) then notice a dead parent too.
 */
export function signalWithCheck(signal: AbortSignal, check: () => void): AbortSignal {
  const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
  Object.defineProperty(signal, 'aborted', {
    configurable: true,
    get() {
      check();
      return abortedGetter.call(signal) as boolean;
    },
  });
  signal.throwIfAborted = () => {
    check();
    AbortSignal.prototype.throwIfAborted.call(signal);
  };
  return signal;
}
