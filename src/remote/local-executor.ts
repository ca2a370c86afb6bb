// The jumpbox side: commands run in a local /bin/sh, with the same contract as the SSH executor
// (stdin, streaming, both streams drained and capped, timeout kills the whole process group).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { ExecOptions, ExecResult, Executor } from './executor.js';

const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export class LocalExecutor implements Executor {
  readonly label = 'jumpbox';
  constructor(private readonly options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      // detached: the command leads its own process group, so a timeout can kill its children too.
      const child = spawn('/bin/sh', ['-c', command], {
        // A missing folder is for the step's own `cd` to report (with the shell's words, which the
        // lessons' diagnostics match); checks then run where the tutor was started.
        cwd: this.options.cwd !== undefined && existsSync(this.options.cwd) ? this.options.cwd : undefined,
        env: this.options.env ?? process.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let truncated = false;
      let timedOut = false;
      const keep = (chunks: Buffer[], size: number, chunk: Buffer): number => {
        const room = cap - size;
        if (room <= 0) {
          truncated = true;
          return size;
        }
        if (chunk.length > room) truncated = true;
        chunks.push(chunk.subarray(0, room));
        return size + Math.min(room, chunk.length);
      };
      // A character split across two chunks must not become two U+FFFD: decode per stream.
      const liveOut = new StringDecoder('utf8');
      const liveErr = new StringDecoder('utf8');
      const live = (decoder: StringDecoder, chunk: Buffer, on?: (text: string) => void) => {
        if (!on) return;
        const text = decoder.write(chunk);
        if (text) on(text);
      };
      child.stdout.on('data', (c: Buffer) => {
        outBytes = keep(out, outBytes, c);
        if (opts.onStdoutBytes) opts.onStdoutBytes(c);
        else live(liveOut, c, opts.onStdout);
      });
      child.stderr.on('data', (c: Buffer) => {
        errBytes = keep(err, errBytes, c);
        if (opts.onStderrBytes) opts.onStderrBytes(c);
        else live(liveErr, c, opts.onStderr);
      });
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            killGroup();
          }, opts.timeoutMs)
        : undefined;
      const onAbort = () => {
        killGroup();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdin.on('error', () => {}); // the command may exit before reading its stdin
      child.stdin.end(opts.stdin ?? '');
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) return reject(opts.signal.reason);
        resolve({
          code: timedOut ? null : code,
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut,
          truncated,
          elapsedMs: performance.now() - started,
        });
      });
    });
  }
}
