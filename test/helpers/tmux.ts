// Drives the real app in a real terminal: tmux runs it at a fixed size on a private socket,
// send-keys types, capture-pane reads the screen as text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmuxSession {
  capture(): string;
  send(...keys: string[]): void;
  waitFor(predicate: (screen: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(): void;
}

export function startInTmux(opts: {
  command: string[];
  env: Record<string, string>;
  cwd: string;
  columns: number;
  rows: number;
}): TmuxSession {
  const dir = mkdtempSync(join(tmpdir(), 'kthw-tmux-'));
  const socket = join(dir, 'sock');
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: { ...process.env, ...opts.env } });
  // `env` sets the program's environment exactly; tmux's own server environment is not relied on.
  const envArgs = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  tmux(
    'new-session', '-d', '-s', 'kthw', '-x', String(opts.columns), '-y', String(opts.rows), '-c', opts.cwd,
    'env', ...envArgs, ...opts.command,
  );
  tmux('set-option', '-t', 'kthw', 'remain-on-exit', 'on');
  const capture = () =>
    tmux('capture-pane', '-p', '-t', 'kthw')
      .split('\n')
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n')
      .replace(/\n+$/, '');
  return {
    capture,
    send: (...keys) => void tmux('send-keys', '-t', 'kthw', ...keys),
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = capture();
        if (predicate(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`terminal never showed what was awaited; screen:\n${screen}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill() {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
