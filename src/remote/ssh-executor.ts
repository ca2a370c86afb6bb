// Executor over SSH: one exec channel per command on a shared connection.
//
// Killing a command that ran past its time limit. Measured on OpenSSH 9.2 (Debian 12):
// - closing the channel does not stop the remote process: sshd keeps the session until it exits;
// - the "signal" channel request (RFC 4254 6.9, OpenSSH >= 7.9) makes sshd killpg() the session,
//   BUT sshd refuses it for root logins ("session signalling requires privilege separation":
//   a root session has no post-auth privsep child), and the tutor logs in as root.
// So every command is sent as `echo <tag>$$ >&2; <command>`: sshd starts the login shell in a
// new session (setsid), so `$$` is the process group of everything the command starts. The
// executor strips that first stderr line and, on timeout or abort, runs
// `kill -KILL -- -<pgid>` over a second channel (and still sends the signal request, which
// suffices for non-root users). Cost: one `echo` builtin per command. Limit: the login shell
// must be sh-like (bash, dash, zsh, ksh); fish and csh do not understand the tag line.
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { ChannelGate } from './channel-gate.js';
import { ConnectError } from './connect-error.js';
import type { SshConnection } from './connect.js';
import type { ExecOptions, ExecResult, Executor } from './executor.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const PGID_TAG = 'kthw-tutor-pgid:';
/** After a kill, how long to wait for sshd to close the channel before giving up on it. */
const CLOSE_GRACE_MS = 5_000;

export interface ExecLease {
  connection: SshConnection;
  gate: ChannelGate;
  /** Frees the channel slot; called exactly once. */
  release(): void;
}

/** Supplies a connection and a channel slot on it (the pool reconnects here if needed). */
export type LeaseProvider = (signal?: AbortSignal) => Promise<ExecLease>;

export class SshExecutor implements Executor {
  constructor(
    readonly label: string,
    private readonly lease: LeaseProvider,
  ) {}

  /** An executor over one already open connection (no reconnecting). */
  static forConnection(connection: SshConnection, gate: ChannelGate = new ChannelGate()): SshExecutor {
    return new SshExecutor(connection.label, async (signal) => {
      const release = await gate.acquire(signal);
      return { connection, gate, release };
    });
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const lease = await this.lease(options.signal);
    try {
      return await runCommand(lease.connection, lease.gate, command, options);
    } finally {
      lease.release();
    }
  }
}

/** The command as sent: reports its process group first (see the top of this file). */
export function wrapCommand(command: string): string {
  return `echo ${PGID_TAG}$$ >&2; ${command}`;
}

/** The process group from the tag line; never 0 or 1 (`kill -- -1` would hit everything). */
export function parsePgidLine(line: string): number | undefined {
  const m = new RegExp(`^${PGID_TAG}(\\d{1,10})$`).exec(line);
  if (!m) return undefined;
  const pgid = Number(m[1]);
  return pgid > 1 ? pgid : undefined;
}

export function killGroupCommand(pgid: number): string {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`refusing to kill process group ${pgid}`);
  return `kill -KILL -- '-${pgid}' 2>/dev/null; true`;
}

/**
 * Takes the tag line out of stderr. The login shell may print before it (a noisy ~/.bashrc),
 * so lines are passed through until the tag shows up; after 64 KiB without one, we stop looking.
 */
export class PgidTagFilter {
  private pending: Buffer | undefined = Buffer.alloc(0);
  private scanned = 0;
  pgid: number | undefined;

  /** Returns the bytes that belong to the command's stderr. */
  push(chunk: Buffer): Buffer {
    if (!this.pending) return chunk;
    let data = Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl === -1) break;
      const line = data.subarray(0, nl).toString('latin1');
      this.scanned += nl + 1;
      if (line.startsWith(PGID_TAG)) {
        this.pgid = parsePgidLine(line);
        this.pending = undefined;
        out.push(data.subarray(nl + 1));
        return Buffer.concat(out);
      }
      out.push(data.subarray(0, nl + 1));
      data = data.subarray(nl + 1);
    }
    if (this.scanned + data.length > 64 * 1024) {
      this.pending = undefined; // not an sh-like shell, or no tag: everything is stderr
      out.push(data);
    } else {
      this.pending = Buffer.from(data);
    }
    return Buffer.concat(out);
  }

  /** Whatever is still held back (the stream ended without a newline). */
  flush(): Buffer {
    const rest = this.pending ?? Buffer.alloc(0);
    this.pending = undefined;
    return rest;
  }
}

/** Keeps the first `max` bytes of a stream, drops (but keeps reading) the rest. */
class Capture {
  private readonly kept: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  private readonly live = new StringDecoder('utf8');
  constructor(
    private readonly max: number,
    private readonly onChunk: ((chunk: string) => void) | undefined,
    private readonly onBytes?: (chunk: Buffer) => void,
  ) {}
  push(chunk: Buffer): void {
    if (this.onBytes) this.onBytes(chunk);
    else if (this.onChunk) {
      const text = this.live.write(chunk);
      if (text) this.onChunk(text);
    }
    const room = this.max - this.bytes;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.kept.push(Buffer.from(part));
    this.bytes += part.length;
  }
  text(): string {
    const decoder = new StringDecoder('utf8');
    const body = decoder.write(Buffer.concat(this.kept));
    // A cut in the middle of a character drops the partial character, not a U+FFFD.
    return this.truncated ? body : body + decoder.end();
  }
}

function runCommand(conn: SshConnection, gate: ChannelGate, command: string, options: ExecOptions): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const started = performance.now();
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new Capture(max, options.onStdout, options.onStdoutBytes);
    const stderr = new Capture(max, options.onStderr, options.onStderrBytes);
    let channel: ClientChannel | undefined;
    const tag = new PgidTagFilter();
    let killing = false;
    let groupKilled = false;
    let timedOut = false;
    let exit: { code: number | null; signal?: string } | undefined;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const signal = options.signal;

    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      cleanup();
      const heldBack = tag.flush();
      if (heldBack.length > 0) stderr.push(heldBack);
      if (signal?.aborted && !timedOut) return reject(signal.reason);
      if (!exit && !killing && !conn.isOpen()) {
        return reject(disconnected(conn));
      }
      resolve({
        code: exit?.code ?? null,
        ...(exit?.signal ? { signal: exit.signal } : killing ? { signal: 'SIGKILL' } : {}),
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
        elapsedMs: Math.round(performance.now() - started),
      });
    };
    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      cleanup();
      reject(err);
    };

    const killGroup = () => {
      if (groupKilled || tag.pgid === undefined) return;
      groupKilled = true;
      const target = tag.pgid;
      void gate.control(() => runControl(conn, killGroupCommand(target))).catch(() => {
        // The connection may be gone, which ends the remote session anyway.
      });
    };
    const kill = () => {
      if (killing || finished) return;
      killing = true;
      if (channel) sendSignal(channel, 'KILL');
      killGroup(); // or as soon as the tag line arrives
      // If sshd never closes the channel (a stuck process it cannot reap), stop waiting.
      graceTimer = setTimeout(() => {
        channel?.close();
        finish();
      }, CLOSE_GRACE_MS);
    };
    const onAbort = () => kill();

    if (signal?.aborted) return reject(signal.reason);
    if (!conn.isOpen()) return reject(disconnected(conn));
    signal?.addEventListener('abort', onAbort, { once: true });

    try {
      conn.client.exec(wrapCommand(command), (err, ch) => {
        if (err) {
          if (!conn.isOpen()) return fail(disconnected(conn));
          return fail(new Error(`${conn.label}: could not start the command: ${err.message}`));
        }
        channel = ch;
        if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
          timer = setTimeout(() => {
            timedOut = true;
            kill();
          }, options.timeoutMs);
        }
        if (killing) sendSignal(ch, 'KILL'); // aborted while the channel was opening

        // Both streams are always read to the end, or the remote side stalls on a full window.
        ch.on('data', (chunk: Buffer) => stdout.push(chunk));
        ch.stderr.on('data', (chunk: Buffer) => {
          const hadPgid = tag.pgid !== undefined;
          const data = tag.push(chunk);
          if (!hadPgid && tag.pgid !== undefined && killing) killGroup();
          if (data.length > 0) stderr.push(data);
        });
        ch.on('exit', (code: number | null, signalName?: string) => {
          exit = { code: code ?? null, ...(signalName ? { signal: signalName } : {}) };
        });
        ch.on('error', () => {
          // Writing stdin to a command that already exited: its result still comes.
        });
        ch.on('close', () => {
          // ssh2 ends stdout before 'close'; stderr's last chunks may still be on their way.
          if (ch.stderr.readableEnded) finish();
          else {
            ch.stderr.once('end', finish);
            setTimeout(finish, 1_000).unref();
          }
        });
        ch.end(options.stdin ?? undefined);
      });
    } catch (err) {
      fail(conn.isOpen() ? err : disconnected(conn));
    }
  });
}

function disconnected(conn: SshConnection): ConnectError {
  return new ConnectError({
    host: conn.target.hostName,
    port: conn.target.port,
    jump: false,
    kind: 'disconnected',
    message: conn.closeReason() ?? 'the connection was closed',
  });
}

/**
 * Sends the "signal" channel request. ssh2's channel.signal() refuses once stdin is closed
 * (we always close it), but the request is valid on an open channel after EOF (RFC 4254).
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const internal = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, signal: string): void } };
  };
  const out = internal.outgoing;
  if (!out || (out.state !== 'open' && out.state !== 'eof')) return;
  try {
    internal._client?._protocol?.signal(out.id, name);
  } catch {
    // The connection is going away; the kill over a second channel or the close does the rest.
  }
}

/** Runs a short command on its own channel and waits for it (used for the kill). */
function runControl(conn: SshConnection, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!conn.isOpen()) return reject(disconnected(conn));
    try {
      conn.client.exec(command, (err, ch) => {
        if (err) return reject(err);
        ch.resume();
        ch.stderr.resume();
        ch.on('close', () => resolve());
        ch.end();
      });
    } catch (err) {
      reject(err);
    }
  });
}
