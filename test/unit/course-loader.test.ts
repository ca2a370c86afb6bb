import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LessonLoadError, loadCourse } from '../../src/course/loader.js';
import { toPageViews } from '../../src/course/view.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'courses');

function loadErrors(dir: string): LessonLoadError {
  try {
    loadCourse(dir);
  } catch (err) {
    if (err instanceof LessonLoadError) return err;
    throw err;
  }
  throw new Error(`${dir} loaded without errors`);
}

describe('loadCourse on a valid pack', () => {
  it('loads pages, fills default check ids, and builds views in both languages', () => {
    const course = loadCourse(join(fixtures, 'valid'));
    expect(course.id).toBe('valid');
    expect(course.languages).toEqual(['ko', 'en']);
    expect(course.pages.map((p) => [p.id, p.folder])).toEqual([['basics', '01-basics']]);
    expect(course.pages[0]!.steps[0]!.checks.map((c) => c.id)).toEqual(['file-1', 'named', 'service-3']);

    const [ko] = toPageViews(course, 'ko');
    expect(ko!.title).toBe('기본');
    expect(ko!.steps[0]).toEqual({
      id: 'make-dir',
      where: 'server',
      title: '디렉터리 만들기',
      body: '설명입니다.\n\n```\n<!-- step: not-a-marker -->\n```',
      run: ['mkdir -p /tmp/demo'],
      hints: ['힌트입니다.'],
      diagnostics: { 'no-dir': '디렉터리가 없습니다.', 'etcd-log': 'etcd 로그를 보세요.' },
      fixes: { 'no-dir': ['mkdir -p /tmp/demo'] },
      frames: [],
    });
    expect(toPageViews(course, 'en')[0]!.steps[0]!.hints).toEqual(['A hint.']);
  });

  it('loads only the languages asked for', () => {
    const course = loadCourse(join(fixtures, 'valid'), ['en']);
    expect(Object.keys(course.pages[0]!.prose)).toEqual(['en']);
    expect(() => toPageViews(course, 'ko')).toThrow(/not loaded in "ko"/);
  });
});

describe('loadCourse on a broken pack', () => {
  it('reports every problem at once, each as file:line', () => {
    const err = loadErrors(join(fixtures, 'broken'));
    const at = err.errors.map((e) => `${e.file}:${e.line}`);
    expect(at).toEqual([
      '01-missing-key/steps.yaml:3', // the step mapping that lacks `where`
      '02-wrong-type/steps.yaml:4', // timeoutSeconds: soon
      '02-wrong-type/steps.yaml:8', // mode: 0755 (a number to YAML)
      '03-unknown-kind/steps.yaml:8', // kind: socket
      '04-no-ko-hint/steps.yaml:8', // hint "second" has no ko.md text
      '05-unknown-prose/en.md:11', // a section for step "ghost"
      '05-unknown-prose/en.md:14', // a hint of step "ghost"
      '06-duplicates/steps.yaml:3', // step id e1 already on page 05
      '06-duplicates/steps.yaml:8', // check id file-1 twice in one step
      '06-duplicates/steps.yaml:14', // when.check names a check that does not exist
    ]);
    const byLine = new Map(err.errors.map((e) => [`${e.file}:${e.line}`, e.message]));
    expect(byLine.get('01-missing-key/steps.yaml:3')).toMatch(/^missing key "where"/);
    expect(byLine.get('02-wrong-type/steps.yaml:8')).toMatch(/quote it/);
    expect(byLine.get('03-unknown-kind/steps.yaml:8')).toMatch(/unknown check kind "socket".*use one of file, service/);
    expect(byLine.get('04-no-ko-hint/steps.yaml:8')).toBe('hint second of step d1 has no text in ko.md (add <!-- hint: d1.second -->)');
    expect(byLine.get('06-duplicates/steps.yaml:3')).toMatch(/first defined at 05-unknown-prose\/steps.yaml:3/);
    expect(byLine.get('06-duplicates/steps.yaml:14')).toMatch(/refers to check "file-9"/);
    // The message a maintainer reads lists them all the same way.
    expect(err.message.split('\n').slice(1)).toEqual(err.errors.map((e) => `  ${e.file}:${e.line}: ${e.message}`));
  });
});

describe('loadCourse on packs built for one problem each', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const copyValid = () => {
    dir = mkdtempSync(join(tmpdir(), 'kthw-course-'));
    cpSync(join(fixtures, 'valid'), dir, { recursive: true });
    return dir;
  };

  it('points an unknown key at its own line', () => {
    const d = copyValid();
    writeFileSync(join(d, 'course.yaml'), 'id: valid\nlanguages: [ko, en]\ntitle: oops\npages:\n  - 01-basics\n');
    const err = loadErrors(d);
    expect(err.errors).toEqual([{ file: 'course.yaml', line: 3, message: 'unknown key "title" in (top level)' }]);
  });

  it('reports YAML syntax errors with their line', () => {
    const d = copyValid();
    writeFileSync(join(d, '01-basics', 'steps.yaml'), 'page: basics\nsteps:\n  - id: x\n    where: [server\n');
    const err = loadErrors(d);
    expect(err.errors[0]!.file).toBe('01-basics/steps.yaml');
    expect(err.errors[0]!.message).toMatch(/^not valid YAML/);
    expect(err.errors[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it('reports a missing page folder and a missing language file at the course.yaml entry', () => {
    const d = copyValid();
    writeFileSync(join(d, 'course.yaml'), 'id: valid\nlanguages: [ko, en]\npages:\n  - 01-basics\n  - 02-nothing\n');
    rmSync(join(d, '01-basics', 'en.md'));
    const err = loadErrors(d);
    expect(err.errors).toEqual([
      { file: 'course.yaml', line: 4, message: 'page 01-basics has no en.md (the course is in ko, en)' },
      { file: 'course.yaml', line: 5, message: 'page 02-nothing has no 02-nothing/steps.yaml' },
    ]);
  });

  it('requires a step section in every language, pointing at the step in steps.yaml', () => {
    const d = copyValid();
    writeFileSync(join(d, '01-basics', 'en.md'), '# Basics\n');
    const err = loadErrors(d);
    expect(err.errors.map((e) => `${e.file}:${e.line}`)).toEqual([
      '01-basics/steps.yaml:3', // step make-dir
      '01-basics/steps.yaml:19', // hint first
      '01-basics/steps.yaml:21', // diagnostic no-dir
      '01-basics/steps.yaml:25', // diagnostic etcd-log
    ]);
    expect(err.errors[0]!.message).toBe('step make-dir has no section in en.md (add <!-- step: make-dir --> and a "## " title)');
  });

  it('rejects a journal diagnostic without a probe, and a run diagnostic on a step that runs nothing', () => {
    const d = copyValid();
    writeFileSync(
      join(d, '01-basics', 'steps.yaml'),
      `page: basics
steps:
  - id: make-dir
    where: server
    checks:
      - kind: file
        path: /tmp/demo
    hints: [first]
    diagnostics:
      - id: no-dir
        when: { exit: 1 }
      - id: etcd-log
        when: { journal: { unit: kube-apiserver, match: { contains: refused } } }
`,
    );
    const err = loadErrors(d);
    expect(err.errors).toEqual([
      { file: '01-basics/steps.yaml', line: 11, message: expect.stringMatching(/runs nothing, so it could never fire/) },
      { file: '01-basics/steps.yaml', line: 13, message: expect.stringMatching(/has no probe for it/) },
    ]);
  });

  it('names a page whose id does not match its folder', () => {
    const d = copyValid();
    const steps = join(d, '01-basics', 'steps.yaml');
    writeFileSync(steps, readFileSync(steps, 'utf8').replace('page: basics', 'page: basic'));
    expect(loadErrors(d).errors).toEqual([
      { file: '01-basics/steps.yaml', line: 1, message: 'page is "basic", but the folder 01-basics says "basics"' },
    ]);
  });

  it('says plainly when the folder is not a lesson pack', () => {
    const d = mkdtempSync(join(tmpdir(), 'kthw-empty-'));
    dir = d;
    expect(loadErrors(d).errors).toEqual([{ file: 'course.yaml', line: 0, message: `not found: is ${d} a lesson pack?` }]);
    expect(loadErrors(d).message).toContain('  course.yaml: not found');
  });
});
