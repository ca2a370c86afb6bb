// Property tests for shq (fast-check, 10,000 cases per shell). The oracle is a real shell: one
// long-lived dash (/bin/sh) and one bash read commands on stdin, as check scripts do
// (`/bin/sh -s`), and `printf '%s\0' <quoted words>` must give back exactly the words, byte for
// byte and word for word. One shell per suite keeps 10,000 cases to a few seconds.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { shq } from '../../src/text/shell-quote.js';

const RUNS = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'kthw-shq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const canary = join(dir, 'CANARY');

/** A shell reading commands from a pipe; `words` runs one printf and returns the words it printed. */
class Shell {
  private child!: ChildProcessWithoutNullStreams;
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private exited = false;
  private counter = 0;

  constructor(private readonly path: string) {
    this.start();
  }

  private start(): void {
    this.buf = Buffer.alloc(0);
    this.exited = false;
    const child = spawn(this.path, ['-s'], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
    this.child = child;
    // Events of a shell already replaced (killed after a hang) must not touch the new one.
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.child !== child) return;
      this.buf = Buffer.concat([this.buf, chunk]);
      this.waiting?.();
    });
    child.stderr.on('data', () => {});
    child.stdin.on('error', () => {});
    child.on('exit', () => {
      if (this.child !== child) return;
      this.exited = true;
      this.waiting?.();
    });
  }

  /** The words printf saw, or why there was no answer (shell died, or waited for more input). */
  async words(quoted: string[]): Promise<Buffer[] | string> {
    const token = Buffer.from(`<end ${++this.counter} ${process.pid}>`);
    this.buf = Buffer.alloc(0);
    this.child.stdin.write(`printf '%s\\0' ${quoted.join(' ')}\nprintf '%s' '${token.toString()}'\n`);
    const done = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2000);
      this.waiting = () => {
        if (this.buf.includes(token) || this.exited) {
          clearTimeout(timer);
          resolve(!this.exited);
        }
      };
      this.waiting();
    });
    this.waiting = null;
    if (!done) {
      // A quoting bug left the shell inside a quote (or killed it): start a clean one.
      if (!this.exited) this.child.kill('SIGKILL');
      this.start();
      return 'no answer: the shell was left waiting or exited';
    }
    const out = this.buf.subarray(0, this.buf.indexOf(token));
    const parts: Buffer[] = [];
    let from = 0;
    for (let i = out.indexOf(0); i !== -1; i = out.indexOf(0, from)) {
      parts.push(out.subarray(from, i));
      from = i + 1;
    }
    if (from !== out.length) parts.push(out.subarray(from));
    return parts;
  }

  close(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

// Characters a shell reacts to, and text that would run a command if it ever got unquoted.
const SPECIAL = [
  `'`, `"`, '\\', '$', '`', '\n', '\r', '\t', ' ', ';', '&', '|', '<', '>', '(', ')', '{', '}', '*', '?', '[', ']',
  '~', '#', '!', '=', '%', '-', '--', '-n', '-e', "'\\''", `$(touch ${canary})`, `\`touch ${canary}\``, `'; touch ${canary}; '`,
  '${IFS}', '$@', '$0', '\\0', '\\n', '%s', '%b', '한국어', '\u202e', '\u200b', '\x1b[31m', '\x7f', '\x01', 'é', '😀',
];
/** NUL-free, well-formed text: any code point but NUL, and pieces chosen to break quoting. */
const word = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 6 }) },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join('').replace(/\0/g, ''));

const shells = [
  { name: 'dash (/bin/sh)', path: '/bin/sh' },
  ...(spawnSync('bash', ['-c', 'exit 0']).status === 0 ? [{ name: 'bash', path: 'bash' }] : []),
];

describe.each(shells)('shq in $name', ({ path }) => {
  const shell = new Shell(path);
  afterAll(() => shell.close());

  it('one quoted word comes back as exactly that word', async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(word, async (s) => {
        const got = await shell.words([shq(s)]);
        expect(got).toEqual([Buffer.from(s, 'utf8')]);
      }),
      { numRuns: RUNS },
    );
    expect(existsSync(canary)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    console.log(`shq ${path}: ${RUNS} single words in ${Math.round(performance.now() - started)} ms`);
  }, 120_000);

  it('quoted words stay separate words, and adjacent quoted parts join into one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(word, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), async (groups) => {
        // Each group is written as shq(a)shq(b)... with nothing between: one word, a + b + ...
        const got = await shell.words(groups.map((g) => g.map(shq).join('')));
        expect(got).toEqual(groups.map((g) => Buffer.from(g.join(''), 'utf8')));
      }),
      { numRuns: RUNS },
    );
    expect(existsSync(canary)).toBe(false);
  }, 120_000);
});

describe('shq and NUL', () => {
  it('refuses any text with a NUL byte, naming the problem, since argv cannot hold one', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), (a, b) => {
        expect(() => shq(`${a}\0${b}`)).toThrow(/cannot pass a NUL byte to the shell/);
      }),
      { numRuns: RUNS },
    );
  });
});
