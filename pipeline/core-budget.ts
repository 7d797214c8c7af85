/**
 * The runner's budgets: cores (CoreBudget) and GPUs (GpuBudget, below). Every running stage instance holds at least
 * one core; an instance that can use several threads also takes idle cores, up to what it can use, when no instance
 * of the same or a higher priority is waiting for one. So the machine is never oversubscribed (the cores held never
 * exceed the budget), and a stage that runs alone, or that everything else waits on, gets the idle cores. Waiters are
 * served by priority, then first-come first-served.
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

/** GPUs granted to one instance, and the function that gives them back (idempotent). */
export interface GpuGrant {
  readonly gpus: number;
  release(): void;
}

/**
 * The runner's budget of GPUs: an instance that needs `n` waits until `n` are free and holds exactly those. Waiters
 * are served by priority, then first-come first-served, and strictly in that order: one that needs more than is free
 * blocks those behind it (so it is never starved by smaller requests). The runner takes GPUs before cores, never
 * the other way round, so the two budgets cannot deadlock: whoever waits for a core holds every GPU it will need,
 * and whoever holds a core already runs.
 *
 * ```ts
 * const gpus = new GpuBudget(1);
 * const g = await gpus.acquire(1); // a second acquire(1) waits until g.release()
 * ```
 */
export class GpuBudget {
  private free: number;
  private readonly waiting: Array<{ want: number; grant: () => void; priority: number }> = [];
  private drainScheduled = false;

  /** A budget of `total` ≥ 0 GPUs (0: a machine without any; only instances that need none run). */
  constructor(readonly total: number) {
    if (!(Number.isInteger(total) && total >= 0)) throw new Error(`GpuBudget: total must be an integer ≥ 0, got ${total}`);
    this.free = total;
  }

  /** GPUs not held by anyone now. */
  get idle(): number {
    return this.free;
  }

  /**
   * Waits until `want` GPUs are free (at once for 0) and takes them. Rejects at once when `want` exceeds the whole
   * budget (it could never start), and when `signal` aborts while waiting.
   */
  acquire(want: number, signal?: AbortSignal, priority = 0): Promise<GpuGrant> {
    if (!(Number.isInteger(want) && want >= 0)) return Promise.reject(new Error(`GpuBudget.acquire: want must be an integer ≥ 0, got ${want}`));
    if (want > this.total) return Promise.reject(new Error(`needs ${want} GPU(s) but the budget has ${this.total}`));
    const grant = (): GpuGrant => {
      let released = false;
      return {
        gpus: want,
        release: () => {
          if (released) return;
          released = true;
          this.free += want;
          this.scheduleDrain();
        },
      };
    };
    if (want === 0) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = {
        want,
        priority,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(grant());
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
        this.scheduleDrain(); // it may have blocked smaller requests behind it
      };
      const at = this.waiting.findIndex((w) => w.priority < priority);
      this.waiting.splice(at < 0 ? this.waiting.length : at, 0, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.scheduleDrain();
    });
  }

  /**
   * On the next turn (so that instances which become ready together are served by priority, as cores are), hands
   * free GPUs to the head of the line while it fits.
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.want <= this.free) {
      const head = this.waiting.shift()!;
      this.free -= head.want;
      head.grant();
    }
  }
}
