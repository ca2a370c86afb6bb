// One SSH connection per server, shared by every exec (design principle: "one connection per
// server, reused"). A connection costs a TCP + key exchange + auth round trip; an exec on an open
// one costs a channel open. Channels per connection are capped (ChannelGate) and queued FIFO.
// A dropped connection is reopened when the next exec needs it. Handshakes in flight are capped
// across the whole pool (maxHandshakes): sshd's MaxStartups (10:30:100) starts dropping
// unauthenticated connections past 10, and many targets may be one sshd (a shared jump host,
// one machine with many addresses) without the pool being able to tell.
import { ChannelGate, DEFAULT_MAX_CHANNELS } from './channel-gate.js';
import { ConnectError } from './connect-error.js';
import { connectSsh, type ConnectOptions, type SshConnection } from './connect.js';
import type { Executor } from './executor.js';
import { SshExecutor, type ExecLease } from './ssh-executor.js';
import { targetKey, type ResolvedTarget } from './ssh-config.js';

export type ConnectionEvent =
  | { key: string; state: 'connecting' }
  | { key: string; state: 'connected' }
  | { key: string; state: 'failed'; error: ConnectError | Error }
  /** `reason` is set when the server or the network ended it (not our close()). */
  | { key: string; state: 'closed'; reason?: string };

export interface PoolOptions extends ConnectOptions {
  /** Channels open at once per connection (sshd's MaxSessions defaults to 10). */
  maxChannels?: number;
  /** Connections being opened (not yet authenticated) at once, over all targets. */
  maxHandshakes?: number;
}

/** Under MaxStartups' first number, so a class fanned out at once is never dropped by it. */
export const DEFAULT_MAX_HANDSHAKES = 10;

interface Entry {
  target: ResolvedTarget;
  gate: ChannelGate;
  connection?: SshConnection;
  connecting?: Promise<SshConnection>;
  /** Successful connects so far (1 while it never dropped). */
  connects: number;
}

export interface PoolStats {
  connects: number;
  open: boolean;
  activeChannels: number;
  queued: number;
  peakChannels: number;
}

export class ConnectionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(event: ConnectionEvent) => void>();
  private readonly handshakes: ChannelGate;

  constructor(private readonly options: PoolOptions = {}) {
    this.handshakes = new ChannelGate(options.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES);
  }

  /** The most handshakes that were in flight at once (the fan-out test reads it). */
  get handshakePeak(): number {
    return this.handshakes.peakActive;
  }

  /** Connection state changes, for the status line. Returns the unsubscribe function. */
  subscribe(listener: (event: ConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The open connection for `target`, connecting (once, however many callers wait) if needed.
   * `options` override the pool's for this attempt (e.g. the prompt of the screen asking).
   */
  async connect(target: ResolvedTarget, options: ConnectOptions = {}): Promise<SshConnection> {
    const entry = this.entry(target);
    if (entry.connection?.isOpen()) return entry.connection;
    if (entry.connecting) return entry.connecting;
    const key = targetKey(target);
    this.emit({ key, state: 'connecting' });
    const attempt = this.handshake(() => connectSsh(entry.target, { ...this.options, ...options })).then(
      (connection) => {
        entry.connecting = undefined;
        if (this.entries.get(key) !== entry) {
          connection.close(); // closed while we were connecting
          throw new Error(`${key}: the connection was closed while opening`);
        }
        entry.connection = connection;
        entry.connects++;
        this.emit({ key, state: 'connected' });
        void connection.closed.then(() => {
          if (entry.connection !== connection) return;
          entry.connection = undefined;
          const reason = connection.closeReason();
          this.emit(reason ? { key, state: 'closed', reason } : { key, state: 'closed' });
        });
        return connection;
      },
      (error: Error) => {
        entry.connecting = undefined;
        this.emit({ key, state: 'failed', error });
        throw error;
      },
    );
    entry.connecting = attempt;
    return attempt;
  }

  /** Runs one connection attempt when a handshake slot is free; the slot is freed when it settles. */
  private async handshake<T>(open: () => Promise<T>): Promise<T> {
    const release = await this.handshakes.acquire();
    try {
      return await open();
    } finally {
      release();
    }
  }

  /** An Executor for `target`; each exec waits for a channel slot, then (re)connects if needed. */
  executor(target: ResolvedTarget): Executor {
    return new SshExecutor(targetKey(target), (signal) => this.lease(target, signal));
  }

  /**
   * A channel slot on `target`'s connection, (re)connecting if needed, for work that opens its
   * own channels (an SFTP session); `release` frees the slot.
   */
  async lease(target: ResolvedTarget, signal?: AbortSignal): Promise<ExecLease> {
    const entry = this.entry(target);
    const release = await entry.gate.acquire(signal);
    try {
      const connection = await this.connect(target);
      return { connection, gate: entry.gate, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  stats(target: ResolvedTarget | string): PoolStats | undefined {
    const entry = this.entries.get(typeof target === 'string' ? target : targetKey(target));
    if (!entry) return undefined;
    return {
      connects: entry.connects,
      open: entry.connection?.isOpen() ?? false,
      activeChannels: entry.gate.activeCount,
      queued: entry.gate.queuedCount,
      peakChannels: entry.gate.peakActive,
    };
  }

  async close(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.gate.rejectWaiting(new Error(`${key}: the connection was closed`));
    const connection = entry.connection ?? (await entry.connecting?.catch(() => undefined));
    entry.connection = undefined; // so the drop watcher stays quiet: this close is ours
    if (connection) {
      connection.close();
      await connection.closed;
      this.emit({ key, state: 'closed' });
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((key) => this.close(key)));
  }

  private entry(target: ResolvedTarget): Entry {
    const key = targetKey(target);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { target, gate: new ChannelGate(this.options.maxChannels ?? DEFAULT_MAX_CHANNELS), connects: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private emit(event: ConnectionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
