// Finding and waiting for real processes in the fault tests (the test sshd runs on this machine,
// so a remote command is a local process we can see with pgrep and ps).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
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

/** The per-connection processes of a test sshd (run from `dir`): children of its listener. */
export async function connectionSshds(dir: string): Promise<number[]> {
  const config = join(dir, 'sshd_config');
  const found: number[] = [];
  for (const pid of await pids(config)) {
    // The listener ("sshd: /usr/sbin/sshd -D -e -f <config> [listener] ..."), not pgrep itself.
    if (!(await ps(pid, 'args')).includes('[listener]')) continue;
    const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
    found.push(...stdout.split('\n').filter(Boolean).map(Number));
  }
  return found;
}
