// The real app in a real terminal (tmux, 100x40) against a real sshd, on page 1 of the real
// course and with a run cancelled by Ctrl-C (a small pack via --lessons), in Korean and in
// English. The screens are compared with golden files committed under test/golden/; run with
// UPDATE_GOLDEN=1 to rewrite them after an intended change, and review the diff like code.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coursePackWriter } from '../helpers/course-pack.js';
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

/** A one-page pack whose second step prints a line, then sleeps on the server until cancelled. */
function writeLongPack(dir: string, marker: string): void {
  coursePackWriter(dir, 'cancel', ['01-long'])(
    '01-long',
    `page: long
steps:
  - id: first
    where: server
    checks:
      - kind: command
        run: echo ok
        stdout: { equals: ok }
    hints: [h]
  - id: long
    where: server
    run:
      - echo started
      - sleep ${marker}
    checks:
      - kind: command
        run: echo no
        stdout: { equals: yes }
    hints: [h]
`,
    '# 긴 명령\n\n<!-- step: first -->\n## 첫 단계\n\n통과합니다.\n\n<!-- hint: first.h -->\n힌트.\n\n<!-- step: long -->\n## 긴 단계\n\n오래 걸리는 명령입니다. Ctrl-C나 Esc로 취소할 수 있습니다.\n\n<!-- hint: long.h -->\n힌트.\n',
    '# Long\n\n<!-- step: first -->\n## First\n\nIt passes.\n\n<!-- hint: first.h -->\nA hint.\n\n<!-- step: long -->\n## Long\n\nA command that takes long. Ctrl-C or Esc cancels it.\n\n<!-- hint: long.h -->\nA hint.\n',
  );
}

const sleeping = (marker: string): boolean => {
  try {
    return execFileSync('pgrep', ['-f', `sleep ${marker}`], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
};

describe.each(['ko', 'en'] as const)('a cancelled run in a real terminal (%s)', (lang) => {
  it('Ctrl-C stops the command on the server and keeps the output: matches the golden screen', async () => {
    const marker = `41.${process.pid}${lang === 'ko' ? 1 : 2}`;
    const pack = join(home, `pack-${lang}`);
    writeLongPack(pack, marker);
    const tmux = startInTmux({
      command: [
        process.execPath, '--import', 'tsx', join(repo, 'src', 'cli.tsx'),
        '--lang', lang, '--ssh-config', join(home, '.ssh', 'config'), '--lessons', pack,
      ],
      env: {
        HOME: home,
        XDG_STATE_HOME: join(home, `state-cancel-${lang}`),
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
    const checked = lang === 'ko' ? /개 단계를 .* 점검했습니다/ : /Checked \d+ steps in/;
    await tmux.waitFor((s) => checked.test(s) && !s.includes('⟳'), 50_000);
    tmux.send('r');
    await tmux.waitFor((s) => s.includes(`sleep ${marker}`) && s.includes(lang === 'ko' ? '실행할까요' : 'Run this'));
    tmux.send('y');
    await tmux.waitFor((s) => s.includes('started') && s.includes('Esc/Ctrl-C'), 15_000);
    expect(sleeping(marker)).toBe(true);
    tmux.send('C-c');
    const cancelled = lang === 'ko' ? '실행을 취소했습니다' : 'Run cancelled';
    const screen = await tmux.waitFor((s) => s.includes(cancelled), 15_000);
    expect(sleeping(marker)).toBe(false);
    tmux.send('q');
    const normalized = normalize(screen)
      .replaceAll(marker, '<MARKER>')
      .replace(/after \d+ s;/, 'after <N> s;')
      .replace(/\d+초 만에/, '<N>초 만에');
    const file = join(goldenDir, `cancelled-run-${lang}.txt`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(file, normalized + '\n');
    expect(normalized + '\n').toBe(readFileSync(file, 'utf8'));
  }, 90_000);
});
