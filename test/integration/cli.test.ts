// The command line as scripts and CI use it: real process, real sshd, no terminal.
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLessonsDir, loadCourse } from '../../src/course/loader.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { progressFileName } from '../../src/progress/paths.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// tsx found from the repo, so the CLI can also run in another working directory.
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;
let sshd: Sshd;
let home: string;

function cli(args: string[], env: Record<string, string> = {}, cwd = repo): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // ssh (and so the tutor) reads the passwd home's ~/.ssh/config, not $HOME's: name it.
      ['--import', tsx, join(repo, 'src', 'cli.tsx'), ...args, ...(args.includes('--ssh-config') || args[0]?.startsWith('-') ? [] : ['--ssh-config', join(home, '.ssh', 'config')])],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_STATE_HOME: join(home, 'state'), LANG: 'C.UTF-8', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  sshd = await startSshd();
  home = mkdtempSync(join(tmpdir(), 'kthw-cli-'));
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  writeFileSync(
    join(home, '.ssh', 'config'),
    `Host server\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n  UserKnownHostsFile ${join(home, '.ssh', 'known_hosts')}\n  GlobalKnownHostsFile none\n  IdentityAgent none\n`,
  );
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('kthw-tutor on the command line', () => {
  it('--version and --help', async () => {
    expect((await cli(['--version'])).stdout).toMatch(/^kthw-tutor \d+\.\d+\.\d+\n$/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kthw-tutor check [--page N] [--json]');
  });

  it('a usage error says what is wrong and exits 2', async () => {
    const r = await cli(['--lang', 'jp']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('kthw-tutor: --lang must be ko or en, not "jp"\n');
  });

  it('check refuses an unknown host key without a person to ask, records nothing, and exits 3', async () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), '');
    const r = await cli(['check', '--page', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/root@127\.0\.0\.1:\d+/);
    expect(r.stderr).toContain(sshd.hostKeyFingerprint);
    expect(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8')).toBe('');
  });

  it('check exits 3 when nothing listens on the server\'s port (not 1, which means a check failed)', async () => {
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => done(p));
      });
    });
    const config = join(home, 'dead-port.config');
    writeFileSync(config, `Host server\n  HostName 127.0.0.1\n  Port ${port}\n  User root\n  IdentityFile ${sshd.clientKeyPath}\n  IdentityAgent none\n`);
    const r = await cli(['check', '--page', '1', '--json', '--ssh-config', config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  }, 60_000);

  it('--help lists every exit code', async () => {
    const help = (await cli(['--help'])).stdout;
    for (const code of ['0', '1', '2', '3']) expect(help).toMatch(new RegExp(`^  ${code}  \\S`, 'm'));
  });

  it('check --json reports every step of the page; exit 1 while any check fails', async () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n');
    const r = await cli(['check', '--page', '1', '--json', '--lang', 'ko']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ target: `root@127.0.0.1:${sshd.port}`, lang: 'ko', ok: false });
    expect(report.pages).toHaveLength(1);
    const [prereq] = report.pages[0].steps;
    expect(prereq.id).toBe('prerequisites');
    // This machine is not a chapter-8 server: the prerequisite files are not in /root.
    expect(prereq.status).toBe('failed');
    expect(prereq.checks.find((c: { checkId: string }) => c.checkId === 'ca-crt').findings[0]).toMatchObject({
      property: 'exists',
      expected: 'true',
      found: 'false',
    });
  });

  it('check --json: every check carries where it ran, its own `where` or else its step\'s (page 6\'s version check: jumpbox)', async () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n');
    const r = await cli(['check', '--json', '--lang', 'en']);
    const report = JSON.parse(r.stdout) as { pages: Array<{ steps: Array<{ id: string; checks: Array<{ checkId: string; where: string }> }> }> };
    const course = loadCourse(defaultLessonsDir());
    const expected = course.pages.flatMap((p) => p.steps.flatMap((s) => (s.checks ?? []).map((c) => `${s.id}/${c.id} ${c.where ?? s.where}`)));
    const reported = report.pages.flatMap((p) => p.steps.flatMap((s) => s.checks.map((c) => `${s.id}/${c.checkId} ${c.where}`)));
    expect(reported).toEqual(expected);
    expect(reported).toContain('version-from-jumpbox/version jumpbox');
  }, 60_000);

  it('check with a state directory it cannot write: says so once (text and JSON), exit from check results only', async () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n');
    const blocked = join(home, 'not-a-dir');
    writeFileSync(blocked, 'a file where the state directory should be'); // fails for root too
    const writable = await cli(['check', '--page', '1', '--json']);
    const json = await cli(['check', '--page', '1', '--json'], { XDG_STATE_HOME: blocked });
    expect(json.code).toBe(writable.code);
    const report = JSON.parse(json.stdout);
    expect(report.counts).toEqual(JSON.parse(writable.stdout).counts);
    expect(report.notices).toEqual([expect.objectContaining({ kind: 'not-saved', dir: join(blocked, 'kthw-tutor', 'progress'), reason: 'ENOTDIR' })]);
    expect(JSON.parse(writable.stdout).notices).toEqual([]);
    const ko = await cli(['check', '--page', '1', '--lang', 'ko'], { XDG_STATE_HOME: blocked });
    expect(ko.code).toBe(writable.code);
    expect(ko.stderr).not.toMatch(/ENOTDIR|EACCES|at .*\.ts/);
    const said = ko.stdout.split('\n').filter((l) => l.includes('진행 기록을 저장할 수 없습니다'));
    expect(said).toEqual([`! ${join(blocked, 'kthw-tutor', 'progress')}에 진행 기록을 저장할 수 없습니다(ENOTDIR). 튜터는 계속 쓸 수 있지만, 종료하면 기록이 남지 않습니다. 이 디렉터리에 쓰기 권한을 주거나 쓸 수 있는 디렉터리를 XDG_STATE_HOME으로 지정하세요.`]);
  }, 60_000);

  it('check reports a progress file it had to move aside (text and JSON)', async () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n');
    const state = mkdtempSync(join(home, 'state-corrupt-'));
    const dir = join(state, 'kthw-tutor', 'progress');
    mkdirSync(dir, { recursive: true });
    const key = `root@127.0.0.1:${sshd.port}`;
    writeFileSync(join(dir, progressFileName(key)), JSON.stringify({ version: 2, target: {}, steps: {} }));
    const r = await cli(['check', '--page', '1', '--json'], { XDG_STATE_HOME: state });
    const report = JSON.parse(r.stdout);
    expect(report.notices).toHaveLength(1);
    const [n] = report.notices;
    expect(n).toMatchObject({ kind: 'corrupt', file: join(dir, progressFileName(key)) });
    expect(readdirSync(dir)).toContain(n.movedTo.slice(dir.length + 1));
    expect(n.text).toContain(n.movedTo);
    const again = await cli(['check', '--page', '1'], { XDG_STATE_HOME: state });
    expect(again.stdout).not.toMatch(/^! /m); // moved once, said once
  }, 60_000);

  it('check in Korean: the summary line is Korean and counts what the JSON report counts', async () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n');
    const json = JSON.parse((await cli(['check', '--page', '1', '--json', '--lang', 'ko'])).stdout) as { counts: Record<string, number> };
    const r = await cli(['check', '--page', '1', '--lang', 'ko']);
    expect(r.code).toBe(1);
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    const { passed, failed, unavailable } = json.counts;
    expect(last).toBe(`통과 ${passed}개 · 실패 ${failed}개 · 점검 불가 ${unavailable}개`);
    expect(r.stdout).not.toMatch(/\d+ (passed|failed|unavailable)/);
  }, 60_000);

  it('a target that does not parse: one message, in the language asked for, exit 2', async () => {
    const en = await cli(['check', '--target', 'root@', '--lang', 'en']);
    expect(en).toMatchObject({ code: 2, stdout: '', stderr: 'kthw-tutor: "root@" is not a target: write [user@]host[:port], e.g. root@server or server.\n' });
    const ko = await cli(['check', '--target=root@', '--lang=ko']);
    expect(ko.code).toBe(2);
    expect(ko.stderr).toContain('서버 주소로 쓸 수 없는 값입니다: "root@"');
  }, 60_000);

  it('without a terminal, prints every page as plain text (no escapes) and exits 0', async () => {
    const r = await cli([], { LANG: 'en_US.UTF-8' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1/6 · ');
    expect(r.stdout).toContain('6/6 · ');
    expect(r.stdout).not.toMatch(/\x1b/);
  });

  it('export --lang ko --out FILE writes the whole chapter as UTF-8 Markdown and says where', async () => {
    const out = join(home, 'exports', 'chapter.md');
    mkdirSync(dirname(out), { recursive: true });
    const r = await cli(['export', '--lang', 'ko', '--out', out]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stdout).toContain(out);
    // Decoding fails on any byte sequence that is not UTF-8.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(out));
    const course = loadCourse(defaultLessonsDir());
    course.pages.forEach((page, i) => expect(text).toContain(`# ${i + 1}. ${page.prose.ko!.title}\n`));
    expect(text.startsWith(`# 1. ${course.pages[0]!.prose.ko!.title}\n`)).toBe(true);
    const install = course.pages[1]!.steps[0]!;
    expect(text).toContain(`\`\`\`sh\n${install.run.join('\n')}\n\`\`\`\n`);
    expect(text).toMatch(/[\uac00-\ud7a3]/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('export picks the language like the tutor does, and names the file after it in the current folder', async () => {
    const here = mkdtempSync(join(home, 'cwd-'));
    const r = await cli(['export'], { LANG: 'ko_KR.UTF-8' }, here);
    expect(r.code).toBe(0);
    expect(readdirSync(here)).toEqual(['kthw-tutor-chapter8-ko.md']);
    // --out - : the document itself on stdout, nothing else, and no file.
    const toStdout = await cli(['export', '--lang', 'en', '--out', '-'], {}, here);
    expect(toStdout.code).toBe(0);
    const course = loadCourse(defaultLessonsDir());
    expect(toStdout.stdout.startsWith(`# 1. ${course.pages[0]!.prose.en!.title}\n`)).toBe(true);
    expect(toStdout.stdout).not.toContain(here);
    expect(readdirSync(here)).toEqual(['kthw-tutor-chapter8-ko.md']);
  });

  it('export to a path it cannot write says so in one line naming the path, exit 1', async () => {
    const out = join(home, 'no-such-folder', 'chapter.md');
    const r = await cli(['export', '--lang', 'en', '--out', out]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`kthw-tutor: cannot write ${out}: its folder does not exist\n`);
  });

  it('reset asks first; without a terminal it needs --yes', async () => {
    const refused = await cli(['reset', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const done = await cli(['reset', '1', '--yes']);
    expect(done.code).toBe(0);
    const files = readdirSync(join(home, 'state', 'kthw-tutor', 'progress'));
    expect(files.some((f) => f.startsWith('root@127.0.0.1_'))).toBe(true);
  });
});
