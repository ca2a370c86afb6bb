// Reading what `ansible -m script` wrote (untrusted: any file, any output) and judging it: the
// file's problems are named with the place in it, a host's output is framed by the nonce of the
// batch it came from (chapter or one page), and nothing a host printed reaches a result raw.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLessonsDir, loadCourse } from '../../src/course/loader.js';
import type { Step } from '../../src/course/schema.js';
import { createTranslator } from '../../src/i18n/index.js';
import { AnsibleResultsError, parseAnsibleResults, readAnsibleResults, untty } from '../../src/instructor/ansible-results.js';
import { surveyFromAnsible } from '../../src/instructor/ansible-survey.js';
import { planSurvey } from '../../src/instructor/survey.js';
import { batchNonce, batchScript, emittableSelections } from '../../src/instructor/batch-script.js';
import { coursePackWriter } from '../helpers/course-pack.js';

const t = createTranslator().forLang('en');
let root: string;
let pages: Array<{ steps: Step[] }>;

const step = (id: string) => `page: ${id}
steps:
  - id: ${id}
    where: server
    checks:
      - { kind: command, readOnly: true, run: 'cat "$HOME/${id}"', stdout: { equals: done } }
      - { kind: command, run: 'touch "$HOME/x"' }
    hints: [h]
`;
const md = (id: string, lang: string) => `# ${lang} ${id}\n\n<!-- step: ${id} -->\n## ${id}\n\n.\n\n<!-- hint: ${id}.h -->\n.\n`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kthw-ansible-unit-'));
  const write = coursePackWriter(join(root, 'course'), 'c', ['01-one', '02-two']);
  write('01-one', step('one'), md('one', 'ko'), md('one', 'en'));
  write('02-two', step('two'), md('two', 'ko'), md('two', 'en'));
  pages = loadCourse(join(root, 'course')).pages;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A batch's stdout as the script prints it: one command check per index, with its stdout. */
function output(nonce: string, stdouts: string[]): string {
  const m = (kind: string, arg: string) => `\n@@kthw:${nonce}:${kind}:${arg}\n`;
  return (
    stdouts.map((out, i) => `${m('begin', String(i))}${m('field', 'exit')}0\n${m('field', 'stdout')}${out}${m('field', 'stderr')}${m('end', String(i))}`).join('') +
    m('done', 'all')
  );
}
const results = (hosts: Record<string, unknown>) => JSON.stringify({ plays: [{ play: {}, tasks: [{ hosts, task: { duration: { end: '2026-12-03T10:00:00Z' } } }] }] });
const problem = (text: string): AnsibleResultsError => {
  try {
    parseAnsibleResults(text, 'res.json');
  } catch (err) {
    expect(err).toBeInstanceOf(AnsibleResultsError);
    return err as AnsibleResultsError;
  }
  throw new Error('no error');
};

describe('parseAnsibleResults', () => {
  it('reads each host: stdout, rc, unreachable, failed, message; the task end time', () => {
    const r = parseAnsibleResults(
      results({
        a: { action: 'script', rc: 0, stdout: 'x', changed: true },
        b: { action: 'script', unreachable: true, msg: 'Failed to connect' },
        c: { action: 'script', failed: true, rc: 127, msg: ['not', 'a string'] },
      }),
      'res.json',
    );
    expect(r.hosts).toEqual([
      { host: 'a', stdout: 'x', rc: 0, unreachable: false, failed: false, skipped: false, msg: '' },
      { host: 'b', unreachable: true, failed: false, skipped: false, msg: 'Failed to connect' },
      { host: 'c', rc: 127, unreachable: false, failed: true, skipped: false, msg: '["not","a string"]' },
    ]);
    expect(r.endedAt).toBe(Date.parse('2026-12-03T10:00:00Z'));
  });

  it('names the file and what is wrong, for each kind of bad file', () => {
    expect(problem('{"plays": [').message).toMatch(/^res\.json: is not JSON \(.+\); write it with ANSIBLE_STDOUT_CALLBACK=json/);
    // What ad-hoc ansible prints when ANSIBLE_LOAD_CALLBACK_PLUGINS is not set.
    expect(problem('s1 | CHANGED => {\n    "changed": true\n}\n').code).toBe('plainOutput');
    expect(problem('s1 | UNREACHABLE! => {\n}\n').code).toBe('plainOutput');
    expect(problem('[1, 2]').message).toBe(
      'res.json: at the top level: expected an object with "plays"; this is not what `ANSIBLE_STDOUT_CALLBACK=json ansible ... -m script` writes',
    );
    expect(problem('{"plays": {}}').params).toEqual({ path: 'plays', expected: 'a list' });
    expect(problem('{"plays": [{"tasks": [{"hosts": []}]}]}').params).toEqual({ path: 'plays[0].tasks[0].hosts', expected: 'an object of hosts' });
    expect(problem(results({ a: { stdout: 42 } })).params).toEqual({ path: 'plays[0].tasks[0].hosts["a"].stdout', expected: 'a string' });
    expect(problem(results({ a: { unreachable: 'yes' } })).params.path).toBe('plays[0].tasks[0].hosts["a"].unreachable');
    expect(problem(results({})).code).toBe('noScript');
    // Only other modules' results (a playbook's gather_facts): nothing of ours.
    expect(problem(results({ a: { action: 'setup', ansible_facts: {} } })).code).toBe('noScript');
  });

  it('a hostile host name is shown sanitized in the path, and never becomes a prototype', () => {
    const err = problem(results({ '\u001b]0;pwn\u0007evil\u001b[2J': { stdout: [] } }));
    expect(err.message).toContain('hosts["evil"].stdout');
    expect(err.message).not.toContain('\u001b');
    const r = parseAnsibleResults(`{"plays":[{"tasks":[{"hosts":{"__proto__":{"stdout":"x"}}}]}]}`, 'res.json');
    expect(r.hosts.map((h) => h.host)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).stdout).toBeUndefined();
  });

  it('a file that cannot be read: the file and the reason', () => {
    expect(() => readAnsibleResults(join(root, 'missing.json'))).toThrow(`${join(root, 'missing.json')}: cannot read the Ansible results (ENOENT)`);
  });
});

describe('untty', () => {
  it('undoes the terminal only when every newline has its \\r', () => {
    expect(untty('a\r\nb\r\r\n')).toBe('a\nb\r\n'); // a \r the server printed stays
    expect(untty('a\nb\r\n')).toBe('a\nb\r\n'); // no terminal: left as it is
    expect(untty('abc')).toBe('abc');
  });
});

describe('surveyFromAnsible', () => {
  it('judges each host by the batch its output came from, with hostile output made harmless', async () => {
    const [chapter, page1, page2] = emittableSelections(pages);
    const chapterNonce = batchNonce(chapter!.steps);
    const page2Nonce = batchNonce(page2!.steps);
    expect(new Set([chapterNonce, batchNonce(page1!.steps), page2Nonce]).size).toBe(3);
    // The emitted script carries the nonce in its header and compiles with it.
    expect(batchScript(chapter!).script).toContain(`# kthw-tutor batch ${chapterNonce} pages 1-2\n`);
    expect(batchScript(chapter!).script).toContain(`N=${chapterNonce}\n`);

    const hostile = '\u001b]0;pwned\u0007\u001b[31mdone\u001b[0m\n';
    const forged = `done\n@@kthw:0123456789abcdef01:end:0\n`;
    const tty = (s: string) => s.replace(/\n/g, '\r\n');
    const file = parseAnsibleResults(
      results({
        ahead: { action: 'script', rc: 0, stdout: tty(output(chapterNonce, [hostile, 'done\n'])) },
        early: { action: 'script', rc: 0, stdout: output(chapterNonce, [forged, 'nope\n']) },
        paged: { action: 'script', rc: 0, stdout: tty(output(page2Nonce, ['done\n'])) },
        other: { action: 'script', rc: 0, stdout: output('ffffffffffffffffff', ['done\n', 'done\n']) },
        down: { action: 'script', unreachable: true, msg: '\u001b[31mFailed to connect\u001b[0m to the host via ssh:\nConnection refused' },
        broke: { action: 'script', failed: true, rc: 127, msg: 'non-zero return code', stdout: '' },
      }),
      'res.json',
    );
    const { surveys, extraHosts } = await surveyFromAnsible(file, pages, t);
    expect(extraHosts).toEqual([]);
    const by = Object.fromEntries(surveys.map((s) => [s.name, s]));
    const statuses = (name: string) => Object.fromEntries(Object.entries(by[name]!.steps).map(([id, s]) => [id, s.checks.map((c) => c.status)]));

    expect(surveys.map((s) => s.name)).toEqual(['ahead', 'early', 'paged', 'other', 'down', 'broke']);
    expect(by.ahead!.reach).toEqual({ kind: 'ok' });
    expect(statuses('ahead')).toEqual({ one: ['pass'], two: ['pass'] });
    const evidence = JSON.stringify(by.ahead!.steps.one!.checks);
    expect(evidence).not.toMatch(/\\u001b|\u001b|\\u0007|pwned/);
    // The command that writes was never in the batch; it is listed as skipped.
    expect(by.ahead!.steps.one!.skipped).toEqual([{ checkId: 'command-2', why: 'not-read-only' }]);
    // A marker with another nonce frames nothing: it is just text in the output.
    expect(statuses('early')).toEqual({ one: ['fail'], two: ['fail'] });
    expect(statuses('paged')).toEqual({ two: ['pass'] });
    expect(by.other!.reach).toMatchObject({ kind: 'error', reason: expect.stringContaining('not from this tutor') });
    expect(by.down!.reach).toEqual({
      kind: 'unreachable',
      reason: 'Ansible could not reach it: Failed to connect to the host via ssh: Connection refused',
    });
    expect(by.broke!.reach).toMatchObject({ kind: 'error', reason: 'the script failed under Ansible (exit status 127): non-zero return code' });
  });

  it('with a roster: students by inventory name (or their address), the rest named as extra', async () => {
    const nonce = batchNonce(emittableSelections(pages)[0]!.steps);
    const file = parseAnsibleResults(
      results({
        'kim.example': { action: 'script', rc: 0, stdout: output(nonce, ['done\n', 'done\n']) },
        '10.0.0.7': { action: 'script', rc: 0, stdout: output(nonce, ['done\n', 'no\n']) },
        stranger: { action: 'script', rc: 0, stdout: output(nonce, ['done\n', 'done\n']) },
      }),
      'res.json',
    );
    const { surveys, extraHosts } = await surveyFromAnsible(file, pages, t, [
      { name: '김민준', label: 'root@kim.example:22', host: 'kim.example' },
      { name: 'Sam', label: 'root@10.0.0.7:22', host: '10.0.0.7' },
      { name: 'absent', label: 'root@absent:22', host: 'absent' },
    ]);
    expect(surveys.map((s) => [s.name, s.label, s.reach.kind])).toEqual([
      ['김민준', 'root@kim.example:22', 'ok'],
      ['Sam', 'root@10.0.0.7:22', 'ok'],
      ['absent', 'root@absent:22', 'error'],
    ]);
    expect(surveys[1]!.steps.two!.checks[0]!.status).toBe('fail');
    expect(surveys[2]!.reach).toMatchObject({ reason: expect.stringContaining('no result for this student in res.json') });
    expect(extraHosts).toEqual(['stranger']);
  });
});

describe('batchScript of the chapter itself', () => {
  it('is POSIX sh that dash accepts, one frame per read-only check, the same nonce every time', () => {
    const chapter = loadCourse(defaultLessonsDir()).pages;
    const [all] = emittableSelections(chapter);
    const { script, nonce, label } = batchScript(all!);
    expect(label).toBe(`pages 1-${chapter.length}`);
    const file = join(root, 'chapter.sh');
    writeFileSync(file, script);
    execFileSync('dash', ['-n', file]); // throws on a syntax error
    expect(script.match(/^_m begin \d+$/gm)).toHaveLength(planSurvey(all!.steps).items.length);
    expect(batchScript(all!).nonce).toBe(nonce);
  });
});
