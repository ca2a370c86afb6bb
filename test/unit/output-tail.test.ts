import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../src/remote/local-executor.js';
import { OutputTail } from '../../src/text/output-tail.js';

/** What the reducer does with each delivery: append, keep the end. */
function screen(cap: number) {
  const s = { text: '', deliveries: [] as string[] };
  const tail = new OutputTail(cap, (t) => {
    s.deliveries.push(t);
    s.text = (s.text + t).slice(-cap);
  });
  return { s, tail };
}

describe('OutputTail', () => {
  it('keeps the LAST characters of a long stream, and no delivery exceeds the cap', () => {
    const { s, tail } = screen(1000);
    let all = '';
    for (let i = 0; i < 20_000; i++) {
      const line = `line ${i}\n`;
      all += line;
      tail.push(line);
      if (i % 3000 === 0) tail.flush();
    }
    tail.end();
    expect(s.text).toBe(all.slice(-1000));
    expect(s.text.endsWith('line 19999\n')).toBe(true);
    for (const d of s.deliveries) expect(d.length).toBeLessThanOrEqual(1000);
  });

  it('the screen text is the end of the stream, however it is chunked and flushed', () => {
    const chunk = fc.string({ unit: fc.constantFrom(...'ab \n가나\t.'.split('')), maxLength: 50 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.tuple(chunk, fc.boolean()), { maxLength: 60 }), (cap, steps) => {
        const { s, tail } = screen(cap);
        for (const [c, flush] of steps) {
          tail.push(c);
          if (flush) tail.flush();
        }
        tail.end();
        expect(s.text).toBe(steps.map(([c]) => c).join('').slice(-cap));
        for (const d of s.deliveries) expect(d.length).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 2000 },
    );
  });

  it('sanitizes what it delivers, also a sequence split between two chunks', () => {
    const { s, tail } = screen(100);
    tail.push('a\x1b[3');
    tail.push('1mred\u202e\x1b]0;ti');
    tail.push('tle\x07b');
    tail.end();
    expect(s.text).toBe('aredb');
  });

  it('holds back a sequence cut by a flush, so none of it shows', () => {
    const { s, tail } = screen(100);
    tail.push('a\x1b[3');
    tail.flush();
    tail.push('1mred\x1b]0;ti');
    tail.flush();
    tail.push('tle\x07b\x1b');
    tail.flush();
    expect(s.text).toBe('aredb');
    tail.push('(Bc');
    tail.end();
    expect(s.text).toBe('aredbc');
  });

  it('a string sequence left open at the end does not swallow the last lines', () => {
    const { s, tail } = screen(100);
    tail.push('ok\x1b]0;never closed\nError: the last line\n');
    tail.end();
    expect(s.text).toBe('ok0;never closed\nError: the last line\n');
  });

  it('hands on a burst of chunks as one delivery, and nothing after end', async () => {
    const { s, tail } = screen(1 << 16);
    for (let i = 0; i < 1000; i++) tail.push('x');
    expect(s.deliveries).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(s.deliveries).toEqual(['x'.repeat(1000)]);
    tail.end();
    tail.push('late');
    await new Promise((r) => setTimeout(r, 120));
    expect(s.text).toBe('x'.repeat(1000));
  });
});

describe('LocalExecutor output bounds', () => {
  it('keeps a capped result and streams everything; the tail has the last line', async () => {
    const { s, tail } = screen(4096);
    let streamed = 0;
    const r = await new LocalExecutor().exec("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo the-last-line", {
      maxOutputBytes: 4096,
      onStdout: (c) => {
        streamed += c.length;
        tail.push(c);
      },
    });
    tail.end();
    expect(r.truncated).toBe(true);
    expect(r.stdout).toBe('a'.repeat(4096));
    expect(streamed).toBe(3_000_000 + 1 + 'the-last-line\n'.length);
    expect(s.text.endsWith('a\nthe-last-line\n')).toBe(true);
  });

  it('a character split between two writes arrives whole', async () => {
    let live = '';
    await new LocalExecutor().exec("printf '\\352\\260'; sleep 0.2; printf '\\200\\n'", { onStdout: (c) => (live += c) });
    expect(live).toBe('가\n');
  });
});

describe('OutputTail with raw bytes', () => {
  it('decodes only the end, and shows the same text as decoding everything would', () => {
    // 1-, 2- and 3-byte characters (a 4-byte one is two UTF-16 units, which a cut may split).
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '가', 'é', '€', '한'), maxLength: 80 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.array(fc.tuple(text, fc.nat(), fc.boolean()), { maxLength: 30 }), (cap, steps) => {
        const { s, tail } = screen(cap);
        const all = steps.map(([t]) => t).join('');
        const bytes = Buffer.from(all);
        // The same bytes cut at arbitrary places (inside characters too), flushed at random.
        let at = 0;
        for (const [t, n, flush] of steps) {
          const len = Math.min(bytes.length - at, Buffer.byteLength(t) + (n % 3) - 1);
          if (len > 0) tail.pushBytes(bytes.subarray(at, at + len));
          at += Math.max(0, len);
          if (flush) tail.flush();
        }
        if (at < bytes.length) tail.pushBytes(bytes.subarray(at));
        tail.end();
        expect(s.text).toBe(all.slice(-cap));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps each stream’s characters whole when the streams interleave', () => {
    const { s, tail } = screen(100);
    const ga = Buffer.from('가');
    tail.pushBytes(ga.subarray(0, 2), 'stdout');
    tail.pushBytes(Buffer.from('e'), 'stderr');
    tail.pushBytes(ga.subarray(2), 'stdout');
    tail.end();
    expect(s.text).toBe('e가');
  });

  it('a binary flood through the local executor: bounded result, bounded screen, last bytes shown', async () => {
    const { s, tail } = screen(4096);
    let streamed = 0;
    // Random bytes open escape strings that nothing closes: they must not hide the last line.
    const flood = 'head -c 5000000 /dev/urandom';
    const r = await new LocalExecutor().exec(`${flood}; echo; echo the-last-line`, {
      maxOutputBytes: 4096,
      onStdoutBytes: (c) => {
        streamed += c.length;
        tail.pushBytes(c, 'stdout');
      },
      onStdout: () => expect.unreachable('bytes were asked for'),
    });
    tail.end();
    expect(streamed).toBe(5_000_000 + 1 + 'the-last-line\n'.length);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(4096 * 3); // 4096 bytes, some shown as U+FFFD
    expect(r.truncated).toBe(true);
    expect(s.text.length).toBeLessThanOrEqual(4096);
    expect(s.text.endsWith('\nthe-last-line\n')).toBe(true);
    expect(s.text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});
