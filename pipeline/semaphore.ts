/** A counting semaphore: at most `limit` holders at a time, waiting callers served first-come first-served. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** Creates a semaphore with `limit` ≥ 1 slots. */
  constructor(readonly limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`Semaphore: limit must be an integer ≥ 1, got ${limit}`);
  }

  /** Waits for a slot and returns its release function; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiting.shift()?.();
        });
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      if (this.active < this.limit) grant();
      else {
        this.waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}
