// The tutor's own `scp FILES root@server:~/`, verified: every file goes to a temp name next to
// its final one (`.<name>.kthw-part`), is checked on the server (size + sha256 against what was
// read locally), gets the local file's permission bits, and only then is renamed over the final
// name, atomically. So the final name holds either the old file or the complete new one, never a
// part, also when the connection drops or the learner cancels; a running binary is replaced, not
// truncated in place (ETXTBSY). A file already there with the same size and sha256 is not sent.
//
// Transport: SFTP when the server has the subsystem (WRITE requests pipelined), else `cat > temp`
// over exec. What needs a shell (sha256sum, stat) goes as one `/bin/sh -s` script per step.
// The server-side check of file k runs while file k+1 is being sent.
//
// Channels: one for the data (SFTP, or `cat` in the fallback) and one exec at a time for the
// scripts (plus, briefly, one to kill a cancelled script): 3 at most, so an upload holding one
// slot of the pool's 8 stays within sshd's MaxSessions (10).
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { sanitizeTerminal } from '../text/sanitize.js';
import { ChannelGate } from './channel-gate.js';
import { ConnectError } from './connect-error.js';
import type { SshConnection } from './connect.js';
import { SshExecutor } from './ssh-executor.js';
import { pumpExec } from './upload-exec.js';
import { ProgressTracker, type UploadProgress } from './upload-progress.js';
import {
  RemoteScriptError,
  chmodScript,
  octal,
  parseProbe,
  parseSumLine,
  parseVerify,
  probeScript,
  removeScript,
  runScript,
  sumsScript,
  verifyScript,
  type Probe,
  type RemoteState,
  type VerifyPlan,
} from './upload-remote.js';
import { LocalFileError, hashFile } from './upload-local.js';
import { ChannelGoneError, SftpSession, WriteBatcher, openSftp, pumpSftp } from './upload-sftp.js';

export { formatUploadProgress, formatEta, formatRate } from './upload-progress.js';
export type { UploadPhase, UploadProgress } from './upload-progress.js';

export interface UploadFile {
  /** Absolute path on this machine. */
  local: string;
  /** Absolute final path on the server. */
  remote: string;
}

export interface UploadedFile {
  remote: string;
  size: number;
  sha256: string;
  mode: number;
  outcome: 'sent' | 'skipped';
  via: 'sftp' | 'exec';
}

export interface UploadResult {
  files: UploadedFile[];
  bytesSent: number;
  elapsedMs: number;
}

export type UploadErrorReason = 'cancelled' | 'connection' | 'local' | 'remote' | 'verify';

export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    readonly reason: UploadErrorReason,
    /** The remote (final) path of the file it happened to. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    // Paths and server text end up on the learner's screen: no control sequences, ever.
    super(sanitizeTerminal(message), options);
  }
}

export interface UploadOptions {
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
  /** Bytes per SFTP WRITE request (capped by the server's limit). */
  chunkSize?: number;
  /** SFTP WRITE requests in flight at once. */
  concurrency?: number;
  /** Use the exec fallback even when SFTP is there (tests, bench). */
  preferExec?: boolean;
  /** Check file k on the server while sending file k+1 (default true; off only to measure it). */
  overlapVerify?: boolean;
  /** Cork the socket per event-loop turn while sending (default true; off only to measure it). */
  batchWrites?: boolean;
}

/**
 * Chosen with `npm run bench:upload` (295 MB, 4 files, local sshd, 2 CPUs; medians, verified):
 * 255 KiB per WRITE (OpenSSH sftp-server's limit; each request costs ssh2 CPU, so fewer is
 * better: 32 KiB x 64 took 2.34 s, 64 KiB x 32 2.08 s, 128 KiB x 16 2.02 s) and 4 in flight
 * (x2 1.97 s, x4 1.85 s, x8 1.94 s, x16 2.04 s; on a fresh connection x4 2.10 s, x8 2.61 s).
 */
export const DEFAULT_CHUNK_SIZE = 255 * 1024;
export const DEFAULT_CONCURRENCY = 4;

/** How long cleaning up after a failure may take before we give up on it. */
const CLEANUP_MS = 5_000;
/** After a transport error: how long to wait for the connection's close to show (it follows). */
const CLOSE_SETTLE_MS = 300;
/** Bits carried over: permissions only (no setuid/setgid/sticky from the jumpbox). */
const MODE_BITS = 0o777;

/** The temp name next to the final one; deterministic, so a retry replaces a leftover. */
export function tempPathFor(remote: string): string {
  return path.posix.join(path.posix.dirname(remote), `.${path.posix.basename(remote)}.kthw-part`);
}

interface Item {
  local: string;
  remote: string;
  name: string;
  dir: string;
  temp: string;
}

interface LocalInfo {
  size: number;
  mode: number;
  mtimeMs: number;
}

export async function uploadFiles(connection: SshConnection, files: readonly UploadFile[], options: UploadOptions = {}): Promise<UploadResult> {
  const started = performance.now();
  const items = validate(files);
  if (items.length === 0) return { files: [], bytesSent: 0, elapsedMs: 0 };
  const user = options.signal;
  if (user?.aborted) {
    throw new UploadError('cancelled', items[0]!.remote, `Upload to ${connection.label} cancelled before it started; nothing was changed on the server.`);
  }
  const inner = new AbortController();
  const onUserAbort = () => inner.abort(user!.reason);
  user?.addEventListener('abort', onUserAbort, { once: true });
  const run = new UploadRun(connection, items, options, inner, started);
  try {
    return await run.run();
  } catch (err) {
    throw await run.fail(err);
  } finally {
    user?.removeEventListener('abort', onUserAbort);
    run.close();
  }
}

function validate(files: readonly UploadFile[]): Item[] {
  const seen = new Set<string>();
  return files.map((f) => {
    if (!path.isAbsolute(f.local)) {
      throw new UploadError('local', f.remote, `The local path ${f.local} is not absolute; give the full path of the file to upload.`);
    }
    const remote = path.posix.normalize(f.remote);
    const name = path.posix.basename(remote);
    if (!remote.startsWith('/') || f.remote.endsWith('/') || name === '' || name === '.' || name === '..' || remote.includes('\0')) {
      throw new UploadError(
        'remote',
        f.remote,
        `The server path ${JSON.stringify(f.remote)} must be an absolute path ending in a file name (like /root/kube-apiserver).`,
      );
    }
    if (seen.has(remote)) throw new UploadError('remote', remote, `${remote} is listed twice in one upload; give each server path once.`);
    seen.add(remote);
    return { local: f.local, remote, name, dir: path.posix.dirname(remote), temp: tempPathFor(remote) };
  });
}

/** Remote text for a message: no control sequences, one short line. */
function said(text: string): string {
  const flat = sanitizeTerminal(text).replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() => clearTimeout(timer));
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Awaited through guard() when needed; never left unhandled when not.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

async function statLocal(item: Item): Promise<LocalInfo> {
  try {
    const s = await stat(item.local);
    if (!s.isFile()) throw new LocalFileError('it is not a regular file');
    return { size: s.size, mode: s.mode & MODE_BITS, mtimeMs: s.mtimeMs };
  } catch (err) {
    throw localError(item, err);
  }
}

function localError(item: Item, err: unknown): UploadError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'it does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : err instanceof LocalFileError
          ? err.message
          : (err as Error).message ?? String(err);
  return new UploadError(
    'local',
    item.remote,
    `Cannot upload ${item.local}: ${why}. Check the local file (it should be there from an earlier step), then upload again.`,
    { cause: err },
  );
}

class UploadRun {
  private readonly exec: SshExecutor;
  private readonly stop: AbortSignal;
  private session: SftpSession | undefined;
  private via: 'sftp' | 'exec' = 'sftp';
  private posixRename = false;
  private tracker!: ProgressTracker;
  private locals: LocalInfo[] = [];
  private readonly results: UploadedFile[] = [];
  /** Files whose temp may exist on the server (removed on failure). */
  private readonly pendingTemps = new Set<number>();
  private current = 0;
  /** A failure in background work (a check overlapping the next send, the sums). */
  private fatal: { error: unknown; index: number } | undefined;
  private verifying: Promise<void> | undefined;
  private sending: Promise<string> | undefined;
  private readonly lost: Promise<never>;
  private readonly batcher: WriteBatcher;

  constructor(
    private readonly connection: SshConnection,
    private readonly items: Item[],
    private readonly options: UploadOptions,
    private readonly inner: AbortController,
    private readonly started: number,
  ) {
    this.exec = SshExecutor.forConnection(connection, new ChannelGate(1));
    this.stop = inner.signal;
    this.batcher = new WriteBatcher(connection.client);
    this.lost = connection.closed.then(() => Promise.reject(new ChannelGoneError('the connection closed')));
    this.lost.catch(() => undefined);
  }

  /** Waits for `p`, but no longer than until a stop or the connection closing. */
  private guard<T>(p: Promise<T>): Promise<T> {
    p.catch(() => undefined); // its failure may come after we stopped waiting
    if (this.stop.aborted) return Promise.reject(this.stop.reason);
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.stop.reason);
      this.stop.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([p, aborted, this.lost]).finally(() => this.stop.removeEventListener('abort', onAbort));
  }

  /** Stops background work because of `error` (the first one wins). */
  private abortWith(index: number, error: unknown): void {
    if (this.stop.aborted) return;
    this.fatal ??= { error, index };
    this.inner.abort(error);
  }

  async run(): Promise<UploadResult> {
    this.locals = await Promise.all(this.items.map(statLocal));
    this.tracker = new ProgressTracker(
      this.items.map((i) => i.name),
      this.locals.map((l) => l.size),
      this.options.onProgress,
    );
    const [, { states, leftovers }] = await Promise.all([this.guard(this.openTransport()), this.guard(this.probe())]);
    states.forEach((s, i) => this.refuseEarly(i, s));

    const candidates = states.flatMap((s, i) => (s.kind === 'file' && s.size === this.locals[i]!.size ? [i] : []));
    const sums = this.startSums(candidates);

    for (let i = 0; i < this.items.length; i++) {
      this.current = i;
      const item = this.items[i]!;
      const local = this.locals[i]!;
      let knownHash: string | undefined;
      const remoteSum = sums.get(i);
      if (remoteSum) {
        this.tracker.phase(i, 'hashing');
        const hashing = hashFile(item.local, local.size, this.stop).catch((err: unknown) => Promise.reject(this.stop.aborted ? err : localError(item, err)));
        const mine = await this.guard(hashing);
        knownHash = mine;
        this.tracker.phase(i, 'checking');
        const there = await this.guard(remoteSum);
        if (there === mine) {
          const state = states[i] as Extract<RemoteState, { kind: 'file' }>;
          if ((state.mode & 0o7777) !== local.mode) await this.guard(this.setMode(item.remote, local.mode));
          // A part left by a cut attempt is no use any more (and may be large).
          if (leftovers[i]) await this.guard(this.removeLeftover(item.temp));
          this.tracker.skipped(i);
          this.results[i] = { remote: item.remote, size: local.size, sha256: mine, mode: local.mode, outcome: 'skipped', via: this.via };
          continue;
        }
      }
      this.pendingTemps.add(i);
      this.tracker.phase(i, 'sending');
      this.sending = this.send(i, knownHash);
      const sha256 = await this.guard(this.sending);
      this.sending = undefined;
      // At most one check in flight: it overlaps the next file's sending.
      await this.waitVerify();
      this.tracker.phase(i, 'verifying');
      const check = this.verify(i, sha256).then(
        () => undefined,
        (err) => this.abortWith(i, err),
      );
      this.verifying = check;
      if (this.options.overlapVerify === false) await this.waitVerify();
    }
    await this.waitVerify();
    return { files: this.results, bytesSent: this.tracker.bytesSent, elapsedMs: Math.round(performance.now() - this.started) };
  }

  private async waitVerify(): Promise<void> {
    const v = this.verifying;
    if (v) await this.guard(v);
    this.verifying = undefined;
    if (this.fatal) throw this.fatal.error;
  }

  private async openTransport(): Promise<void> {
    if (!this.options.preferExec) {
      try {
        const sftp = await openSftp(this.connection.client);
        this.session = new SftpSession(sftp);
        const ext = (sftp as unknown as { _extensions?: Record<string, string> })._extensions;
        this.posixRename = ext?.['posix-rename@openssh.com'] === '1';
        this.via = 'sftp';
        return;
      } catch (err) {
        if (!this.connection.isOpen()) throw err;
        // No sftp subsystem (or it would not start): the exec fallback does the same job.
      }
    }
    this.via = 'exec';
  }

  private async probe(): Promise<Probe> {
    const out = await runScript(this.exec, probeScript(this.items.map((i) => ({ path: i.remote, dir: i.dir, temp: i.temp }))), 'checking the target paths', {
      signal: this.stop,
    });
    return parseProbe(out, this.items.length);
  }

  private refuseEarly(i: number, state: RemoteState): void {
    const item = this.items[i]!;
    if (state.kind === 'dir') {
      const example = path.posix.join(item.remote, path.basename(item.local));
      throw new UploadError('remote', item.remote, `${item.remote} is a directory on ${this.connection.label}; upload to a file name inside it (like ${example}).`);
    }
    if (state.kind === 'nodir') {
      throw new UploadError(
        'remote',
        item.remote,
        `The directory ${item.dir} does not exist on ${this.connection.label}; create it (mkdir -p ${item.dir}) or upload somewhere else.`,
      );
    }
  }

  /** One script computes the sha256 of every same-size remote file, reporting each as it goes. */
  private startSums(indices: number[]): Map<number, Promise<string | undefined>> {
    const waiting = new Map(indices.map((i) => [i, deferred<string | undefined>()]));
    if (indices.length === 0) return new Map();
    let partial = '';
    runScript(this.exec, sumsScript(indices.map((i) => ({ index: i, path: this.items[i]!.remote }))), 'sha256sum of the files already there', {
      signal: this.stop,
      onStdout: (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          const r = parseSumLine(line);
          // An unreadable remote file has no sum: it is sent (and replaced).
          if (r) waiting.get(r.index)?.resolve(r.sha256);
        }
      },
    }).then(
      () => {
        for (const d of waiting.values()) d.resolve(undefined);
      },
      (err) => {
        for (const d of waiting.values()) d.reject(err);
      },
    );
    return new Map([...waiting].map(([i, d]) => [i, d.promise]));
  }

  private async removeLeftover(temp: string): Promise<void> {
    const s = this.session;
    if (s) await s.unlinkIfThere(temp);
    else await runScript(this.exec, removeScript([temp]), `removing ${temp}`, { signal: this.stop });
  }

  private async setMode(remote: string, mode: number): Promise<void> {
    const s = this.session;
    if (s) await s.call<void>(`setting the mode of ${remote}`, (cb) => s.sftp.chmod(remote, mode, cb));
    else await runScript(this.exec, chmodScript(remote, mode), `chmod ${octal(mode)} ${remote}`, { signal: this.stop });
  }

  /** Sends file `i` to its temp; returns the sha256 of what was read and sent. */
  private async send(i: number, knownHash: string | undefined): Promise<string> {
    const item = this.items[i]!;
    const local = this.locals[i]!;
    let file: FileHandle;
    try {
      file = await open(item.local, 'r');
    } catch (err) {
      throw localError(item, err);
    }
    try {
      const pump = {
        file,
        size: local.size,
        chunkSize: this.options.chunkSize ?? DEFAULT_CHUNK_SIZE,
        concurrency: Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY),
        onBytes: (n: number) => this.tracker.sent(i, n),
        stop: this.stop,
        ...(this.options.batchWrites === false ? {} : { batch: () => this.batcher.batch() }),
      };
      const sha256 = this.session ? await this.sendSftp(this.session, item, local, pump) : await pumpExec(this.connection.client, item.temp, pump);
      // What was sent is what was hashed; the file must still be what it was at the start.
      const now = await file.stat();
      if (now.size !== local.size || now.mtimeMs !== local.mtimeMs || (knownHash !== undefined && knownHash !== sha256)) {
        throw new LocalFileError('it changed while it was being uploaded');
      }
      return sha256;
    } catch (err) {
      throw err instanceof LocalFileError ? localError(item, err) : err;
    } finally {
      await file.close().catch(() => undefined);
    }
  }

  private async sendSftp(s: SftpSession, item: Item, local: LocalInfo, pump: Parameters<typeof pumpSftp>[2]): Promise<string> {
    // A leftover of a cut attempt goes first; 'wx' then refuses anything that appears meanwhile.
    await s.unlinkIfThere(item.temp);
    const handle = await s.call<Buffer>(`creating ${item.temp}`, (cb) => s.sftp.open(item.temp, 'wx', { mode: 0o600 }, cb));
    let ok = false;
    try {
      const sha256 = await pumpSftp(s, handle, pump);
      // The mode goes on now (the name is still private); the rename then publishes it as is.
      await s.call<void>(`setting the mode of ${item.temp}`, (cb) => s.sftp.fchmod(handle, local.mode, cb));
      ok = true;
      await s.call<void>(`closing ${item.temp}`, (cb) => s.sftp.close(handle, cb));
      return sha256;
    } finally {
      if (!ok && s.open) s.sftp.close(handle, () => undefined);
    }
  }

  private async verify(i: number, sha256: string): Promise<void> {
    const item = this.items[i]!;
    const local = this.locals[i]!;
    const viaShell = !this.session || !this.posixRename;
    const plan: VerifyPlan = { temp: item.temp, size: local.size, sha256, ...(viaShell ? { place: { final: item.remote, mode: local.mode } } : {}) };
    const out = await runScript(this.exec, verifyScript(plan), `checking ${item.temp}`, { signal: this.stop });
    const outcome = parseVerify(out, plan);
    if (outcome?.kind === 'mismatch') {
      this.pendingTemps.delete(i); // the script removed it
      const found = outcome.size === undefined ? 'nothing readable' : `${outcome.size} bytes, sha256 ${outcome.sha256?.slice(0, 16) ?? '?'}…`;
      throw new UploadError(
        'verify',
        item.remote,
        `The copy of ${item.local} on ${this.connection.label} did not match after sending ` +
          `(expected ${local.size} bytes, sha256 ${sha256.slice(0, 16)}…; found ${found}). ` +
          `${item.remote} was not changed and the partial copy was removed. ` +
          `Upload again; if it happens again, check the disk on the server (df -h ${item.dir}).`,
      );
    }
    if (outcome?.kind === 'missing') {
      this.pendingTemps.delete(i);
      throw new UploadError(
        'remote',
        item.remote,
        `${item.temp} disappeared on ${this.connection.label} before it could be checked (was it removed by something else?). ` +
          `${item.remote} was not changed; upload again.`,
      );
    }
    if (!outcome) throw new RemoteScriptError(`checking ${item.temp} gave an answer we cannot read: ${said(out)}`, '');
    if (outcome.kind === 'ok') {
      const s = this.session!;
      await s.call<void>(`renaming ${item.temp}`, (cb) => s.sftp.ext_openssh_rename(item.temp, item.remote, cb));
    }
    this.pendingTemps.delete(i);
    this.results[i] = { remote: item.remote, size: local.size, sha256, mode: local.mode, outcome: 'sent', via: this.via };
    this.tracker.finished(i);
  }

  /** Turns whatever stopped the run into an UploadError, after cleaning up what it can. */
  async fail(err: unknown): Promise<UploadError> {
    const cause = this.fatal?.error ?? err;
    const index = this.fatal?.index ?? this.current;
    const item = this.items[index]!;
    const userCancelled = this.options.signal?.aborted === true && !this.fatal;
    this.inner.abort(cause);
    // Let the work in flight notice the stop before we clean up after it.
    await withTimeout(Promise.allSettled([this.verifying, this.sending]), CLEANUP_MS);
    // A transport error comes a moment before the connection's close: wait for it, to say which.
    const serverSaid = typeof (cause as { code?: unknown } | undefined)?.code === 'number'; // an SFTP status reply
    const known = serverSaid || cause instanceof UploadError || cause instanceof LocalFileError || cause instanceof RemoteScriptError;
    if (!userCancelled && !known && this.connection.isOpen()) await withTimeout(this.connection.closed, CLOSE_SETTLE_MS);
    const up = this.connection.isOpen();
    const cleaned = up ? await this.removeTemps() : false;
    const leftover = this.pendingTemps.size > 0 && !cleaned;
    const temps = [...this.pendingTemps].map((i) => this.items[i]!.temp).join(', ');
    const tempNote = leftover ? ` A partial copy may remain as ${temps}; the next upload replaces it.` : '';

    if (cause instanceof UploadError) {
      return tempNote && cause.reason !== 'verify' ? new UploadError(cause.reason, cause.file, cause.message + tempNote, { cause: cause.cause }) : cause;
    }
    if (userCancelled) {
      const removed = leftover ? tempNote : ' Nothing partial was left on the server.';
      const text = `Upload of ${item.name} to ${this.connection.label} cancelled; ${item.remote} was not changed.${removed}`;
      return new UploadError('cancelled', item.remote, text, { cause });
    }
    if (!up || (cause instanceof ConnectError && cause.failure.kind === 'disconnected')) {
      const why = this.connection.closeReason();
      return new UploadError(
        'connection',
        item.remote,
        `The connection to ${this.connection.label} was lost while uploading ${item.name}${why ? ` (${said(why)})` : ''}. ` +
          `${item.remote} was not changed (only a temp file ${item.temp} may be left). Reconnect and upload again: that file starts over.`,
        { cause },
      );
    }
    if (cause instanceof LocalFileError) return localError(item, cause);
    const detail =
      cause instanceof RemoteScriptError
        ? `${cause.message}${cause.stderr.trim() ? `: ${said(cause.stderr)}` : ''}`
        : said((cause as Error)?.message ?? String(cause));
    return new UploadError(
      'remote',
      item.remote,
      `Could not upload ${item.local} to ${item.remote} on ${this.connection.label}: ${detail}. ` +
        `${item.remote} was not changed. Check that ${item.dir} is writable and the disk has room (df -h ${item.dir}), then upload again.${tempNote}`,
      { cause },
    );
  }

  /** Best effort, bounded: removes the temps of files not placed. True when none is left. */
  private async removeTemps(): Promise<boolean> {
    if (this.pendingTemps.size === 0) return true;
    const temps = [...this.pendingTemps].map((i) => this.items[i]!.temp);
    const work = async () => {
      const s = this.session;
      if (s?.open) for (const t of temps) await s.unlinkIfThere(t);
      else await runScript(this.exec, removeScript(temps), 'removing the partial copies');
      this.pendingTemps.clear();
      return true;
    };
    return (await withTimeout(work().catch(() => false), CLEANUP_MS)) ?? false;
  }

  close(): void {
    this.session?.end();
  }
}
