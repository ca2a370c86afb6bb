// A class checked at once against real sshd processes, one "student server" each, in mixed
// states: further along, stuck early, down, refusing the key, an unknown and a changed host
// key, and one whose check hangs. Only read-only server checks run (a check that would write is
// skipped, and the test proves on the server that it did not run); each student's trouble is
// theirs alone.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/checks/run.js';
import { loadCourse } from '../../src/course/loader.js';
import { createTranslator } from '../../src/i18n/index.js';
import { surveyClass, type StudentSurvey, type SurveyStudent } from '../../src/instructor/survey.js';
import { ConnectionPool } from '../../src/remote/pool.js';
import { writeClassCourse } from '../helpers/class-course.js';
import { keygen, startSshd, targetFor, type Sshd } from '../helpers/sshd.js';

const t = createTranslator().forLang('en');
let root: string;
const servers: Sshd[] = [];
let ahead: Sshd, early: Sshd, hung: Sshd, down: Sshd;

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
      - { kind: command, readOnly: true, run: 'test -f "$HOME/two" && echo done', stdout: { equals: done } }
      - { kind: command, run: 'touch "$HOME/written"; echo done', stdout: { equals: done } }
      - { kind: file, where: jumpbox, path: /etc/hostname }
    hints: [h]
  - id: three
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'if [ -f "$HOME/hang" ]; then sleep 30; fi; echo done', stdout: { equals: done } }
    hints: [h]
`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kthw-survey-'));
  writeClassCourse(root, STEPS);
  // `ahead` also answers on three more addresses, for the students whose trouble is on our side.
  [ahead, early, hung, down] = await Promise.all([
    startSshd({ extraConfig: ['ListenAddress 127.0.0.2', 'ListenAddress 127.0.0.3', 'ListenAddress 127.0.0.4'] }),
    startSshd(),
    startSshd(),
    startSshd(),
  ]);
  servers.push(ahead, early, hung, down);
  const home = (s: Sshd) => join(s.dir, 'home');
  for (const f of ['one', 'two', 'three']) writeFileSync(join(home(ahead), f), '');
  writeFileSync(join(home(early), 'one'), '');
  writeFileSync(join(home(hung), 'hang'), '');
  await down.pause();
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(root, { recursive: true, force: true });
});

async function students(): Promise<SurveyStudent[]> {
  const known = (s: Sshd, host = '127.0.0.1') => {
    const file = join(root, `known_hosts-${host}-${s.port}`);
    writeFileSync(file, `[${host}]:${s.port} ${s.hostKeyPub}\n`);
    return file;
  };
  const strangerKey = join(root, 'stranger');
  if (!existsSync(strangerKey)) await keygen(strangerKey, '');
  const changed = join(root, 'known_hosts-changed');
  writeFileSync(changed, `[127.0.0.4]:${ahead.port} ${early.hostKeyPub}\n`); // another server's key
  const unknown = join(root, 'known_hosts-empty');
  writeFileSync(unknown, '');
  return [
    { name: '김민준', target: await targetFor(ahead, { knownHostsFile: known(ahead) }) },
    { name: 'Sam Early', target: await targetFor(early, { knownHostsFile: known(early) }) },
    { name: '이서연', target: await targetFor(hung, { knownHostsFile: known(hung) }) },
    { name: 'Down', target: await targetFor(down, { knownHostsFile: known(down) }) },
    {
      name: 'Wrong key',
      target: await targetFor(ahead, { knownHostsFile: known(ahead, '127.0.0.2'), identityFile: strangerKey, extra: ['HostName 127.0.0.2'] }),
    },
    { name: 'Unknown key', target: await targetFor(ahead, { knownHostsFile: unknown, extra: ['HostName 127.0.0.3', 'StrictHostKeyChecking yes'] }) },
    { name: 'Changed key', target: await targetFor(ahead, { knownHostsFile: changed, extra: ['HostName 127.0.0.4'] }) },
  ];
}

describe('surveyClass', () => {
  it('checks every student read-only, each with their own outcome, within the time limit', async () => {
    const course = loadCourse(join(root, 'course'));
    const pool = new ConnectionPool();
    const seen: string[] = [];
    const started = Date.now();
    let surveys: StudentSurvey[];
    try {
      surveys = await surveyClass(await students(), course.pages.flatMap((p) => p.steps), {
        pool,
        runBatch: (e, items, probes, options) => runBatch(e, items, probes, options),
        t,
        timeoutMs: 3_000,
        onStudent: (s) => seen.push(s.name),
      });
    } finally {
      await pool.closeAll();
    }
    const wall = Date.now() - started;
    const by = Object.fromEntries(surveys.map((s) => [s.name, s]));
    const status = (name: string, step: string) => by[name]!.steps[step]?.checks.map((c) => c.status);

    expect(surveys.map((s) => s.name)).toEqual(['김민준', 'Sam Early', '이서연', 'Down', 'Wrong key', 'Unknown key', 'Changed key']);
    expect(seen.sort()).toEqual(surveys.map((s) => s.name).sort());

    expect(by['김민준']!.reach).toEqual({ kind: 'ok' });
    expect([status('김민준', 'one'), status('김민준', 'two'), status('김민준', 'three')]).toEqual([['pass'], ['pass'], ['pass']]);
    expect(by['김민준']!.steps.two!.skipped).toEqual([
      { checkId: 'file-3', why: 'jumpbox' },
      { checkId: 'command-2', why: 'not-read-only' },
    ]);
    expect(by['Sam Early']!.reach).toEqual({ kind: 'ok' });
    expect([status('Sam Early', 'one'), status('Sam Early', 'two')]).toEqual([['pass'], ['fail']]);

    expect(by['이서연']!.reach.kind).toBe('timeout');
    expect(by['Down']!.reach.kind).toBe('unreachable');
    expect(by['Wrong key']!.reach.kind).toBe('auth');
    expect(by['Unknown key']!.reach).toMatchObject({ kind: 'host-key-unknown', fingerprint: ahead.hostKeyFingerprint });
    expect(by['Changed key']!.reach).toMatchObject({ kind: 'host-key-changed', fingerprint: ahead.hostKeyFingerprint });
    for (const s of surveys) if (s.reach.kind !== 'ok') expect(s.reach.reason.length).toBeGreaterThan(10);

    // The students who could be checked were not held up by the hung one.
    expect(by['김민준']!.elapsedMs).toBeLessThan(2_000);
    expect(wall).toBeLessThan(6_000);
    // The check that writes never ran on any server.
    for (const s of servers) expect(existsSync(join(s.dir, 'home', 'written'))).toBe(false);
    // Nothing was trusted on anyone's behalf.
    expect(readFileSync(join(root, 'known_hosts-empty'), 'utf8')).toBe('');
  });
});
