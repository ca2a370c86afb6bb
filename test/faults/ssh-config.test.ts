// A bad ssh_config (issue 9, item 4), through the real CLI against a real sshd: OpenSSH's own
// answer (`ssh -G`) names the file and line, `check` says what to do and exits 1 (an error, as
// documented), and the progress already recorded is untouched. Without an ssh binary, what the
// tutor cannot follow (Match, CertificateFile) is a line in the report, never silent.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli-args.js';
import { writeMiniCourse } from '../helpers/mini-course.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { logFault } from '../helpers/fault-log.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('tsx')).href;

let sshd: Sshd;
let root: string;
let course: string;
let noSshPath: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], env: { state: string; PATH?: string; LANG?: string }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsx, join(repo, 'src', 'cli.tsx'), '--lessons', course, ...args],
      { cwd: root, env: { PATH: env.PATH ?? process.env.PATH ?? '', HOME: root, XDG_STATE_HOME: env.state, LANG: env.LANG ?? 'C.UTF-8' }, timeout: 40_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

function configLines(extra: string[] = []): string[] {
  const knownHosts = join(root, 'known_hosts');
  return [
    'Host server',
    ...extra.map((l) => `  ${l}`),
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    '  User root',
    `  IdentityFile ${sshd.clientKeyPath}`,
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile none',
    '',
  ];
}

/** Every file under the progress directory with its bytes. */
function snapshot(state: string): Record<string, string> {
  const dir = join(state, 'kthw-tutor', 'progress');
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

beforeAll(async () => {
  sshd = await startSshd();
  root = mkdtempSync(join(tmpdir(), 'kthw-sshcfg-fault-'));
  course = join(root, 'course');
  const serverWork = join(root, 'server');
  writeMiniCourse(course, serverWork);
  mkdirSync(join(serverWork, 'etc'), { recursive: true });
  writeFileSync(join(serverWork, 'etc', 'app.conf'), 'hello\n', { mode: 0o600 });
  writeFileSync(join(root, 'known_hosts'), `${sshd.knownHostsLine}\n`);
  // A PATH with node's tools but no ssh: the fallback parser's world.
  noSshPath = join(root, 'bin-no-ssh');
  mkdirSync(noSshPath);
  symlinkSync(process.execPath, join(noSshPath, 'node'));
});
afterAll(async () => {
  await sshd?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a bad ssh_config line', () => {
  it.each([
    ['an unknown keyword', 'Frobnicate yes', /Bad configuration option: frobnicate/],
    ['a bad port', 'Port eighty', /Bad port 'eighty'/],
    ['an invalid ProxyJump', 'ProxyJump a,,b', /Invalid ProxyJump/],
  ])('%s: check names file:line (ssh -G), says what to do, exits 1, progress intact', async (what, line, said) => {
    const state = join(root, `state-${what.replace(/\W+/g, '-')}`);
    const config = join(root, `config-${what.replace(/\W+/g, '-')}`);
    writeFileSync(config, configLines().join('\n'));
    const good = await cli(['check', '--ssh-config', config], { state });
    expect(good.code, good.stderr).toBe(EXIT.OK);
    const before = snapshot(state);
    expect(Object.keys(before).length).toBeGreaterThan(0);

    // The bad line goes on line 2, inside the Host block.
    writeFileSync(config, configLines([line]).join('\n'));
    const bad = await cli(['check', '--ssh-config', config], { state });
    logFault(`ssh_config: ${what} (check)`, bad.ms, `exit ${bad.code}; ${config}:2 named by ssh -G`);
    expect(bad.code).toBe(EXIT.CHECKS_FAILED);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`${config}:2:`);
    expect(bad.stderr).toMatch(said);
    expect(bad.stderr).toContain('ssh -G server');
    expect(bad.stderr).not.toMatch(/^\s+at .+[:(]\d+/m);
    expect(snapshot(state)).toEqual(before);
  });

  it('in Korean too', async () => {
    const config = join(root, 'config-ko');
    writeFileSync(config, configLines(['Frobnicate yes']).join('\n'));
    const r = await cli(['check', '--lang', 'ko', '--ssh-config', config], { state: join(root, 'state-ko') });
    expect(r.code).toBe(EXIT.CHECKS_FAILED);
    expect(r.stderr).toContain(`${config}:2:`);
    expect(r.stderr).toContain('ssh가 이 줄을 거부합니다');
  });

  it('without an ssh binary the parser refuses the same line, naming it', async () => {
    const config = join(root, 'config-nossh');
    writeFileSync(config, configLines(['Frobnicate yes']).join('\n'));
    const r = await cli(['check', '--ssh-config', config], { state: join(root, 'state-nossh'), PATH: noSshPath });
    logFault('ssh_config: unknown keyword, no ssh binary (check)', r.ms, `exit ${r.code}; ${config}:2 named by the parser`);
    expect(r.code).toBe(EXIT.CHECKS_FAILED);
    expect(r.stderr).toContain(`${config}:2:`);
    expect(r.stderr).toContain('Frobnicate');
  });
});

describe('without an ssh binary, what the tutor does not follow is said', () => {
  it('Match and CertificateFile: a line each in the report (text and JSON); the checks still run', async () => {
    const config = join(root, 'config-unsupported');
    const lines = [...configLines(['CertificateFile ~/.ssh/id_cert.pub']), 'Match all', '  User nobody', ''];
    writeFileSync(config, lines.join('\n'));
    const matchLine = lines.indexOf('Match all') + 1;
    const state = join(root, 'state-unsupported');
    const text = await cli(['check', '--ssh-config', config], { state, PATH: noSshPath });
    logFault('ssh_config: Match / CertificateFile without ssh (check)', text.ms, `exit ${text.code}; both named in the report`);
    expect(text.code, text.stderr).toBe(EXIT.OK);
    const notices = text.stdout.split('\n').filter((l) => l.startsWith('! '));
    expect(notices).toEqual([
      expect.stringContaining(`${config}:${matchLine}: the tutor does not evaluate Match blocks`),
      expect.stringContaining(`${config}:2: the tutor does not support CertificateFile`),
    ]);
    const json = await cli(['check', '--json', '--ssh-config', config], { state, PATH: noSshPath });
    const report = JSON.parse(json.stdout) as { notices: Array<Record<string, unknown>> };
    expect(report.notices).toEqual([
      expect.objectContaining({ kind: 'ssh-config', file: config, line: matchLine, keyword: 'Match' }),
      expect.objectContaining({ kind: 'ssh-config', file: config, line: 2, keyword: 'CertificateFile' }),
    ]);
  });
});
