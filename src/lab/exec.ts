// Running host commands for the lab. A failure says which command failed and what it printed,
// because "exit status 1" alone does not tell a learner what to do.
import { execFile, spawn } from 'node:child_process';

export class LabCommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`${command} failed (exit ${code ?? 'signal'})${output ? `:\n${output.trim().split('\n').slice(-8).join('\n')}` : ''}`);
  }
}

export interface RunOptions {
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve with the exit code instead of throwing on non-zero. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: options.cwd, env: options.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        if (err && (code === null || !options.allowFailure)) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new LabCommandError(cmd, null, `${cmd} is not installed`));
            return;
          }
          reject(new LabCommandError([cmd, ...args].join(' '), code, `${stderr}${stdout ? `\n${stdout}` : ''}`));
          return;
        }
        resolve({ code: code ?? 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Streams stdout+stderr lines to `onLine` (for progress), keeps the tail for the error message. */
export function runStreaming(
  cmd: string,
  args: readonly string[],
  onLine: (line: string) => void,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const feed = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (err) => reject(new LabCommandError(cmd, null, (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : err.message)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new LabCommandError([cmd, ...args].join(' '), code, tail.join('\n')));
    });
  });
}
