// The one seam between "what to run" and "where it runs". The check runner and the step runner
// depend on this interface only, so a batch runs the same way on the jumpbox (local /bin/sh)
// or on the server (ssh2 exec), and tests can use either.

export interface ExecOptions {
  /** Sent on the remote process's stdin (how check scripts travel: `/bin/sh -s`). */
  stdin?: string;
  /** Kill the command after this many milliseconds. */
  timeoutMs?: number;
  /** Bytes kept per stream; the rest is drained and dropped (and `truncated` is set). */
  maxOutputBytes?: number;
  /** Called with each chunk as it arrives, for live output in the UI. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /**
   * The same as raw bytes; when given, the matching onStdout/onStderr is not called. For a
   * consumer that keeps only the end of the output and need not decode the rest. The buffers
   * are not reused by the executor, so they may be kept.
   */
  onStdoutBytes?: (chunk: Buffer) => void;
  onStderrBytes?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit status; null when killed by a signal or timed out. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  elapsedMs: number;
}

export interface Executor {
  /** Human label for errors and the status line, e.g. "root@server:22" or "jumpbox". */
  readonly label: string;
  /** Runs `command` through the target's shell-less exec (argv is one string, as ssh sends it). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}
