import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeTerminal } from '../../src/text/sanitize.js';
import { shq } from '../../src/text/shell-quote.js';
import { execFileSync } from 'node:child_process';

describe('sanitizeTerminal', () => {
  it.each([
    ['colours', '\x1b[31mred\x1b[0m', 'red'],
    ['cursor moves and clear screen', 'a\x1b[2J\x1b[H\x1b[10;20Hb', 'ab'],
    ['window title (OSC, BEL)', '\x1b]0;owned\x07text', 'text'],
    ['hyperlink (OSC 8, ST)', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['device control string', '\x1bPq#0;2;0;0;0\x1b\\after', 'after'],
    ['8-bit CSI', '\x9b31mred', 'red'],
    ['charset switch', '\x1b(0lqk\x1b(B', 'lqk'],
    ['backspace and bell', 'ab\x08c\x07', 'abc'],
    ['CRLF and lone CR', 'one\r\ntwo\rthree', 'one\ntwothree'],
    ['Korean and tabs kept', '한국어\t텍스트\n', '한국어\t텍스트\n'],
  ])('removes %s', (_, input, output) => {
    expect(sanitizeTerminal(input)).toBe(output);
  });

  it('never lets ESC, C1 or C0 controls (but \\n and \\t) through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(sanitizeTerminal(s)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves printable text unchanged', () => {
    const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ 019 -_/:.가나다한국어\t\n{}"\''.split('')) });
    fc.assert(
      fc.property(printable, (s) => {
        expect(sanitizeTerminal(s)).toBe(s);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sanitizeTerminal: invisible format characters', () => {
  const INVISIBLES = [
    ...'\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069', // bidi embeddings, overrides, isolates
    ...'\u200e\u200f\u061c', // bidi marks
    ...'\u200b\u200c\u200d\u2060\ufeff\u180e', // zero-width
  ];

  it.each([
    ['a right-to-left override that shows a command reversed', 'rm -rf \u202e/ tsil\u202c', 'rm -rf / tsil'],
    ['isolates', 'a\u2066b\u2069c\u2067d\u2068e', 'abcde'],
    ['a zero-width space inside a word', 'kube\u200b-apiserver', 'kube-apiserver'],
    ['a byte order mark at the start of output', '\ufeffkind: Config\n', 'kind: Config\n'],
    ['word joiner and zero-width (non-)joiners', 'a\u2060b\u200cc\u200dd', 'abcd'],
  ])('removes %s', (_, input, output) => {
    expect(sanitizeTerminal(input)).toBe(output);
  });

  it('no bidi control or zero-width character survives, whatever surrounds it', () => {
    const unit = fc.oneof(fc.constantFrom(...INVISIBLES), fc.string({ unit: 'grapheme', maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 30 }), (parts) => {
        const out = sanitizeTerminal(parts.join(''));
        for (const c of INVISIBLES) expect(out).not.toContain(c);
        expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      }),
      { numRuns: 10_000 },
    );
  });

  it('text around them is kept as it was, in order', () => {
    const visible = fc.string({ unit: fc.constantFrom(...'abc XYZ 019 -_/:.가나다한국어\t\n{}"\'é…'.split('')) });
    fc.assert(
      fc.property(fc.array(fc.tuple(visible, fc.constantFrom(...INVISIBLES, '')), { maxLength: 10 }), (pairs) => {
        const plain = pairs.map(([v]) => v).join('');
        expect(sanitizeTerminal(pairs.map(([v, x]) => v + x).join(''))).toBe(plain);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('shq', () => {
  it('round-trips any value through a real sh as one argument', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), (s) => {
        const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shq(s)}`]);
        expect(out.toString('utf8')).toBe(Buffer.from(s, 'utf8').toString('utf8'));
      }),
      { numRuns: 60 },
    );
  });
  it('refuses a NUL byte with a clear message', () => {
    expect(() => shq('a\0b')).toThrow('cannot pass a NUL byte');
  });
});
