// `kthw-tutor instructor` and `kthw-tutor report` as real processes against real sshd
// instances, one per student: a roster in, every export format out; a student whose server is
// down shown from their own report file (and marked so); a host key pinned in the roster
// recorded, an unpinned unknown one not; a bad roster named by file:line with exit 2.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classCli, writeClassCourse } from '../helpers/class-course.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';

let home: string;
let ahead: Sshd, early: Sshd, down: Sshd;
const cli = (args: string[]) => classCli(home)(args);

const STEPS = `page: class
steps:
  - id: one
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'test -f "$HOME/one" && echo done', stdout: { equals: done } }
    hints: [h]
  - id: two
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'test -f "$HOME/two" && echo "<b>done</b>"', stdout: { equals: '<b>done</b>' } }
    hints: [h]
`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kthw-instructor-'));
  writeClassCourse(home, STEPS);
  [ahead, early, down] = await Promise.all([startSshd({ extraConfig: ['ListenAddress 127.0.0.2', 'ListenAddress 127.0.0.3'] }), startSshd(), startSshd()]);
  for (const f of ['one', 'two']) writeFileSync(join(ahead.dir, 'home', f), '');
  writeFileSync(join(early.dir, 'home', 'one'), '');
  await down.pause();
  const knownHosts = join(home, 'known_hosts');
  writeFileSync(knownHosts, [ahead, early, down].map((s) => `${s.knownHostsLine}\n`).join(''));
  writeFileSync(
    join(home, 'ssh_config'),
    `Host *\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile none\n  IdentityAgent none\n  ConnectTimeout 3\n`,
  );
  const student = (name: string, s: Sshd, host = '127.0.0.1', extra = '') =>
    `  - name: ${name}\n    host: ${host}\n    port: ${s.port}\n    user: root\n    identity_file: ${s.clientKeyPath}\n${extra}`;
  writeFileSync(
    join(home, 'class.yaml'),
    [
      'students:',
      student('김민준', ahead),
      student('Sam Early', early),
      student('이서연', down),
      student('Pinned', ahead, '127.0.0.2', `    host_key: ${ahead.hostKeyFingerprint}\n`),
      student('Unpinned', ahead, '127.0.0.3'),
    ].join('\n'),
  );
  // 이서연's own record: step one passed, handed in as a report file.
  mkdirSync(join(home, 'reports'));
  writeFileSync(
    join(home, 'reports', 'seoyeon.json'),
    JSON.stringify({
      format: 'kthw-tutor.student-report',
      version: 1,
      createdAt: '2026-12-03T09:00:00.000Z',
      tutorVersion: '0.1.0',
      lessonPackHash: 'x',
      lang: 'ko',
      target: `root@127.0.0.1:${down.port}`,
      steps: [
        { id: 'one', page: 1, title: 'one', firstPassedAt: '2026-12-03T08:00:00.000Z', attempts: 1, hintsUsed: 0, evidence: [] },
        { id: 'two', page: 1, title: 'two', attempts: 4, hintsUsed: 2, evidence: [] },
      ],
    }),
  );
}, 60_000);
afterAll(async () => {
  await Promise.all([ahead, early, down].map((s) => s?.stop()));
  rmSync(home, { recursive: true, force: true });
});

describe('kthw-tutor instructor', () => {
  it('--export json: every student placed, a report file used for the one that is down, a pinned key recorded', async () => {
    const r = await cli(['instructor', join(home, 'class.yaml'), '--export', 'json', '--reports', join(home, 'reports'), '--timeout', '10']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const snapshot = JSON.parse(r.stdout) as {
      students: Array<{ name: string; source: string; reach: { kind: string; reason?: string }; currentStep: string | null; steps: Record<string, { status: string }> }>;
    };
    const by = Object.fromEntries(snapshot.students.map((s) => [s.name, s]));
    expect(by['김민준']).toMatchObject({ source: 'live', reach: { kind: 'ok' }, currentStep: null });
    expect(by['Sam Early']).toMatchObject({ reach: { kind: 'ok' }, currentStep: 'two' });
    expect(by['Sam Early']!.steps.two!.status).toBe('failing');
    expect(by['이서연']).toMatchObject({ source: 'report', currentStep: 'two' });
    expect(by['이서연']!.steps.one!.status).toBe('passed');
    expect(by['Pinned']).toMatchObject({ reach: { kind: 'ok' }, currentStep: null });
    expect(by['Unpinned']!.reach.kind).toBe('host-key-unknown');
    const known = readFileSync(join(home, 'known_hosts'), 'utf8');
    expect(known).toContain(`127.0.0.2]:${ahead.port}`);
    expect(known).not.toContain(`127.0.0.3]:${ahead.port}`);
  }, 90_000);

  it('--export csv, junit, html, md write files a spreadsheet, a CI server and a browser can open', async () => {
    const out = (ext: string) => join(home, `class.${ext}`);
    for (const [format, ext] of [['csv', 'csv'], ['junit', 'xml'], ['html', 'html'], ['md', 'md']] as const) {
      const r = await cli(['instructor', join(home, 'class.yaml'), '--export', format, '--out', out(ext), '--timeout', '10']);
      expect(r.code, r.stderr).toBe(0);
    }
    const csv = readFileSync(out('csv'), 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain('김민준');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(6); // header + 5 students
    const junit = readFileSync(out('xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(5);
    const html = readFileSync(out('html'), 'utf8');
    expect(html).not.toContain('<b>done</b>'); // what a server printed is text, escaped
    expect(html).not.toMatch(/<script/i);
    expect(readFileSync(out('md'), 'utf8')).toContain('Sam Early');
  }, 120_000);

  it('without a terminal, prints the board as text', async () => {
    const r = await cli(['instructor', join(home, 'class.yaml'), '--timeout', '10']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.find((l) => l.startsWith('Sam Early'))).toMatch(/1\/2/);
  }, 90_000);

  it('a bad roster: file:line, what to do, exit 2', async () => {
    writeFileSync(join(home, 'bad.yaml'), 'students:\n  - name: a\n    host: x\n    port: 70000\n');
    const r = await cli(['instructor', join(home, 'bad.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(home, 'bad.yaml')}:4:`);
    expect(r.stdout).toBe('');
  });
});

describe('kthw-tutor report', () => {
  it('writes the learner record of the target as a student report', async () => {
    writeFileSync(
      join(home, 'ssh_config'),
      readFileSync(join(home, 'ssh_config'), 'utf8') + `Host server\n  HostName 127.0.0.1\n  Port ${early.port}\n  User root\n  IdentityFile ${early.clientKeyPath}\n`,
    );
    // A check first: it records the first pass of step one on this server.
    expect((await cli(['check'])).code).toBe(1);
    const r = await cli(['report', '--out', join(home, 'mine.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 of 2 steps passed on record');
    const report = JSON.parse(readFileSync(join(home, 'mine.json'), 'utf8')) as { format: string; target: string; steps: Array<{ id: string; firstPassedAt?: string }> };
    expect(report.format).toBe('kthw-tutor.student-report');
    expect(report.target).toBe(`root@127.0.0.1:${early.port}`);
    expect(report.steps.map((s) => [s.id, !!s.firstPassedAt])).toEqual([
      ['one', true],
      ['two', false],
    ]);
  }, 90_000);
});
