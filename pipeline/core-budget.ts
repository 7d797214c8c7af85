/**
 * The runner's budget of cores. Every running stage instance holds at least one; an instance that can use several
 * threads also takes idle cores, up to what it can use, when no instance of the same or a higher priority is waiting
 * for one. So the machine is never oversubscribed (the cores held never exceed the budget), and a stage that runs
 * alone, or that everything else waits on, gets the idle cores. Waiters are served by priority, then first-come
 * first-served.
 */

/** Cores granted to one instance, and the function that gives them back (idempotent). */
export interface CoreGrant {
  readonly cores: number;
  release(): void;
}

/** A counting budget of `total` cores; see the module comment for the policy. */
export class CoreBudget {
  private free: number;
  private readonly waiting: Array<{ grant: () => void; priority: number }> = [];
  private drainScheduled = false;

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
   * extra idle cores unless an instance of `priority` or higher is waiting. Rejects if `signal` aborts while waiting.
   */
  async acquire(want: number, signal?: AbortSignal, priority = 0): Promise<CoreGrant> {
    if (!(Number.isInteger(want) && want >= 1)) throw new Error(`CoreBudget.acquire: want must be an integer ≥ 1, got ${want}`);
    await this.one(signal, priority);
    let cores = 1;
    if (want > 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.waiting.some((w) => w.priority >= priority)) {
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
        this.scheduleDrain();
      },
    };
  }

  /**
   * Takes one core. Every request waits in line (by priority, then arrival) until the next turn of the event loop,
   * so that instances which become ready together are served by priority rather than by who asked first.
   */
  private one(signal?: AbortSignal, priority = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const entry = { grant, priority };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const at = this.waiting.findIndex((w) => w.priority < priority);
      this.waiting.splice(at < 0 ? this.waiting.length : at, 0, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.scheduleDrain();
    });
  }

  /** On the next turn, hands idle cores to the head of the line. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      while (this.free > 0 && this.waiting.length > 0) {
        this.free--;
        this.waiting.shift()!.grant();
      }
    });
  }
}
