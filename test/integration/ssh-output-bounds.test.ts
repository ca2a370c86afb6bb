// A flood of output over a real sshd: the executor keeps a capped result, hands every byte to
// the screen's tail undecoded, and the tail keeps the last bytes only.
import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../src/text/output-tail.js';
import { sshExecutorFixture } from '../helpers/ssh-fixture.js';

const ssh = sshExecutorFixture();

describe('output bounds over SSH', () => {
  it.each([
    ['text', "head -c 5000000 /dev/zero | tr '\\0' a"],
    // Random bytes open escape strings that nothing closes: they must not hide the last line.
    ['binary', 'head -c 5000000 /dev/urandom'],
  ])('%s: every byte streamed, result capped, the screen shows the last line', async (_, flood) => {
    const cap = 4096;
    let screen = '';
    let streamed = 0;
    const tail = new OutputTail(cap, (t) => (screen = (screen + t).slice(-cap)));
    const r = await ssh.executor.exec(`${flood}; echo; echo the-last-line; echo on-stderr >&2`, {
      maxOutputBytes: cap,
      onStdoutBytes: (c) => {
        streamed += c.length;
        tail.pushBytes(c, 'stdout');
      },
      onStderrBytes: (c) => tail.pushBytes(c, 'stderr'),
      onStdout: () => expect.unreachable('bytes were asked for'),
    });
    tail.end();
    expect(r.code).toBe(0);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout, 'latin1')).toBeLessThanOrEqual(cap);
    expect(r.stderr).toBe('on-stderr\n'); // the process-group tag line is not shown
    expect(streamed).toBe(5_000_000 + 1 + 'the-last-line\n'.length);
    expect(screen.length).toBeLessThanOrEqual(cap);
    // sshd may send stderr ahead of stdout it still holds, so the stderr line can scroll away.
    expect(screen).toMatch(/\nthe-last-line\n(on-stderr\n)?$/);
  });
});
