// The real app in a real terminal (tmux, 100x40) against a real sshd, on page 1 of the real
// course, in Korean and in English. The screens are compared with golden files committed under
// test/golden/; run with UPDATE_GOLDEN=1 to rewrite them after an intended change, and review
// the diff like code.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { startInTmux, type TmuxSession } from '../helpers/tmux.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const goldenDir = join(repo, 'test', 'golden');
let sshd: Sshd;
let home: string;
const sessions: TmuxSession[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  home = mkdtempSync(join(tmpdir(), 'kthw-golden-'));
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  // What a learner has after chapter 3: `server` resolves through ~/.ssh/config, key trusted.
  writeFileSync(
    join(home, '.ssh', 'config'),
    [
      'Host server',
      '  HostName 127.0.0.1',
      `  Port ${sshd.port}`,
      '  User root',
      `  IdentityFile ${sshd.clientKeyPath}`,
      `  UserKnownHostsFile ${join(home, '.ssh', 'known_hosts')}`,
      '  GlobalKnownHostsFile none',
      '  IdentityAgent none',
      '',
    ].join('\n'),
  );
  writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n');
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  await sshd?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** What changes from run to run (ports, timings, temp paths) is replaced by a fixed token. */
function normalize(screen: string): string {
  return screen
    .replaceAll(home, '<HOME>')
    .replaceAll(String(sshd.port), '<PORT>')
    .replace(/\d+ ?ms/g, '<N> ms');
}

async function capturePage1(lang: 'ko' | 'en'): Promise<string> {
  const tmux = startInTmux({
    // ssh reads the passwd home's ~/.ssh/config, not $HOME's: name it.
    command: [process.execPath, '--import', 'tsx', join(repo, 'src', 'cli.tsx'), '--lang', lang, '--ssh-config', join(home, '.ssh', 'config')],
    env: {
      HOME: home,
      XDG_STATE_HOME: join(home, `state-${lang}`),
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    },
    cwd: repo,
    columns: 100,
    rows: 40,
  });
  sessions.push(tmux);
  // Settled: connected, the whole course checked once, page 1 open.
  const done = lang === 'ko' ? /개 단계를 .* 점검했습니다/ : /Checked \d+ steps in/;
  // A cold start (tsx compiling src/ while other test files run) can take a while on 2 cores.
  const screen = await tmux.waitFor((s) => done.test(s) && !s.includes('⟳'), 50_000);
  tmux.send('q');
  return normalize(screen);
}

describe.each(['ko', 'en'] as const)('page 1 in a real terminal (%s)', (lang) => {
  it('matches the golden screen', async () => {
    const screen = await capturePage1(lang);
    const file = join(goldenDir, `page1-${lang}.txt`);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(file, screen + '\n');
    }
    expect(screen + '\n').toBe(readFileSync(file, 'utf8'));
  }, 60_000);
});
