// From fan-out results to the class snapshot: titles and diagnostics in the snapshot's language,
// skipped checks counted as skipped, a down server as unreachable, and "stuck since" kept from
// one refresh (and one run, through the state file) to the next while the student stays put.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import type { PageView } from '../../src/course/view.js';
import { buildClassSnapshot, readStuck, rowsByKey, snapshotPages, stuckFile, writeStuck } from '../../src/instructor/class-snapshot.js';
import { buildStudentReport, readStudentReport, studentFromReport, StudentReportError } from '../../src/instructor/student-report.js';
import type { StudentSurvey } from '../../src/instructor/survey.js';
import type { Progress } from '../../src/progress/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kthw-class-'));
  dirs.push(d);
  return d;
};

const view = (id: string, title: string, diagnostics: Record<string, string> = {}) => ({
  id,
  where: 'server' as const,
  title,
  body: '',
  run: [],
  hints: [],
  diagnostics,
  fixes: {},
  frames: [],
});
const VIEWS: PageView[] = [
  { title: '파일 배포', intro: '', steps: [view('a', '복사'), view('b', '확인', { 'not-copied': '복사되지 않았습니다' })] },
  { title: '설치', intro: '', steps: [view('c', '설치')] },
];
const PAGES = snapshotPages(VIEWS, ['01', '02']);

const check = (status: CheckResult['status']): CheckResult => ({
  checkId: 'k',
  kind: 'file',
  where: 'server',
  subject: '/x',
  status,
  findings: status === 'fail' ? [{ property: 'exists', expected: 'yes', found: 'no', ok: false }] : [],
  evidence: '',
});

function survey(name: string, statuses: Record<string, CheckResult['status'] | 'skipped'>, reach: StudentSurvey['reach'] = { kind: 'ok' }): StudentSurvey {
  const steps: StudentSurvey['steps'] = {};
  for (const [id, st] of Object.entries(statuses)) {
    steps[id] =
      st === 'skipped'
        ? { checks: [], skipped: [{ checkId: 'k', why: 'not-read-only' }], diagnostics: [] }
        : { checks: [check(st)], skipped: [], diagnostics: st === 'fail' && id === 'b' ? ['not-copied'] : [] };
  }
  return { name, label: `root@${name}:22`, reach, steps, elapsedMs: 1 };
}

const meta = (now: number) => ({ tutorVersion: '0.1.0', lessonPackHash: 'abc', lang: 'ko' as const, now });

describe('buildClassSnapshot', () => {
  it('places each student and says the diagnostic in the snapshot language', () => {
    const s = buildClassSnapshot(
      [
        survey('민준', { a: 'pass', b: 'fail', c: 'fail' }),
        survey('sam', { a: 'pass', b: 'pass', c: 'skipped' }),
        survey('down', {}, { kind: 'unreachable', reason: 'refused' }),
      ],
      VIEWS,
      PAGES,
      meta(1_000),
    );
    const [minjun, sam, down] = s.students;
    expect(minjun!.currentStep).toBe('b');
    expect(minjun!.steps.b).toMatchObject({ status: 'failing', diagnostic: '복사되지 않았습니다', stuckSinceMs: 1_000 });
    expect(minjun!.steps.c!.status).toBe('not-started');
    expect(sam!.steps.c!.status).toBe('skipped');
    expect(sam!.currentStep).toBeUndefined();
    expect(down!.steps.a!.status).toBe('unreachable');
    expect(s.pages.map((p) => p.title)).toEqual(['파일 배포', '설치']);
    expect(s.takenAt).toBe(new Date(1_000).toISOString());
  });

  it('keeps stuck-since while the student stays on the step, across runs through the state file', () => {
    const first = buildClassSnapshot([survey('민준', { a: 'pass', b: 'fail' })], VIEWS, PAGES, meta(1_000));
    const file = stuckFile(tmp(), '/class/roster.yaml');
    writeStuck(file, first);
    const again = buildClassSnapshot([survey('민준', { a: 'pass', b: 'fail' })], VIEWS, PAGES, meta(60_000), readStuck(file));
    expect(again.students[0]!.steps.b!.stuckSinceMs).toBe(1_000);
    // Moved on: the clock starts again on the new step.
    const moved = buildClassSnapshot([survey('민준', { a: 'pass', b: 'pass', c: 'fail' })], VIEWS, PAGES, meta(90_000), rowsByKey(again));
    expect(moved.students[0]!.steps.c!.stuckSinceMs).toBe(90_000);
  });

  it('a damaged stuck file is a fresh start, not an error', () => {
    const file = join(tmp(), 'stuck.json');
    writeFileSync(file, '{"version": 1, "students": {"x": {"step": 3}}}');
    expect(readStuck(file).size).toBe(0);
    expect(readStuck(join(tmp(), 'missing.json')).size).toBe(0);
  });
});

describe('student reports', () => {
  const progress: Progress = {
    version: 1,
    target: { user: 'root', host: 'server', port: 22 },
    updatedAt: '2026-12-03T10:00:00.000Z',
    steps: {
      a: { firstPassedAt: '2026-12-03T09:00:00.000Z', attempts: 2, hintsUsed: 1, evidence: [{ checkId: 'k', summary: '/x: exists' }] },
      b: { attempts: 3, hintsUsed: 2 },
    },
  };
  const course = { pages: VIEWS.map((v) => ({ steps: v.steps })) };

  it('round-trips through a file and reads back as a row marked as coming from a report', () => {
    const report = buildStudentReport(progress, course, { createdAt: '2026-12-03T10:05:00.000Z', tutorVersion: '0.1.0', lessonPackHash: 'abc', lang: 'ko' });
    expect(report.steps.map((s) => [s.id, s.page, s.attempts, s.hintsUsed, s.firstPassedAt ?? null])).toEqual([
      ['a', 1, 2, 1, '2026-12-03T09:00:00.000Z'],
      ['b', 1, 3, 2, null],
      ['c', 2, 0, 0, null],
    ]);
    const file = join(tmp(), 'report.json');
    writeFileSync(file, JSON.stringify(report));
    const row = studentFromReport(PAGES, '민준', readStudentReport(file), 5_000);
    expect(row).toMatchObject({ name: '민준', target: 'root@server:22', source: 'report', currentStep: 'b' });
    expect(row.steps.a!.status).toBe('passed');
  });

  it('a file that is not a report says so with its name', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.json'), '{"format": "something-else"}');
    writeFileSync(join(dir, 'text.json'), 'hello');
    expect(() => readStudentReport(join(dir, 'bad.json'))).toThrow(StudentReportError);
    expect(() => readStudentReport(join(dir, 'bad.json'))).toThrow(/bad\.json: not a kthw-tutor student report/);
    expect(() => readStudentReport(join(dir, 'text.json'))).toThrow(/text\.json: not JSON/);
    expect(() => readStudentReport(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the report \(ENOENT\)/);
  });
});
