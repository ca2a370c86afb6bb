// The real app in a real terminal (tmux, 100x40) against a real sshd, on page 1 of the real
// course, with a run cancelled by Ctrl-C and with the tutor's own copy in progress (small packs
// via --lessons), in Korean and in English. The screens are compared with golden files committed under test/golden/; run with
// UPDATE_GOLDEN=1 to rewrite them after an intended change, and review the diff like code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coursePackWriter } from '../helpers/course-pack.js';
import { writeLongStepCourse } from '../helpers/long-step-course.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { startInTmux, type TmuxSession } from '../helpers/tmux.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const goldenDir = join(repo, 'test', 'golden');
let sshd: Sshd;
let home: string;
const sessions: TmuxSession[] = [];

beforeAll(async () => {
  sshd = await startSshd({ extraConfig: ['Subsystem sftp /usr/lib/openssh/sftp-server'] });
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

/** The tutor in tmux at 100x40, as a learner starts it, with its own state folder. */
function startTutor(args: string[], stateDir: string): TmuxSession {
  const tmux = startInTmux({
    // ssh reads the passwd home's ~/.ssh/config, not $HOME's: each test names it (--ssh-config).
    command: [process.execPath, '--import', 'tsx', join(repo, 'src', 'cli.tsx'), ...args],
    env: {
      HOME: home,
      XDG_STATE_HOME: stateDir,
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
  return tmux;
}

async function capturePage1(lang: 'ko' | 'en'): Promise<string> {
  const tmux = startTutor(['--lang', lang, '--ssh-config', join(home, '.ssh', 'config')], join(home, `state-${lang}`));
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
    writeLongStepCourse(pack, {
      id: 'cancel',
      marker,
      started: 'started',
      prose: { ko: '오래 걸리는 명령입니다. Ctrl-C나 Esc로 취소할 수 있습니다.', en: 'A command that takes long. Ctrl-C or Esc cancels it.' },
    });
    const tmux = startTutor(['--lang', lang, '--ssh-config', join(home, '.ssh', 'config'), '--lessons', pack], join(home, `state-cancel-${lang}`));
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

/**
 * A ProxyCommand relay (stdin/stdout <-> TCP) that lets at most `rate` bytes per second go to the
 * server: the copy then takes long enough to be seen in progress, whatever the machine's speed.
 */
function writeSlowRelay(file: string): void {
  writeFileSync(
    file,
    [
      "const net = require('node:net');",
      'const [host, port, rate] = process.argv.slice(2);',
      'const s = net.connect(Number(port), host);',
      'const started = Date.now(); let sent = 0;',
      "process.stdin.on('data', (chunk) => {",
      '  s.write(chunk); sent += chunk.length;',
      '  const ahead = sent / Number(rate) * 1000 - (Date.now() - started);',
      '  if (ahead > 0) { process.stdin.pause(); setTimeout(() => process.stdin.resume(), ahead); }',
      '});',
      "s.on('data', (d) => process.stdout.write(d));",
      "s.on('close', () => process.exit(0)); process.stdin.on('end', () => s.end());",
      "s.on('error', () => process.exit(7));",
    ].join('\n'),
  );
}

/** A one-page pack whose step copies a 40 MB file and a unit file to `to` (key u). */
function writeCopyPack(dir: string, to: string): void {
  coursePackWriter(dir, 'copy', ['01-copy'])(
    '01-copy',
    `page: copy
steps:
  - id: copy
    where: jumpbox
    run:
      - scp downloads/kube-apiserver units/kube-apiserver.service root@server:${to}/
    upload:
      to: ${to}
      files: [downloads/kube-apiserver, units/kube-apiserver.service]
    checks:
      - { kind: file, where: server, path: ${to}/kube-apiserver, sameAs: downloads/kube-apiserver }
    hints: [h]
`,
    '# 복사\n\n<!-- step: copy -->\n## 파일 보내기\n\n바이너리와 유닛 파일을 서버로 보냅니다.\n\n<!-- hint: copy.h -->\n힌트.\n',
    '# Copy\n\n<!-- step: copy -->\n## Send the files\n\nThe binary and its unit file go to the server.\n\n<!-- hint: copy.h -->\nA hint.\n',
  );
}

describe.each(['ko', 'en'] as const)("the tutor's own copy in a real terminal (%s)", (lang) => {
  it('shows per-file progress with a total, rate and ETA: matches the golden screen; Esc cancels it cleanly', async () => {
    const base = join(home, `copy-${lang}`);
    const jumpbox = join(base, 'jumpbox');
    const to = join(base, 'server');
    mkdirSync(join(jumpbox, 'downloads'), { recursive: true });
    mkdirSync(join(jumpbox, 'units'), { recursive: true });
    mkdirSync(to, { recursive: true });
    execFileSync('head', ['-c', '40000000', '/dev/urandom'], { stdio: ['ignore', openSync(join(jumpbox, 'downloads', 'kube-apiserver'), 'w'), 'ignore'] });
    writeFileSync(join(jumpbox, 'units', 'kube-apiserver.service'), '[Unit]\n');
    writeCopyPack(join(base, 'pack'), to);
    const relay = join(base, 'relay.cjs');
    writeSlowRelay(relay);
    const config = join(base, 'ssh_config');
    // 4 MB/s to the server: the 40 MB copy takes about 10 s.
    writeFileSync(config, readFileSync(join(home, '.ssh', 'config'), 'utf8') + `  ProxyCommand ${process.execPath} ${relay} %h %p 4000000\n`);
    const tmux = startTutor(['--lang', lang, '--ssh-config', config, '--lessons', join(base, 'pack'), '--workdir', jumpbox], join(base, 'state'));
    // Checked once (the copy is not there yet), with the offer of key u under the step.
    const checked = lang === 'ko' ? '점검 결과:' : 'Checks:';
    await tmux.waitFor((s) => s.includes(checked) && !s.includes('⟳'), 50_000);
    tmux.send('u');
    await tmux.waitFor((s) => s.includes(lang === 'ko' ? '보낼까요' : 'with the tutor?'), 15_000);
    tmux.send('y');
    // Well into the big file, with the total line's rate and ETA known.
    const progress = /kube-apiserver +([1-9]\d?\.\d) MB \/ 40\.0 MB/;
    const screen = await tmux.waitFor((s) => progress.test(s) && /\d+ MB\/s/.test(s) && Number(progress.exec(s)![1]) >= 8, 30_000);
    const normalized = normalize(screen)
      .replaceAll(base, '<BASE>')
      .replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /g, '<S> ')
      .replace(/\d+(초째| s;)/, (m) => `<N>${m.replace(/^\d+/, '')}`)
      .replace(/\d+\.\d MB \/ 40\.0 MB +\d+ %/, '<N> MB / 40.0 MB  <P> %')
      .replace(/(total|전체) \d+\.\d MB/, '$1 <N> MB')
      .replace(/\d+(\.\d)? [kMG]?B\/s/, '<R>/s')
      .replace(/(ETA|남은 시간) \d+:\d+/, '$1 <T>');
    const file = join(goldenDir, `copy-progress-${lang}.txt`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(file, normalized + '\n');
    expect(normalized + '\n').toBe(readFileSync(file, 'utf8'));

    tmux.send('Escape');
    await tmux.waitFor((s) => s.includes(lang === 'ko' ? '복사를 취소했습니다' : 'The copy was cancelled'), 15_000);
    tmux.send('q');
    // Nothing half-written under the final name.
    expect(existsSync(join(to, 'kube-apiserver'))).toBe(false);
  }, 120_000);
});
