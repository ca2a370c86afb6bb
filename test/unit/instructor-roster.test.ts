// The YAML roster format of instructor mode: the fixture class reads as written (Korean names
// byte for byte, defaults, per-student overrides), and every mistake is reported as
// `file:line: what is wrong; what to do` at the line that has it, all of them in one pass.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/index.js';
import {
  readRoster,
  ROSTER_MESSAGES_EN,
  RosterError,
  translateRosterProblem,
  type RosterProblem,
  type RosterProblemCode,
} from '../../src/instructor/roster.js';

const CLASS = join(import.meta.dirname, '../fixtures/rosters/class.yaml');
const dir = mkdtempSync(join(tmpdir(), 'kthw-roster-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(text: string, ext = '.yaml'): string {
  const file = join(dir, `r${n++}${ext}`);
  writeFileSync(file, text);
  return file;
}

function problemsOf(file: string): { problems: RosterProblem[]; message: string } {
  try {
    readRoster(file);
  } catch (err) {
    expect(err).toBeInstanceOf(RosterError);
    return { problems: (err as RosterError).problems, message: (err as Error).message };
  }
  throw new Error(`${file} was read without a problem`);
}

/** 1-based line of the first line containing `needle` (the test's own reading of the file). */
function lineOf(text: string, needle: string, from = 0): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l, k) => k >= from && l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i + 1;
}

describe('the class.yaml fixture', () => {
  const text = readFileSync(CLASS, 'utf8');
  const roster = readRoster(CLASS);

  it('has every student, named exactly as the file spells them, at the line of their entry', () => {
    const written = [...text.matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1]!);
    expect(written.length).toBe(10);
    expect(roster.format).toBe('roster');
    expect(roster.students.map((s) => s.name)).toEqual(written);
    expect(roster.students.map((s) => s.source.line)).toEqual(written.map((w) => lineOf(text, `- name: ${w}`)));
    expect(roster.students.every((s) => s.source.file === CLASS)).toBe(true);
  });

  it('applies defaults, and a student’s own value replaces them', () => {
    const by = Object.fromEntries(roster.students.map((s) => [s.name, s]));
    expect(by['김민수']).toMatchObject({ host: '10.0.0.11', user: 'ubuntu', identityFile: '~/.ssh/class_ed25519', proxyJump: 'teacher@bastion.class.lab:2222' });
    expect(by['김민수']!.port).toBeUndefined();
    expect(by['이영희']!.port).toBe(2202);
    expect(by['박지성']!.user).toBe('jisung');
    // identity_agent of the student replaces the default identity_file instead of adding to it
    expect(by['최유리']).toMatchObject({ identityAgent: '/run/user/1000/yuri-agent.sock' });
    expect(by['최유리']!.identityFile).toBeUndefined();
    expect(by['정하늘']!.proxyJump).toBeUndefined(); // proxy_jump: none
    expect(by['조현우']!.proxyJump).toBe('teacher@bastion.class.lab:2222,gw.lab');
    expect(by['임수빈']).toMatchObject({ host: '10.0.0.20', user: '수빈', groups: ['화요일반'] });
    expect(by['강다은']!.groups).toEqual(['심화', '월요일반']);
    expect(by['김민수']!.hostKeyFingerprint).toBe('SHA256:uZbRUnRbuLCrmaVmEzMKmUhDtQ5jyivYWoY5nPj6V0E');
  });
});

describe('Korean names', () => {
  it('are kept exactly, decomposed (NFD) ones too', () => {
    const nfd = '김민수'.normalize('NFD');
    const file = write(`students:\n  - name: ${nfd}\n    host: a\n  - name: 이영희\n    host: b\n`);
    const names = readRoster(file).students.map((s) => s.name);
    expect(names[0]).toBe(nfd);
    expect(names[0]).not.toBe('김민수');
    expect(names[1]).toBe('이영희');
  });

  it('that look the same (NFC and NFD) are one name twice', () => {
    const file = write(`students:\n  - name: 김민수\n    host: a\n  - name: ${'김민수'.normalize('NFD')}\n    host: b\n`);
    const { problems } = problemsOf(file);
    expect(problems).toMatchObject([{ code: 'duplicate-name', line: 4, params: { first: 2 } }]);
  });
});

describe('mistakes in a roster name file:line and what to do', () => {
  const cases: Array<{ what: string; text: string; code: RosterProblemCode; at: string; mentions: string }> = [
    { what: 'unknown key', text: 'students:\n  - name: 김민수\n    host: a\n    prot: 22\n', code: 'unknown-key', at: 'prot:', mentions: 'prot' },
    { what: 'unknown top-level key', text: 'student:\n  - name: a\nstudents:\n  - name: b\n    host: h\n', code: 'unknown-key', at: 'student:', mentions: 'students' },
    { what: 'unknown key in defaults', text: 'defaults:\n  username: x\nstudents:\n  - name: b\n    host: h\n', code: 'unknown-key', at: 'username', mentions: 'user' },
    { what: 'missing host', text: 'students:\n  - name: 김민수\n    port: 22\n', code: 'missing-key', at: '- name: 김민수', mentions: 'host' },
    { what: 'missing name', text: 'students:\n  - host: a\n', code: 'missing-key', at: '- host: a', mentions: 'name' },
    { what: 'empty name', text: 'students:\n  - name: " "\n    host: a\n', code: 'bad-name', at: 'name:', mentions: 'name' },
    { what: 'port 0', text: 'students:\n  - name: a\n    host: h\n    port: 0\n', code: 'bad-port', at: 'port: 0', mentions: '65535' },
    { what: 'port too big', text: 'students:\n  - name: a\n    host: h\n    port: 70000\n', code: 'bad-port', at: 'port: 70000', mentions: '70000' },
    { what: 'port as text', text: 'students:\n  - name: a\n    host: h\n    port: "22"\n', code: 'bad-port', at: 'port:', mentions: '22' },
    { what: 'port in defaults', text: 'defaults:\n  port: 22.5\nstudents:\n  - name: a\n    host: h\n', code: 'bad-port', at: 'port: 22.5', mentions: '22.5' },
    { what: 'duplicate name', text: 'students:\n  - name: 김민수\n    host: a\n  - name: 김민수\n    host: b\n', code: 'duplicate-name', at: '- name: 김민수', mentions: 'line 2' },
    { what: 'bad fingerprint', text: 'students:\n  - name: a\n    host: h\n    host_key: MD5:aa:bb\n', code: 'bad-fingerprint', at: 'host_key', mentions: 'ssh-keygen -lf' },
    { what: 'short fingerprint', text: 'students:\n  - name: a\n    host: h\n    host_key: SHA256:abc\n', code: 'bad-fingerprint', at: 'host_key', mentions: 'SHA256:abc' },
    { what: 'host with a space', text: 'students:\n  - name: a\n    host: my server\n', code: 'bad-host', at: 'host:', mentions: 'my server' },
    { what: 'host as a number', text: 'students:\n  - name: a\n    host: 1234\n', code: 'not-text', at: 'host:', mentions: 'quotes' },
    { what: 'bad proxy jump', text: 'students:\n  - name: a\n    host: h\n    proxy_jump: "gw:99999"\n', code: 'bad-proxy-jump', at: 'proxy_jump', mentions: '-J' },
    { what: 'identity file and agent', text: 'students:\n  - name: a\n    host: h\n    identity_file: k\n    identity_agent: s\n', code: 'identity-conflict', at: 'identity_agent', mentions: 'keep one' },
    { what: 'entry not a mapping', text: 'students:\n  - name: a\n    host: h\n  - just a name\n', code: 'entry-shape', at: '- just a name', mentions: 'mapping' },
    { what: 'groups not a list', text: 'students:\n  - name: a\n    host: h\n    groups: {a: 1}\n', code: 'not-list', at: 'groups:', mentions: 'groups' },
    { what: 'no students', text: 'defaults:\n  user: u\nstudents: []\n', code: 'no-students', at: 'students:', mentions: 'at least one' },
    { what: 'YAML syntax', text: 'students:\n  - name: a\n    host: h: i\n', code: 'yaml-syntax', at: 'host:', mentions: 'YAML' },
    { what: 'duplicate key', text: 'students:\n  - name: a\n    host: h\n    host: i\n', code: 'yaml-syntax', at: 'host: i', mentions: 'YAML' },
  ];

  for (const c of cases) {
    it(c.what, () => {
      const file = write(c.text);
      const { problems, message } = problemsOf(file);
      const p = problems.find((x) => x.code === c.code);
      expect(p, `${c.what}: got ${message}`).toBeDefined();
      const line = lineOf(c.text, c.at, c.what === 'duplicate name' ? 2 : 0);
      expect(p!.line).toBe(line);
      expect(message).toContain(`${file}:${line}: `);
      expect(p!.message).toContain(c.mentions);
    });
  }

  it('reports every problem of a roster in one pass, in line order', () => {
    const text = 'students:\n  - name: a\n    host: h\n    port: 0\n  - name: b\n  - name: a\n    host: h2\n    colour: red\n';
    const file = write(text);
    const { problems, message } = problemsOf(file);
    expect(problems.map((p) => [p.line, p.code])).toEqual([
      [4, 'bad-port'],
      [5, 'missing-key'],
      [6, 'duplicate-name'],
      [8, 'unknown-key'],
    ]);
    expect(message.split('\n').slice(1).every((l) => l.startsWith(`  ${file}:`))).toBe(true);
  });

  it('an unreadable file names the file and the reason, without a line', () => {
    const missing = join(dir, 'nope.yaml');
    const { problems, message } = problemsOf(missing);
    expect(problems).toMatchObject([{ code: 'unreadable', line: 0, params: { reason: 'ENOENT' } }]);
    expect(message).toBe(`${missing}: ${problems[0]!.message}`);
  });
});

describe('format detection', () => {
  it('reads a YAML file whose students: is a group mapping as an Ansible inventory', () => {
    const r = readRoster(write('students:\n  hosts:\n    김민수:\n      ansible_port: 2201\n'));
    expect(r.format).toBe('ansible-yaml');
    expect(r.students).toMatchObject([{ name: '김민수', host: '김민수', port: 2201, groups: ['students'] }]);
  });

  it('reads a file without an extension that is not YAML as INI, and .ini always as INI', () => {
    const r = readRoster(write('[class]\n김민수 ansible_host=10.0.0.1\n', ''));
    expect(r.format).toBe('ansible-ini');
    expect(r.students).toMatchObject([{ name: '김민수', host: '10.0.0.1', groups: ['class'] }]);
    // ansible's INI reading of YAML: `a:` is a host name ending in ":" (ansible refuses it too)
    const file = write('a: b\n', '.ini');
    expect(problemsOf(file).problems).toMatchObject([{ code: 'host-colon', line: 1 }]);
  });
});

describe('translations of roster problems', () => {
  const translator = createTranslator();
  it('every problem code has an English text equal to the code’s message and a Korean one', () => {
    const en = JSON.parse(readFileSync(join(import.meta.dirname, '../../locales/en/instructor.json'), 'utf8')) as { roster: Record<string, string> };
    expect(en.roster).toEqual(ROSTER_MESSAGES_EN);
    const ko = translator.forLang('ko');
    for (const code of Object.keys(ROSTER_MESSAGES_EN)) {
      const text = ko(`instructor:roster.${code}`, {});
      expect(text, code).not.toBe(`roster.${code}`);
      expect(text, code).not.toBe(ROSTER_MESSAGES_EN[code as RosterProblemCode]);
    }
  });

  it('keeps the file:line prefix and fills the parameters in Korean', () => {
    const file = write('students:\n  - name: 김민수\n    host: h\n    port: 0\n');
    const { problems } = problemsOf(file);
    const ko = translateRosterProblem(problems[0]!, translator.forLang('ko'));
    expect(ko).toBe(`${file}:4: 포트 0은(는) TCP 포트가 아닙니다. 1부터 65535 사이의 정수를 쓰세요.`);
    expect(translateRosterProblem(problems[0]!, translator.forLang('en'))).toBe(`${file}:4: ${problems[0]!.message}`);
  });
});
