// SFTP side of an upload: a session wrapper that never leaves a callback hanging, and the
// pipelined writer (N WRITE requests in flight, hashing what it reads as it goes).
//
// Why the wrapper: ssh2 drops a request silently when the channel is no longer open (it neither
// sends it nor calls back), and only fails requests that were pending when the channel closed.
// So every call here first checks the channel and is also failed when it closes.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
import { readExactly } from './upload-local.js';

/** The channel carrying the upload closed under us (the connection dropped, or the server side died). */
export class ChannelGoneError extends Error {
  override readonly name = 'ChannelGoneError';
}

/** SFTP status code "no such file". */
const NO_SUCH_FILE = 2;

/** Opens the sftp subsystem; rejects (does not throw) when the server has none. */
export function openSftp(client: SshClient): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    try {
      client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
    } catch (err) {
      reject(err);
    }
  });
}

export class SftpSession {
  private gone = false;
  private readonly onGone = new Set<() => void>();

  constructor(readonly sftp: SFTPWrapper) {
    const close = () => {
      if (this.gone) return;
      this.gone = true;
      for (const f of [...this.onGone]) f();
    };
    sftp.on('close', close);
    sftp.on('end', close);
    // An 'error' without a listener would be thrown; the pending requests carry the failure.
    sftp.on('error', () => undefined);
  }

  get open(): boolean {
    const state = (this.sftp as unknown as { outgoing?: { state?: string } }).outgoing?.state;
    return !this.gone && (state === undefined || state === 'open');
  }

  /** Largest WRITE payload the server takes in one request (limits@openssh.com, or ssh2's guess). */
  get maxWriteLen(): number {
    const v = (this.sftp as unknown as { _maxWriteLen?: unknown })._maxWriteLen;
    return typeof v === 'number' && v > 0 ? v : 32 * 1024;
  }

  /** Calls `f` when the channel closes (at once if it has); returns the unsubscribe. */
  whenGone(f: () => void): () => void {
    if (this.gone) {
      f();
      return () => undefined;
    }
    this.onGone.add(f);
    return () => this.onGone.delete(f);
  }

  call<T>(what: string, start: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.open) return reject(new ChannelGoneError(`the SFTP session closed before ${what}`));
      const off = this.whenGone(() => reject(new ChannelGoneError(`the SFTP session closed during ${what}`)));
      try {
        start((err, value) => {
          off();
          // The server's status text, with what we were doing (the caller sanitizes it).
          if (err) reject(Object.assign(new Error(`${what}: ${err.message}`), { code: (err as { code?: unknown }).code }));
          else resolve(value as T);
        });
      } catch (err) {
        off();
        reject(err);
      }
    });
  }

  /** Removes `path`; a file that is not there is fine. */
  async unlinkIfThere(path: string): Promise<void> {
    try {
      await this.call<void>(`removing ${path}`, (cb) => this.sftp.unlink(path, cb));
    } catch (err) {
      if ((err as { code?: unknown }).code !== NO_SUCH_FILE) throw err;
    }
  }

  end(): void {
    try {
      this.sftp.end();
    } catch {
      // already closed
    }
  }
}

export interface PumpOptions {
  file: FileHandle;
  size: number;
  chunkSize: number;
  concurrency: number;
  /** Bytes the server acknowledged (called with the increment). */
  onBytes: (n: number) => void;
  stop: AbortSignal;
  /** Called before a burst of writes (and on each acknowledgement, which may release one). */
  batch?: () => void;
}

/**
 * Read-ahead unit: one local read feeds several WRITE requests. Two buffers are reused in turn:
 * a fresh 1 MiB buffer per read costs page faults (measured: ~0.5 CPU-s per 295 MB here).
 */
const READ_BLOCK = 1024 * 1024;

/**
 * Writes the local file into an open remote handle with up to `concurrency` WRITE requests in
 * flight, reading ahead one block. Returns the sha256 of the bytes sent (hashed here, as read:
 * measured faster than a worker thread reading the file again, see bench/upload.ts). Fails fast
 * on the first error, on `stop`, or when the channel closes.
 */
export async function pumpSftp(session: SftpSession, handle: Buffer, o: PumpOptions): Promise<string> {
  const chunk = Math.max(1, Math.min(o.chunkSize, session.maxWriteLen));
  const block = Math.max(chunk, Math.ceil(READ_BLOCK / chunk) * chunk);
  const hash = createHash('sha256');
  let inflight = 0;
  let failed: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const settleWait = () => new Promise<void>((resolve) => (wake = resolve));
  const stopped = () => {
    if (failed) throw failed;
    if (o.stop.aborted) throw o.stop.reason;
    if (!session.open) throw new ChannelGoneError('the SFTP session closed while sending');
  };
  o.stop.addEventListener('abort', notify);
  const offGone = session.whenGone(notify);
  let next: Promise<Buffer> | undefined;
  // ssh2 copies the bytes into its packet within write(), so a buffer is free again once every
  // piece of it has been handed to write(): two suffice (one being sent, one being read).
  const buffers = [Buffer.allocUnsafe(Math.min(block, o.size)), Buffer.allocUnsafe(Math.min(block, Math.max(0, o.size - block)))];
  let turn = 0;
  try {
    let pos = 0;
    next = o.size > 0 ? readExactly(o.file, 0, Math.min(block, o.size), buffers[0]) : undefined;
    while (next) {
      const buf = await next;
      hash.update(buf);
      const after = pos + buf.length;
      turn ^= 1;
      next = after < o.size ? readExactly(o.file, after, Math.min(block, o.size - after), buffers[turn]) : undefined;
      // Handled when awaited; this only keeps an early exit from leaving it unhandled.
      next?.catch(() => undefined);
      for (let off = 0; off < buf.length; off += chunk) {
        for (stopped(); inflight >= o.concurrency; stopped()) await settleWait();
        const len = Math.min(chunk, buf.length - off);
        o.batch?.();
        inflight++;
        session.sftp.write(handle, buf, off, len, pos + off, (err) => {
          inflight--;
          o.batch?.();
          if (err) failed ??= err;
          else o.onBytes(len);
          notify();
        });
      }
      pos = after;
    }
    for (stopped(); inflight > 0; stopped()) await settleWait();
    return hash.digest('hex');
  } finally {
    o.stop.removeEventListener('abort', notify);
    offGone();
  }
}

/**
 * ssh2 writes every SSH packet to the socket as three separate writes (length, body, MAC), each
 * a syscall when the socket is idle. Corking the socket for the rest of the event-loop turn
 * turns a burst of packets into one writev. Call it before producing a burst.
 */
export class WriteBatcher {
  private corked = false;
  private readonly sock: { cork(): void; uncork(): void } | undefined;
  constructor(client: SshClient) {
    const s = (client as unknown as { _sock?: { cork?: unknown; uncork?: unknown } })._sock;
    this.sock = s && typeof s.cork === 'function' && typeof s.uncork === 'function' ? (s as { cork(): void; uncork(): void }) : undefined;
  }
  batch(): void {
    if (this.corked || !this.sock) return;
    this.corked = true;
    this.sock.cork();
    setImmediate(() => {
      this.corked = false;
      this.sock!.uncork();
    });
  }
}
