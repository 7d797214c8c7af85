/**
 * The runner's budget of cores. Every running stage instance holds at least one; an instance that can use several
 * threads also takes idle cores, up to what it can use, when no other instance is waiting for one. So the machine is
 * never oversubscribed (the cores held never exceed the budget), and a stage that runs alone (a pre-training that
 * everything waits on) gets the whole machine. Waiters are served first-come first-served.
 */

/** Cores granted to one instance, and the function that gives them back (idempotent). */
export interface CoreGrant {
  readonly cores: number;
  release(): void;
}

/** A counting budget of `total` cores; see the module comment for the policy. */
export class CoreBudget {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  /** A budget of `total` ≥ 1 cores. */
  constructor(readonly total: number) {
    if (!(Number.isInteger(total) && total >= 1)) throw new Error(`CoreBudget: total must be an integer ≥ 1, got ${total}`);
    this.free = total;
  }

  /** Cores not held by anyone now. */
  get idle(): number {
    return this.free;
  }

  /**
   * Waits for one core, then lets instances that became ready in the same turn queue up, and takes up to `want` − 1
   * extra idle cores if none is waiting. Rejects if `signal` aborts while waiting.
   */
  async acquire(want: number, signal?: AbortSignal): Promise<CoreGrant> {
    if (!(Number.isInteger(want) && want >= 1)) throw new Error(`CoreBudget.acquire: want must be an integer ≥ 1, got ${want}`);
    await this.one(signal);
    let cores = 1;
    if (want > 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.waiting.length === 0) {
        const extra = Math.min(want - 1, this.free);
        this.free -= extra;
        cores += extra;
      }
    }
    let released = false;
    return {
      cores,
      release: () => {
        if (released) return;
        released = true;
        this.free += cores;
        while (this.free > 0 && this.waiting.length > 0) {
          this.free--;
          this.waiting.shift()!();
        }
      },
    };
  }

  /** Takes one core, waiting in line if none is idle. */
  private one(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.free > 0 && this.waiting.length === 0) {
        this.free--;
        return resolve();
      }
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
