import { describe, expect, it } from 'vitest';
import { ChannelGate } from '../../src/remote/channel-gate.js';
import { killGroupCommand, parsePgidLine, PgidTagFilter, wrapCommand } from '../../src/remote/ssh-executor.js';

describe('ChannelGate', () => {
  it('grants up to max at once and then hands slots over in arrival order', async () => {
    const gate = new ChannelGate(2);
    const a = await gate.acquire();
    const b = await gate.acquire();
    const order: string[] = [];
    const c = gate.acquire().then((release) => (order.push('c'), release));
    const d = gate.acquire().then((release) => (order.push('d'), release));
    expect([gate.activeCount, gate.queuedCount]).toEqual([2, 2]);

    a();
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect([gate.activeCount, gate.queuedCount]).toEqual([2, 1]);
    b();
    releaseC();
    (await d)();
    expect([gate.activeCount, gate.queuedCount, gate.peakActive]).toEqual([0, 0, 2]);
  });

  it('ignores a second release of the same slot', async () => {
    const gate = new ChannelGate(1);
    const release = await gate.acquire();
    release();
    release();
    expect(gate.activeCount).toBe(0);
    await gate.acquire();
    expect(gate.activeCount).toBe(1);
  });

  it('drops an aborted waiter from the queue without taking a slot', async () => {
    const gate = new ChannelGate(1);
    const held = await gate.acquire();
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(gate.queuedCount).toBe(0);
    held();
    expect(gate.activeCount).toBe(0);
  });

  it('fails every waiter when the connection goes away', async () => {
    const gate = new ChannelGate(1);
    await gate.acquire();
    const waiters = [gate.acquire(), gate.acquire()];
    gate.rejectWaiting(new Error('gone'));
    for (const w of waiters) await expect(w).rejects.toThrow('gone');
  });

  it('runs control work one at a time, even after a failure', async () => {
    const gate = new ChannelGate();
    const log: string[] = [];
    let release!: () => void;
    const first = gate.control(() => new Promise<void>((r) => (release = () => (log.push('first'), r()))));
    const failing = gate.control(async () => {
      log.push('second');
      throw new Error('x');
    });
    const third = gate.control(async () => log.push('third'));
    await Promise.resolve();
    expect(log).toEqual([]);
    release();
    await first;
    await expect(failing).rejects.toThrow('x');
    await third;
    expect(log).toEqual(['first', 'second', 'third']);
  });
});

describe('process group tagging', () => {
  it('puts the tag before the command, unchanged', () => {
    expect(wrapCommand("/bin/sh -s 'x'")).toBe("echo kthw-tutor-pgid:$$ >&2; /bin/sh -s 'x'");
  });

  it('reads only a well-formed tag with a group id above 1', () => {
    expect(parsePgidLine('kthw-tutor-pgid:4242')).toBe(4242);
    expect(parsePgidLine('kthw-tutor-pgid:1')).toBeUndefined();
    expect(parsePgidLine('kthw-tutor-pgid:0')).toBeUndefined();
    expect(parsePgidLine('kthw-tutor-pgid:-1')).toBeUndefined();
    expect(parsePgidLine('kthw-tutor-pgid:12; rm -rf /')).toBeUndefined();
    expect(parsePgidLine('error: something')).toBeUndefined();
  });

  it('refuses to build a kill for group 0 or 1 (kill -- -1 would hit every process)', () => {
    expect(killGroupCommand(4242)).toBe("kill -KILL -- '-4242' 2>/dev/null; true");
    expect(() => killGroupCommand(1)).toThrow();
    expect(() => killGroupCommand(0)).toThrow();
    expect(() => killGroupCommand(2.5)).toThrow();
  });
});

describe('PgidTagFilter', () => {
  const run = (chunks: string[]) => {
    const filter = new PgidTagFilter();
    const out = chunks.map((c) => filter.push(Buffer.from(c)).toString()).join('') + filter.flush().toString();
    return { out, pgid: filter.pgid };
  };

  it('removes the tag line and keeps everything after it', () => {
    expect(run(['kthw-tutor-pgid:777\nerr\n'])).toEqual({ out: 'err\n', pgid: 777 });
  });

  it('finds the tag split across chunks', () => {
    expect(run(['kthw-tu', 'tor-pgid:7', '77\npartial', ' line'])).toEqual({ out: 'partial line', pgid: 777 });
  });

  it('passes through what a noisy ~/.bashrc printed before the tag', () => {
    expect(run(['bash: /root/.cargo/env: No such file\nmore\n', 'kthw-tutor-pgid:42\nafter'])).toEqual({
      out: 'bash: /root/.cargo/env: No such file\nmore\nafter',
      pgid: 42,
    });
  });

  it('only the first tag counts: the command cannot fake a second one', () => {
    expect(run(['kthw-tutor-pgid:42\nkthw-tutor-pgid:99\n'])).toEqual({ out: 'kthw-tutor-pgid:99\n', pgid: 42 });
  });

  it('gives up after 64 KiB without a tag and loses nothing', () => {
    const noise = 'x'.repeat(70_000);
    const { out, pgid } = run([noise, '\nkthw-tutor-pgid:42\n']);
    expect(pgid).toBeUndefined();
    expect(out).toBe(`${noise}\nkthw-tutor-pgid:42\n`);
  });

  it('returns held-back text when the stream ends without a newline', () => {
    expect(run(['no tag, no newline'])).toEqual({ out: 'no tag, no newline', pgid: undefined });
  });
});
