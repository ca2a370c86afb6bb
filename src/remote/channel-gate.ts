// How many exec channels may be open at once on one connection. sshd refuses a session past
// MaxSessions (default 10), so we stay under it (8) and queue the rest in arrival order. Two
// sessions stay free for control commands (killing a timed-out command), which run one at a time.

export const DEFAULT_MAX_CHANNELS = 8;

interface Waiter {
  grant: (release: () => void) => void;
  reject: (err: unknown) => void;
}

export class ChannelGate {
  private active = 0;
  private peak = 0;
  private readonly waiting: Waiter[] = [];
  private controlTail: Promise<unknown> = Promise.resolve();

  constructor(readonly max: number = DEFAULT_MAX_CHANNELS) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`max channels must be a positive integer, not ${max}`);
  }

  get activeCount(): number {
    return this.active;
  }
  get queuedCount(): number {
    return this.waiting.length;
  }
  /** The most channels that were ever open at once (the pool test reads it). */
  get peakActive(): number {
    return this.peak;
  }

  /** Waits for a free channel slot; call the returned function exactly once to free it. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.max) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i !== -1) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Fails everyone still waiting (the connection went away). */
  rejectWaiting(err: unknown): void {
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Runs control work one at a time, outside the channel cap. */
  control<T>(work: () => Promise<T>): Promise<T> {
    const result = this.controlTail.then(work, work);
    this.controlTail = result.catch(() => undefined);
    return result;
  }

  private take(): () => void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant(this.handOver());
      else this.active--;
    };
  }

  /** Passes a slot straight to the next waiter (active stays the same). */
  private handOver(): () => void {
    this.active--;
    return this.take();
  }
}
