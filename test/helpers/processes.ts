// Finding and waiting for real processes in the fault tests (the test sshd runs on this machine,
// so a remote command is a local process we can see with pgrep and ps).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pids whose command line contains `pattern` (pgrep -f). */
export async function pids(pattern: string): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', pattern]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

export async function ps(pid: number, field: 'ppid' | 'args'): Promise<string> {
  const { stdout } = await run('ps', ['-o', `${field}=`, '-p', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.trim();
}

/** Polls `get` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function until<T>(get: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
