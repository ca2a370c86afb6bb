import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { reduce, type Action } from '../../src/tutor/reducer.js';
import {
  initialState,
  pageDone,
  pageUnlocked,
  stepStatus,
  stepUnlocked,
  type CoursePlan,
  type TutorState,
} from '../../src/tutor/state.js';

const plan: CoursePlan = {
  pages: [
    { id: 'p1', steps: [{ id: 'a' }, { id: 'b' }] },
    { id: 'p2', steps: [{ id: 'c' }, { id: 'd' }] },
  ],
};

function result(status: CheckResult['status'], checkId = 'file-1'): CheckResult {
  return { checkId, kind: 'file', where: 'server', subject: '/root/x', status, findings: [], evidence: '' };
}

function checked(state: TutorState, outcome: Record<string, CheckResult['status'][]>): TutorState {
  const results: Extract<Action, { type: 'check-done' }>['results'] = {};
  for (const [id, statuses] of Object.entries(outcome)) {
    results[id] = { checks: statuses.map((s, i) => result(s, `c${i}`)), probes: [], diagnostics: [] };
  }
  return reduce(plan, state, { type: 'check-done', results });
}

describe('gating', () => {
  it('opens only the first step of the first page at the start', () => {
    const s = initialState(plan, 'en');
    expect(stepStatus(plan, s, 0, 0)).toBe('ready');
    expect(stepStatus(plan, s, 0, 1)).toBe('locked');
    expect(pageUnlocked(plan, s, 1)).toBe(false);
    expect(stepStatus(plan, s, 1, 0)).toBe('locked');
  });

  it('unlocks the next step only when every check of the current step passes', () => {
    let s = initialState(plan, 'en');
    s = checked(s, { a: ['pass', 'fail'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('failed');
    expect(stepUnlocked(plan, s, 0, 1)).toBe(false);
    s = checked(s, { a: ['pass', 'pass'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('passed');
    expect(stepStatus(plan, s, 0, 1)).toBe('ready');
    expect(pageUnlocked(plan, s, 1)).toBe(false);
  });

  it('opens the next page when every step of the page passes, and closes it again on a regression', () => {
    let s = checked(initialState(plan, 'en'), { a: ['pass'], b: ['pass'] });
    expect(pageDone(plan, s, 0)).toBe(true);
    expect(pageUnlocked(plan, s, 1)).toBe(true);
    expect(stepStatus(plan, s, 1, 0)).toBe('ready');
    // The server is the truth: a re-check that fails closes what followed.
    s = checked(s, { b: ['fail'] });
    expect(pageUnlocked(plan, s, 1)).toBe(false);
    expect(stepStatus(plan, s, 1, 0)).toBe('locked');
  });

  it('a later step whose checks pass stays locked while an earlier one fails', () => {
    const s = checked(initialState(plan, 'en'), { a: ['fail'], b: ['pass'] });
    expect(stepStatus(plan, s, 0, 1)).toBe('locked');
  });

  it('errors without failures mean "unavailable", not "failed"', () => {
    const s = checked(initialState(plan, 'en'), { a: ['error'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('unavailable');
    const t = checked(initialState(plan, 'en'), { a: ['error', 'fail'] });
    expect(stepStatus(plan, t, 0, 0)).toBe('failed');
  });

  it('a recorded first pass opens later pages until a fresh check says otherwise', () => {
    let s = initialState(plan, 'en', ['a', 'b']);
    expect(pageUnlocked(plan, s, 1)).toBe(true);
    s = checked(s, { a: ['fail'] });
    expect(pageUnlocked(plan, s, 1)).toBe(false);
  });

  it('shows running and checking while busy, whatever the gate says', () => {
    let s = initialState(plan, 'en');
    s = reduce(plan, s, { type: 'run-start', stepId: 'a', command: 'true' });
    expect(stepStatus(plan, s, 0, 0)).toBe('running');
    s = reduce(plan, s, { type: 'run-done', stepId: 'a', code: 0, timedOut: false, diagnostics: [] });
    s = reduce(plan, s, { type: 'check-start', stepIds: ['a', 'b'] });
    expect(stepStatus(plan, s, 0, 0)).toBe('checking');
    expect(stepStatus(plan, s, 0, 1)).toBe('checking');
  });

  it('marks unchecked steps unavailable when the server cannot be reached', () => {
    const s = reduce(plan, initialState(plan, 'en'), {
      type: 'connection',
      connection: { kind: 'failed', label: 'root@server:22', why: 'dns', todo: 'fix /etc/hosts' },
    });
    expect(stepStatus(plan, s, 0, 0)).toBe('unavailable');
  });
});

describe('reducer', () => {
  it('opening a page selects its first step that is not done', () => {
    let s = checked(initialState(plan, 'en'), { a: ['pass'], b: ['pass'], c: ['pass'] });
    s = reduce(plan, s, { type: 'open-page', page: 1 });
    expect(s.page).toBe(1);
    expect(s.step).toBe(1);
    s = reduce(plan, s, { type: 'open-page', page: 9 });
    expect(s.page).toBe(1);
  });

  it('keeps step selection and scrolling in range', () => {
    let s = initialState(plan, 'en');
    s = reduce(plan, s, { type: 'select-step', delta: 5 });
    expect(s.step).toBe(1);
    s = reduce(plan, s, { type: 'select-step', delta: -5 });
    expect(s.step).toBe(0);
    s = reduce(plan, s, { type: 'scroll', delta: 50, max: 7 });
    expect(s.scroll).toBe(7);
    s = reduce(plan, s, { type: 'scroll', delta: -50 });
    expect(s.scroll).toBe(0);
  });

  it('keeps only the tail of long run output', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'run-start', stepId: 'a', command: 'yes' });
    const chunk = 'y\n'.repeat(40_000);
    s = reduce(plan, s, { type: 'run-output', stepId: 'a', chunk });
    s = reduce(plan, s, { type: 'run-output', stepId: 'a', chunk: 'LAST LINE\n' });
    const text = s.facts.a!.run!.text;
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
    expect(text.endsWith('LAST LINE\n')).toBe(true);
  });

  it('run diagnostics survive the check that follows the run, and are cleared by the next run', () => {
    let s = reduce(plan, initialState(plan, 'en'), { type: 'run-start', stepId: 'a', command: 'scp' });
    s = reduce(plan, s, { type: 'run-done', stepId: 'a', code: 1, timedOut: false, diagnostics: ['no-downloads'] });
    s = reduce(plan, s, {
      type: 'check-done',
      results: { a: { checks: [result('fail')], probes: [], diagnostics: ['missing-file'] } },
    });
    expect(s.facts.a!.diagnostics).toEqual(['missing-file', 'no-downloads']);
    s = reduce(plan, s, { type: 'run-start', stepId: 'a', command: 'scp' });
    expect(s.facts.a!.diagnostics).toEqual([]);
  });

  it('counts hints up to the number available', () => {
    let s = initialState(plan, 'en');
    for (let i = 0; i < 5; i++) s = reduce(plan, s, { type: 'hint', stepId: 'a', available: 2 });
    expect(s.facts.a!.hintsShown).toBe(2);
  });

  it('forget clears facts and the recorded pass', () => {
    let s = checked(initialState(plan, 'en', ['a']), { a: ['pass'] });
    s = reduce(plan, s, { type: 'forget', stepIds: ['a'] });
    expect(s.facts.a!.checks).toBeNull();
    expect(s.passedBefore.has('a')).toBe(false);
  });
});
