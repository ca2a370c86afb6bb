// The class model: progress, stuck time, ordering, filtering, and building a student's row from
// the check results the batches return.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import {
  filterStudents,
  progressOf,
  sortStudents,
  studentFromResults,
  stuckForMs,
  type StepObservation,
  type StudentRow,
} from '../../src/instructor/snapshot.js';
import { PAGES, STEP_IDS, TAKEN_AT, TAKEN_MS, snapshotOf, stuckStudent, unreachableStudent } from '../helpers/class-snapshot.js';

const names = (rows: StudentRow[]) => rows.map((r) => r.name);

describe('progressOf', () => {
  it('counts passed steps and pages whose every step passed', () => {
    // Page 1 has 2 steps, page 2 has 4: 5 passed = page 1 done, page 2 not.
    expect(progressOf(PAGES, stuckStudent('a', 5))).toEqual({ pagesDone: 1, pagesTotal: 6, stepsPassed: 5, stepsTotal: 23 });
    expect(progressOf(PAGES, stuckStudent('a', 6))).toEqual({ pagesDone: 2, pagesTotal: 6, stepsPassed: 6, stepsTotal: 23 });
    expect(progressOf(PAGES, stuckStudent('a', 23)).pagesDone).toBe(6);
  });

  it('leaves skipped steps out of the count without blocking their page; all-skipped pages are not done', () => {
    const s = stuckStudent('a', 6);
    s.steps.p2s4 = { status: 'skipped' }; // page 2 now 3 of 3 countable
    s.steps.p1s1 = { status: 'skipped' };
    s.steps.p1s2 = { status: 'skipped' };
    expect(progressOf(PAGES, s)).toEqual({ pagesDone: 1, pagesTotal: 6, stepsPassed: 3, stepsTotal: 20 });
  });

  it('reads steps missing from the row as not started', () => {
    expect(progressOf(PAGES, { name: 'x', target: 't', source: 'live', reach: { kind: 'ok' }, steps: {} }).stepsPassed).toBe(0);
  });
});

describe('stuckForMs', () => {
  it('is the time since the current step was first seen failing, at takenAt', () => {
    expect(stuckForMs(stuckStudent('a', 3, 17), TAKEN_AT)).toBe(17 * 60_000);
    expect(stuckForMs(stuckStudent('a', 3, 17), TAKEN_MS + 60_000)).toBe(18 * 60_000);
  });
  it('is undefined when not stuck, finished, or the time is unreadable', () => {
    expect(stuckForMs(stuckStudent('a', 3), TAKEN_AT)).toBeUndefined();
    expect(stuckForMs(stuckStudent('a', 23), TAKEN_AT)).toBeUndefined();
    expect(stuckForMs(stuckStudent('a', 3, 5), 'not a date')).toBeUndefined();
  });
});

describe('sortStudents', () => {
  it('stuck longest first, those not stuck last by name', () => {
    const snap = snapshotOf([stuckStudent('c', 1, 5), stuckStudent('b', 2), stuckStudent('a', 3, 50), unreachableStudent('d', 'auth', 'denied'), stuckStudent('e', 4, 20)]);
    expect(names(sortStudents(snap, 'stuck'))).toEqual(['a', 'e', 'c', 'b', 'd']);
  });

  it('by name in the language: Hangul in dictionary order, case and numbers as people read them', () => {
    const students = ['학생 10', 'Bob', '나영', 'alice', '학생 2', '가람', '다인'].map((n) => stuckStudent(n, 1));
    // Korean collation puts Hangul before Latin; a plain code-point sort would also put "Bob"
    // before "alice" and "학생 10" before "학생 2".
    expect(names(sortStudents(snapshotOf(students, 'ko'), 'name'))).toEqual(['가람', '나영', '다인', '학생 2', '학생 10', 'alice', 'Bob']);
    expect(names(sortStudents(snapshotOf(students, 'en'), 'name'))).toEqual(['alice', 'Bob', '가람', '나영', '다인', '학생 2', '학생 10']);
  });

  it('by progress least first (ties by name), and most first when descending', () => {
    const snap = snapshotOf([stuckStudent('b', 10), stuckStudent('a', 10), stuckStudent('c', 2), stuckStudent('d', 23)]);
    expect(names(sortStudents(snap, 'progress'))).toEqual(['c', 'a', 'b', 'd']);
    expect(names(sortStudents(snap, 'progress', { descending: true }))).toEqual(['d', 'a', 'b', 'c']);
  });

  it('returns a new array and leaves the snapshot as it was', () => {
    const snap = snapshotOf([stuckStudent('b', 1), stuckStudent('a', 1)]);
    sortStudents(snap, 'name');
    expect(names(snap.students)).toEqual(['b', 'a']);
  });
});

describe('filterStudents', () => {
  const snap = snapshotOf([stuckStudent('김민준', 3, 5), stuckStudent('Kim Alice', 23), unreachableStudent('박서연', 'timeout', 'no answer'), stuckStudent('Lee', 0)]);
  it('by part of the name or target, ignoring case, width and how Hangul was composed', () => {
    expect(names(filterStudents(snap, snap.students, { text: 'kim' }))).toEqual(['Kim Alice']);
    expect(names(filterStudents(snap, snap.students, { text: 'ＫＩＭ' }))).toEqual(['Kim Alice']);
    expect(names(filterStudents(snap, snap.students, { text: '민준'.normalize('NFD') }))).toEqual(['김민준']);
    expect(names(filterStudents(snap, snap.students, { text: '10.9.9.9' }))).toEqual(['박서연']);
    expect(names(filterStudents(snap, snap.students, { text: '  ' }))).toHaveLength(4);
  });
  it('by a state any of the student steps is in', () => {
    expect(names(filterStudents(snap, snap.students, { status: 'failing' }))).toEqual(['김민준', 'Lee']);
    expect(names(filterStudents(snap, snap.students, { status: 'unreachable' }))).toEqual(['박서연']);
    expect(names(filterStudents(snap, snap.students, { status: 'not-started', text: 'lee' }))).toEqual(['Lee']);
  });
});

// --- building rows from check results ---

const pass = (checkId: string): CheckResult => ({ checkId, kind: 'file', where: 'server', subject: '/x', status: 'pass', findings: [{ property: 'exists', expected: 'true', found: 'true', ok: true }], evidence: '' });
const fail = (checkId: string, evidence = 'ls: cannot access'): CheckResult => ({
  checkId,
  kind: 'file',
  where: 'server',
  subject: '/x',
  status: 'fail',
  findings: [
    { property: 'exists', expected: 'true', found: 'true', ok: true },
    { property: 'mode', expected: '0600', found: undefined, ok: false },
  ],
  evidence,
});
const error = (checkId: string): CheckResult => ({ checkId, kind: 'service', where: 'server', subject: 'etcd', status: 'error', findings: [], evidence: '', error: 'timeout' });

/** Observations: the first `passed` steps pass, the rest fail. */
function observed(passed: number, overrides: Record<string, StepObservation> = {}): Record<string, StepObservation> {
  return { ...Object.fromEntries(STEP_IDS.map((id, i) => [id, { checks: [i < passed ? pass(`${id}-a`) : fail(`${id}-a`)] }])), ...overrides };
}
const base = { name: '김민준', target: 'root@127.0.0.1:2201', reach: { kind: 'ok' } as const };

describe('studentFromResults', () => {
  it('puts the student on the first step not passed, failing since now; later failing steps are not started', () => {
    const row = studentFromResults(PAGES, { ...base, observed: observed(4), now: 1000 });
    expect(row.currentStep).toBe('p2s3');
    expect(STEP_IDS.map((id) => row.steps[id]!.status)).toEqual([...Array(4).fill('passed'), 'failing', ...Array(18).fill('not-started')]);
    expect(row.steps.p2s3).toEqual({
      status: 'failing',
      failing: [{ checkId: 'p2s3-a', property: 'mode', expected: '0600', found: null }],
      evidence: '[p2s3-a]\nls: cannot access',
      stuckSinceMs: 1000,
    });
    expect(row.steps.p2s4!.failing).toBeUndefined();
  });

  it('keeps the stuck start across refreshes on the same step and restarts it on a new step', () => {
    const first = studentFromResults(PAGES, { ...base, observed: observed(4), now: 1000 });
    const again = studentFromResults(PAGES, { ...base, observed: observed(4), now: 90_000, previous: first });
    expect(again.steps.p2s3!.stuckSinceMs).toBe(1000);
    const moved = studentFromResults(PAGES, { ...base, observed: observed(5), now: 95_000, previous: again });
    expect(moved.currentStep).toBe('p2s4');
    expect(moved.steps.p2s4!.stuckSinceMs).toBe(95_000);
    expect(moved.steps.p2s3).toEqual({ status: 'passed' });
  });

  it('shows a current step with some checks passing as in progress, and an earlier broken step as failing', () => {
    const row = studentFromResults(PAGES, {
      ...base,
      observed: observed(8, { p3s3: { checks: [pass('a'), fail('b')] }, p1s2: { checks: [pass('a'), fail('b', '')], diagnostic: 'etcd is down' } }),
      now: 5,
    });
    expect(row.currentStep).toBe('p1s2');
    expect(row.steps.p1s2).toMatchObject({ status: 'in-progress', diagnostic: 'etcd is down', stuckSinceMs: 5 });
    expect(row.steps.p1s2!.evidence).toBeUndefined();
    // Steps after the current one that passed stay passed.
    expect(row.steps.p2s1!.status).toBe('passed');
    expect(row.steps.p3s3!.status).toBe('not-started');
  });

  it('a regression before the current step is failing, not in progress', () => {
    const row = studentFromResults(PAGES, { ...base, observed: observed(23, { p1s1: { checks: [pass('a'), fail('b')] } }), now: 5 });
    // p1s1 is the first not passed: it is the current one.
    expect(row.currentStep).toBe('p1s1');
    const later = studentFromResults(PAGES, { ...base, observed: observed(10, { p1s1: { checks: [pass('a'), fail('b')] }, p1s2: { checks: [] } }), now: 5 });
    expect(later.currentStep).toBe('p1s1');
    expect(later.steps.p1s2!.status).toBe('not-started');
  });

  it('skips steps that could not run read-only and does not stop on them', () => {
    const row = studentFromResults(PAGES, { ...base, observed: observed(4, { p1s2: { checks: null, skippedChecks: 1 } }), now: 5 });
    expect(row.steps.p1s2!.status).toBe('skipped');
    expect(row.currentStep).toBe('p2s3');
  });

  it('a step whose checks could only error is "could not check", with the reason', () => {
    const row = studentFromResults(PAGES, { ...base, observed: observed(2, { p2s1: { checks: [error('svc')] } }), now: 5 });
    expect(row.steps.p2s1).toEqual({ status: 'unreachable', failing: [{ checkId: 'svc', expected: '', found: null, error: 'timeout' }] });
    expect(row.currentStep).toBe('p2s1');
    expect(stuckForMs(row, 10)).toBeUndefined();
  });

  it('a server that could not be reached makes every step unreachable; a report file is read as observed', () => {
    const down = studentFromResults(PAGES, { ...base, reach: { kind: 'host-key-changed', reason: 'SHA256:abc' }, observed: observed(4), now: 5 });
    expect(new Set(Object.values(down.steps).map((s) => s.status))).toEqual(new Set(['unreachable']));
    expect(down.currentStep).toBeUndefined();
    const fromFile = studentFromResults(PAGES, { ...base, source: 'report', reach: { kind: 'unreachable', reason: 'no route' }, observed: observed(4), now: 5 });
    expect(fromFile.source).toBe('report');
    expect(fromFile.currentStep).toBe('p2s3');
  });

  it('a student who passed everything has no current step', () => {
    const row = studentFromResults(PAGES, { ...base, observed: observed(23), now: 5 });
    expect(row.currentStep).toBeUndefined();
    expect(progressOf(PAGES, row).pagesDone).toBe(6);
  });
});
