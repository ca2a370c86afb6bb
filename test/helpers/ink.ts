// A small harness for Ink 7 rendering tests: a fake TTY stdout of fixed size that keeps the
// last frame, a fake raw-mode stdin to type into, and waits that poll for content instead of
// sleeping a fixed time. (ink-testing-library 4 targets Ink 5 / React 18.)
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { render, type Instance } from 'ink';
import type { ReactElement } from 'react';

class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (chunk: string): boolean => {
    this.frames.push(chunk);
    return true;
  };
  getColorDepth(): number {
    return 1;
  }
  hasColors(): boolean {
    return false;
  }
  cursorTo(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private queue: string[] = [];
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  type(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }
}

export interface Rendered {
  /** The screen as plain text: the last complete frame Ink drew. */
  screen(): string;
  type(data: string): Promise<void>;
  waitFor(predicate: (screen: string) => boolean, timeoutMs?: number): Promise<string>;
  unmount(): void;
  instance: Instance;
}

export const KEYS = { enter: '\r', escape: '\x1b', tab: '\t', down: '\x1b[B', up: '\x1b[A', right: '\x1b[C', left: '\x1b[D' };

export function renderAt(element: ReactElement, columns: number, rows = 40): Rendered {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = render(element, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    debug: true, // every frame is written whole, so the last write is the screen
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const screen = () => {
    const last = stdout.frames[stdout.frames.length - 1] ?? '';
    return stripVTControlCharacters(last)
      .split('\n')
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n')
      .replace(/\n+$/, '');
  };
  const waitFor = async (predicate: (s: string) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = screen();
      if (predicate(s)) return s;
      if (Date.now() > deadline) throw new Error(`screen never matched; last screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    screen,
    waitFor,
    async type(data: string) {
      stdin.type(data);
      await new Promise((r) => setTimeout(r, 20));
    },
    unmount: () => instance.unmount(),
    instance,
  };
}
