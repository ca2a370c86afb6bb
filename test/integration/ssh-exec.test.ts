// SshExecutor against a real OpenSSH sshd: results, stdin, draining, caps, and that a timeout
// or an abort really kills the remote processes.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExecutorFixture } from '../helpers/ssh-fixture.js';

const ssh = sshExecutorFixture();

/** A sleep whose command line is unique to this test run, so pgrep finds only ours. */
function uniqueSleep(): { command: string; pattern: string } {
  const seconds = `301.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  // `[.]` keeps pgrep's own command line (which contains the pattern) from matching itself.
  return { command: `sleep ${seconds}`, pattern: `sleep ${seconds.replace('.', '[.]')}` };
}

async function running(pattern: string): Promise<string[]> {
  const r = await ssh.executor.exec(`pgrep -f '${pattern}' || true`);
  return r.stdout.split('\n').filter(Boolean);
}

async function waitUntilRunning(pattern: string, count = 1): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await running(pattern)).length >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${pattern} never started`);
}

describe('exec', () => {
  it('returns stdout, stderr and the exit code, without the process-group tag', async () => {
    const r = await ssh.executor.exec('echo out; echo err >&2; printf "no newline" >&2; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\nno newline', timedOut: false, truncated: false });
    expect(r.signal).toBeUndefined();
    expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a signal death as code null with the signal name', async () => {
    const r = await ssh.executor.exec('kill -TERM $$');
    expect([r.code, r.signal]).toEqual([null, 'SIGTERM']);
  });

  it('delivers stdin: a script to /bin/sh -s, and 3 MB to wc -c', async () => {
    const script = await ssh.executor.exec('/bin/sh -s', { stdin: 'set -e\nx=$((20 + 22))\necho "sum=$x"\n' });
    expect(script).toMatchObject({ code: 0, stdout: 'sum=42\n', stderr: '' });
    const big = await ssh.executor.exec('wc -c', { stdin: 'x'.repeat(3_000_000) });
    expect(big.stdout.trim()).toBe('3000000');
  });

  it('ends stdin even when none is given, so a reader does not hang', async () => {
    const r = await ssh.executor.exec('cat; echo done', { timeoutMs: 5_000 });
    expect(r).toMatchObject({ code: 0, stdout: 'done\n', timedOut: false });
  });

  it('drains 5 MB on stdout and 5 MB on stderr at once without stalling, capping what it keeps', async () => {
    let streamedOut = 0;
    let streamedErr = 0;
    const r = await ssh.executor.exec('yes out | head -c 5000000 & yes err | head -c 5000000 >&2; wait', {
      timeoutMs: 15_000,
      onStdout: (c) => (streamedOut += c.length),
      onStderr: (c) => (streamedErr += c.length),
    });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect([streamedOut, streamedErr]).toEqual([5_000_000, 5_000_000]);
    expect([r.stdout.length, r.stderr.length]).toEqual([1024 * 1024, 1024 * 1024]);
    expect(r.truncated).toBe(true);
    expect(r.stdout.startsWith('out\nout\n')).toBe(true);
    expect(r.stderr.startsWith('err\nerr\n')).toBe(true);
  });

  it('keeps everything when the cap allows it', async () => {
    const r = await ssh.executor.exec('yes 0123456789 | head -c 5000000', { maxOutputBytes: 6_000_000 });
    expect([r.stdout.length, r.truncated]).toEqual([5_000_000, false]);
  });

  it('cuts at a character boundary, never inside a UTF-8 sequence', async () => {
    const r = await ssh.executor.exec("printf '가나다'", { maxOutputBytes: 4 });
    expect([r.stdout, r.truncated]).toEqual(['가', true]);
  });
});

describe('timeout and abort kill the remote processes', () => {
  it('a timed-out command is gone afterwards, its background children too', async () => {
    const main = uniqueSleep();
    const child = uniqueSleep();
    const pending = ssh.executor.exec(`(${child.command} &); ${main.command}; echo never`, { timeoutMs: 1_500 });
    await waitUntilRunning(main.pattern);
    await waitUntilRunning(child.pattern); // both really ran: the check below can see them
    const r = await pending;
    expect(r).toMatchObject({ timedOut: true, code: null, signal: 'SIGKILL', stdout: '' });
    expect(await running(main.pattern)).toEqual([]);
    expect(await running(child.pattern)).toEqual([]);
  });

  it('an aborted command rejects with the abort reason and is gone afterwards', async () => {
    const sleep = uniqueSleep();
    const controller = new AbortController();
    const pending = ssh.executor.exec(sleep.command, { signal: controller.signal });
    await waitUntilRunning(sleep.pattern);
    controller.abort(new Error('learner pressed stop'));
    await expect(pending).rejects.toThrow('learner pressed stop');
    expect(await running(sleep.pattern)).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(ssh.executor.exec('true', { signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before');
  });
});

describe('a login shell that prints on start-up (noisy ~/.bashrc)', () => {
  // bash sources ~/.bashrc for commands run by sshd; the sessions' HOME is <sshd dir>/home.
  const bashrc = () => path.join(ssh.sshd.dir, 'home', '.bashrc');
  beforeAll(async () => {
    await writeFile(bashrc(), 'echo "noise from bashrc" >&2\n');
  });
  afterAll(async () => {
    await rm(bashrc(), { force: true });
  });

  it('keeps that output in stderr, without the tag', async () => {
    const r = await ssh.executor.exec('echo err >&2');
    expect(r.stderr).toBe('noise from bashrc\nerr\n');
  });

  it('still kills a timed-out command', async () => {
    const sleep = uniqueSleep();
    const r = await ssh.executor.exec(sleep.command, { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(await running(sleep.pattern)).toEqual([]);
  });
});
