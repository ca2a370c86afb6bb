// The fallback when the server offers no SFTP subsystem: `cat > temp` on an exec channel with
// the file streamed on stdin, waiting for the channel's window (backpressure) before each block.
import { createHash } from 'node:crypto';
import type { ClientChannel, Client as SshClient } from 'ssh2';
import { shq } from '../text/shell-quote.js';
import { readExactly } from './upload-local.js';
import { ChannelGoneError, type PumpOptions } from './upload-sftp.js';
import { RemoteScriptError } from './upload-remote.js';

// The channel keeps each buffer until it is sent, so every read gets a new one: small enough that
// allocating it is cheap (a 1 MiB one costs page faults every time).
const READ_BLOCK = 256 * 1024;
const STDERR_CAP = 8 * 1024;

/**
 * The remote command: a fresh temp (a leftover of a cut attempt is removed first, and noclobber
 * refuses anything that appears in between), private until verified (umask 077).
 */
export function catCommand(temp: string): string {
  return `rm -f -- ${shq(temp)} && umask 077 && set -C && exec cat > ${shq(temp)}`;
}

function openExec(client: SshClient, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch)));
    } catch (err) {
      reject(err);
    }
  });
}

/** Streams the file into `temp` on the server; returns the sha256 of what was sent. */
export async function pumpExec(client: SshClient, temp: string, o: Omit<PumpOptions, 'chunkSize' | 'concurrency'>): Promise<string> {
  const ch = await openExec(client, catCommand(temp));
  const hash = createHash('sha256');
  let stderr = '';
  let exit: { code: number | null; signal?: string } | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const closedPromise = new Promise<void>((resolve) => {
    ch.on('close', () => {
      closed = true;
      notify();
      resolve();
    });
  });
  // Both streams are read to the end, or the remote side stalls on a full window.
  ch.on('data', () => undefined);
  ch.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += chunk.toString('utf8');
  });
  ch.on('exit', (code: number | null, signal?: string) => {
    exit = { code: code ?? null, ...(signal ? { signal } : {}) };
  });
  ch.on('error', () => undefined); // writing after the remote side exited: its exit status says why
  ch.on('drain', notify);
  o.stop.addEventListener('abort', notify);
  const check = () => {
    if (o.stop.aborted) throw o.stop.reason;
    if (closed) {
      if (exit) throw new RemoteScriptError(`cat into ${temp} ended early (status ${exit.code ?? exit.signal})`, stderr);
      throw new ChannelGoneError('the channel closed while sending');
    }
  };
  const wait = () => new Promise<void>((resolve) => (wake = resolve));
  let next: Promise<Buffer> | undefined;
  try {
    let pos = 0;
    next = o.size > 0 ? readExactly(o.file, 0, Math.min(READ_BLOCK, o.size)) : undefined;
    while (next) {
      const buf = await next;
      hash.update(buf);
      pos += buf.length;
      next = pos < o.size ? readExactly(o.file, pos, Math.min(READ_BLOCK, o.size - pos)) : undefined;
      next?.catch(() => undefined);
      check();
      const n = buf.length;
      o.batch?.();
      const more = ch.write(buf, (err) => {
        if (!err) o.onBytes(n);
      });
      if (!more) for (check(); ch.writableNeedDrain; check()) await wait();
    }
    ch.end();
    while (!closed) {
      if (o.stop.aborted) throw o.stop.reason;
      await wait();
    }
    await closedPromise;
    if (!exit) throw new ChannelGoneError('the channel closed before cat reported its status');
    if (exit.code !== 0) {
      const how = exit.code === null ? `was killed (${exit.signal ?? 'signal'})` : `exited with status ${exit.code}`;
      throw new RemoteScriptError(`writing ${temp} with cat ${how}`, stderr);
    }
    return hash.digest('hex');
  } catch (err) {
    // Closing stdin and the channel lets the remote cat see EOF and exit.
    try {
      ch.close();
    } catch {
      // already closed
    }
    throw err;
  } finally {
    o.stop.removeEventListener('abort', notify);
  }
}
